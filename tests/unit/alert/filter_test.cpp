#include "alert/alert.hpp"

#include <gtest/gtest.h>

#include "sample.hpp"

namespace fw::alert {
namespace {

using test::match_for;
using test::tron_deposit;

class Filter : public ::testing::Test {
 protected:
  bool passes_from() { return passes(filter, match_for(t), t); }
  bool passes_to() { return passes(filter, match_for(t, match::Direction::to), t); }
  config::WebhookFilter filter;
  Transfer t = tron_deposit();  // 12.5 USDT on TRON
};

TEST_F(Filter, AnEmptyFilterPassesEverything) {
  EXPECT_TRUE(passes_from());
  EXPECT_TRUE(passes_to());
}

TEST_F(Filter, ChainsKeepOnlyTheListedAddressFamilies) {
  filter.chains = {Chain::stacks, Chain::evm};
  EXPECT_FALSE(passes_from());
  filter.chains.push_back(Chain::tron);
  EXPECT_TRUE(passes_from());
}

TEST_F(Filter, AssetsMatchTheSymbolInAnyCaseOrTheContract) {
  filter.assets = {"STX"};
  EXPECT_FALSE(passes_from());
  filter.assets = {"usdt"};
  EXPECT_TRUE(passes_from());
  filter.assets = {"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"};
  EXPECT_TRUE(passes_from());
  filter.assets = {"tr7nhqjekqxgtci8q8zy4pl8otszgjlj6t"};  // base58 is case-sensitive
  EXPECT_FALSE(passes_from());

  t.chain = Chain::evm;
  t.asset.contract = "0xdac17f958d2ee523a2206206994597c13d831ec7";
  filter.assets = {"0xdAC17F958D2ee523a2206206994597C13D831ec7"};  // EIP-55 spelling in the config
  EXPECT_TRUE(passes_from());

  t.asset = {"", "STX", 6};  // native coins match by symbol only
  filter.assets = {"STX", "USDT"};
  EXPECT_TRUE(passes_from());
}

TEST_F(Filter, MinAmountComparesDisplayUnitsExactlyAndInclusively) {
  filter.min_amount = "12.5";
  EXPECT_TRUE(passes_from());
  filter.min_amount = "12.50000000";
  EXPECT_TRUE(passes_from());
  filter.min_amount = "12.5000001";  // finer than the asset's 6 decimals
  EXPECT_FALSE(passes_from());
  filter.min_amount = "12.499999999";
  EXPECT_TRUE(passes_from());
  filter.min_amount = "13";
  EXPECT_FALSE(passes_from());
  filter.min_amount = "9";
  EXPECT_TRUE(passes_from());  // 9 < 12.5 although "9" > "1" as text
  filter.min_amount = "0";
  EXPECT_TRUE(passes_from());
  filter.min_amount = "1000";
  t.amount = *Amount::from_decimal("1000000000");  // 1000 USDT
  EXPECT_TRUE(passes_from());
  t.amount = *Amount::from_decimal("999999999");
  EXPECT_FALSE(passes_from());
}

TEST_F(Filter, DirectionKeepsFromOrToMatches) {
  filter.direction = config::Direction::from;
  EXPECT_TRUE(passes_from());
  EXPECT_FALSE(passes_to());
  filter.direction = config::Direction::to;
  EXPECT_FALSE(passes_from());
  EXPECT_TRUE(passes_to());
}

TEST_F(Filter, StagesKeepOnlyTheLifecycleStagesAnEndpointWants) {
  filter.stages = {"confirmed", "retracted"};
  EXPECT_FALSE(passes_from());  // the sample is a pending deposit
  filter.stages = {"pending"};
  EXPECT_TRUE(passes_from());
}

TEST_F(Filter, SuspectedFalseDropsOnlyUnapprovedFollowTheMoneyAlerts) {
  match::Match suspect = test::derived_match_for(t);
  EXPECT_TRUE(passes(filter, suspect, t));  // default: suspected alerts are sent
  filter.suspected = false;
  EXPECT_FALSE(passes(filter, suspect, t));
  suspect.suspected = false;  // approved
  EXPECT_TRUE(passes(filter, suspect, t));
  EXPECT_TRUE(passes_from());
}

TEST_F(Filter, StageRetroSelectsRetroScanAlerts) {
  match::Match retro = match_for(t);
  retro.stage = "retro";
  retro.alert_id = retro.base_id + "_retro";
  retro.retro = match::RetroInfo{"pending", 1000};
  filter.stages = {"pending"};
  EXPECT_FALSE(passes(filter, retro, t));  // the stored stage does not count
  filter.stages = {"pending", "retro"};
  EXPECT_TRUE(passes(filter, retro, t));
  filter.stages = {"retro"};
  EXPECT_FALSE(passes_from());
}

TEST_F(Filter, EveryCriterionMustHold) {
  filter.chains = {Chain::tron};
  filter.assets = {"USDT"};
  filter.min_amount = "10";
  filter.direction = config::Direction::from;
  EXPECT_TRUE(passes_from());
  filter.min_amount = "100";
  EXPECT_FALSE(passes_from());
}

}  // namespace
}  // namespace fw::alert
