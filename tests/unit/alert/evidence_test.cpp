// Evidence in the alert: classification, the path from the seed, explorer
// links, the full provenance of live listings, and the retro block.
#include "alert/explorers.hpp"

#include <simdjson.h>

#include <gtest/gtest.h>

#include "alert/alert.hpp"
#include "sample.hpp"

namespace fw::alert {
namespace {

using namespace std::chrono_literals;
using test::derived_match_for;
using test::match_for;
using test::t0;
using test::tron_deposit;

TEST(Explorers, HaveBuiltInTemplatesForTheMainChains) {
  const Explorers& e = Explorers::defaults();
  EXPECT_EQ(e.tx_url("stacks", Network::mainnet, "0xab"), "https://explorer.hiro.so/txid/0xab?chain=mainnet");
  EXPECT_EQ(e.address_url("stacks", Network::testnet, "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"),
            "https://explorer.hiro.so/address/ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM?chain=testnet");
  EXPECT_EQ(e.tx_url("ethereum", Network::mainnet, "0x01"), "https://etherscan.io/tx/0x01");
  EXPECT_EQ(e.address_url("ethereum", Network::mainnet, "0xdead"), "https://etherscan.io/address/0xdead");
  EXPECT_EQ(e.tx_url("bsc", Network::mainnet, "0x02"), "https://bscscan.com/tx/0x02");
  EXPECT_EQ(e.address_url("bsc", Network::mainnet, "0xbeef"), "https://bscscan.com/address/0xbeef");
  EXPECT_EQ(e.tx_url("tron", Network::mainnet, "ff"), "https://tronscan.org/#/transaction/ff");
  EXPECT_EQ(e.address_url("tron", Network::mainnet, "TX"), "https://tronscan.org/#/address/TX");
  EXPECT_EQ(e.tx_url("bitcoin", Network::mainnet, "c0de"), "https://mempool.space/tx/c0de");
  EXPECT_EQ(e.address_url("bitcoin", Network::mainnet, "bc1q"), "https://mempool.space/address/bc1q");
  EXPECT_EQ(e.tx_url("bitcoin", Network::testnet, "c0de"), "https://mempool.space/testnet/tx/c0de");
  // No template, no link; no tx id, no link.
  EXPECT_EQ(e.tx_url("polygon", Network::mainnet, "0x01"), std::nullopt);
  EXPECT_EQ(e.tx_url("ethereum", Network::testnet, "0x01"), std::nullopt);
  EXPECT_EQ(e.tx_url("ethereum", Network::mainnet, ""), std::nullopt);
}

TEST(Explorers, ConfiguredTemplatesReplaceTheDefaultsOfTheirChain) {
  Explorers e({config::ExplorerConfig{"ethereum", "https://eth.example/t/{tx}?x={tx}", ""},
               config::ExplorerConfig{"polygon", "https://polygonscan.com/tx/{tx}", "https://polygonscan.com/address/{address}"}});
  EXPECT_EQ(e.tx_url("ethereum", Network::mainnet, "0x01"), "https://eth.example/t/0x01?x=0x01");
  EXPECT_EQ(e.tx_url("ethereum", Network::testnet, "0x01"), "https://eth.example/t/0x01?x=0x01");
  EXPECT_EQ(e.address_url("ethereum", Network::mainnet, "0xdead"), std::nullopt);  // configured empty: no link
  EXPECT_EQ(e.address_url("polygon", Network::mainnet, "0xdead"), "https://polygonscan.com/address/0xdead");
  EXPECT_EQ(e.tx_url("bsc", Network::mainnet, "0x02"), "https://bscscan.com/tx/0x02");  // others keep defaults
}

TEST(Explorers, ValuesArePercentEncodedSoTheyCannotReshapeTheUrl) {
  EXPECT_EQ(expand_template("https://x/{tx}", "{tx}", "a/b?c=d#e f"), "https://x/a%2Fb%3Fc%3Dd%23e%20f");
  EXPECT_EQ(expand_template("https://x/{address}", "{address}", "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS.my-contract_1~"),
            "https://x/SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS.my-contract_1~");
  EXPECT_EQ(expand_template("https://x/{tx}", "{tx}", "\xc3\xa9"), "https://x/%C3%A9");
  EXPECT_EQ(expand_template("https://x/{address}", "{tx}", "1"), "https://x/{address}");
}

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& body) {
  simdjson::dom::element doc;
  EXPECT_EQ(p.parse(body).get(doc), simdjson::SUCCESS) << body;
  return doc;
}

TEST(Evidence, AFileListingIsClassifiedListedWithLinksAndNoPath) {
  Transfer t = tron_deposit();
  simdjson::dom::parser p;
  auto data = parse(p, render(match_for(t), t, t0))["data"];
  EXPECT_EQ(std::string_view(data["classification"]), "listed");
  EXPECT_EQ(simdjson::dom::array(data["evidence"]["path"]).size(), 0u);
  EXPECT_EQ(std::string_view(data["evidence"]["links"]["listed_address"]),
            "https://tronscan.org/#/address/TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm");
  EXPECT_TRUE(data["retro"].is_null());
}

TEST(Evidence, ADerivedMatchIsSuspectedAndShowsThePathFromTheSeedWithLinks) {
  Transfer t = tron_deposit();
  t.deposit.reset();
  t.status = TransferStatus::confirmed;
  match::Match m = derived_match_for(t);
  simdjson::dom::parser p;
  auto data = parse(p, render(m, t, t0))["data"];
  EXPECT_EQ(std::string_view(data["classification"]), "suspected");
  auto path = simdjson::dom::array(data["evidence"]["path"]);
  ASSERT_EQ(path.size(), 2u);
  auto step0 = path.at(0);
  EXPECT_EQ(std::string_view(step0["from"]), "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8");
  EXPECT_EQ(std::string_view(step0["to"]), "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL");
  EXPECT_EQ(std::string_view(step0["chain_name"]), "tron");
  EXPECT_EQ(std::string_view(step0["tx_id"]), "aa01");
  EXPECT_EQ(std::string_view(step0["asset"]), "USDT");
  EXPECT_EQ(std::string_view(step0["amount"]), "50000");
  EXPECT_EQ(std::string_view(step0["at"]), "2024-05-14T08:00:00.000Z");
  EXPECT_EQ(std::string_view(step0["tx_url"]), "https://tronscan.org/#/transaction/aa01");
  EXPECT_EQ(std::string_view(path.at(1)["to"]), "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm");
  EXPECT_EQ(std::string_view(path.at(1)["amount"]), "20000.5");

  // The listing itself carries the full provenance, path included.
  auto entry = data["watchlist"]["entries"].at(0);
  EXPECT_EQ(std::string_view(entry["kind"]), "derived");
  EXPECT_EQ(std::string_view(entry["added_by"]), "follow-the-money");
  EXPECT_EQ(std::string_view(entry["expires_at"]), "2024-05-21T09:00:00.000Z");
  EXPECT_EQ(std::uint64_t(entry["hops"]), 2u);
  EXPECT_EQ(std::string_view(entry["seed"]), "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8");
  EXPECT_EQ(simdjson::dom::array(entry["path"]).size(), 2u);
  EXPECT_FALSE(bool(entry["approved"]));

  // Approved: a normal alert, same evidence.
  m.suspected = false;
  m.entry.provenance[0].approved = true;
  m.entry.provenance[0].approved_by = "alice";
  auto approved = parse(p, render(m, t, t0))["data"];
  EXPECT_EQ(std::string_view(approved["classification"]), "listed");
  EXPECT_EQ(std::string_view(approved["watchlist"]["entries"].at(0)["approved_by"]), "alice");
  EXPECT_EQ(simdjson::dom::array(approved["evidence"]["path"]).size(), 2u);
}

TEST(Evidence, LinksAreNullWithoutATemplateOrATxId) {
  Transfer t = tron_deposit();
  t.tx_id.clear();
  t.chain_name = "tron";
  simdjson::dom::parser p;
  auto links = parse(p, render(match_for(t), t, t0))["data"]["evidence"]["links"];
  EXPECT_TRUE(links["tx"].is_null());
  EXPECT_FALSE(links["listed_address"].is_null());
  Explorers none({config::ExplorerConfig{"tron", "", ""}});
  auto nolinks = parse(p, render(match_for(t), t, t0, none))["data"]["evidence"]["links"];
  EXPECT_TRUE(nolinks["tx"].is_null());
  EXPECT_TRUE(nolinks["listed_address"].is_null());
}

TEST(Evidence, ConfiguredExplorersAreUsed) {
  Transfer t = tron_deposit();
  Explorers mine({config::ExplorerConfig{"tron", "https://scan.example/tx/{tx}", "https://scan.example/a/{address}"}});
  std::string body = render(match_for(t), t, t0, mine);
  EXPECT_NE(body.find(R"("listed_address":"https://scan.example/a/TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm")"),
            std::string::npos)
      << body;
}

TEST(Evidence, RetroAlertsCarryTheStoredStageAndHowLateTheListingCame) {
  Transfer t = tron_deposit();
  match::Match m = match_for(t);
  m.stage = "retro";
  m.alert_id = m.base_id + "_retro";
  m.retro = match::RetroInfo{"pending", 7200000};
  std::string body = render(m, t, t0 + 2h);
  EXPECT_TRUE(body.starts_with(R"({"type":"transfer.retro",)")) << body;
  EXPECT_NE(body.find(R"("retro":{"transfer_stage":"pending","listed_after_ms":7200000}}})"), std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("received_at":"2024-05-14T10:00:00.123Z")"), std::string::npos);  // the original time
  EXPECT_NE(body.find(R"("recommended_action":"freeze_deposit")"), std::string::npos);
}

}  // namespace
}  // namespace fw::alert
