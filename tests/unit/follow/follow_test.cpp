#include "follow/follow.hpp"

#include <cstdio>
#include <fstream>
#include <memory>

#include <gtest/gtest.h>

#include "address/address.hpp"

namespace fw::follow {
namespace {

using watchlist::LiveEntry;

constexpr std::int64_t t_now = 1'715'680'800'000;  // 2024-05-14T10:00:00Z
constexpr std::int64_t hour = 3'600'000;

std::string evm(char c) { return "0x" + std::string(40, c); }
const std::string A = evm('a'), B = evm('b'), C = evm('c'), D = evm('d'), E = evm('e');
constexpr std::string_view usdt_contract = "0xdac17f958d2ee523a2206206994597c13d831ec7";

// A file snapshot: `addresses` listed in list `list` with incident `incident`.
std::shared_ptr<const watchlist::Snapshot> snapshot_with(std::vector<std::string> addresses,
                                                         std::string_view list = "alex-lab-2024",
                                                         std::string_view incident = "alex-lab-2024") {
  watchlist::Builder b;
  for (const std::string& text : addresses) {
    auto a = address::parse(Chain::evm, text);
    EXPECT_TRUE(a) << text << ": " << a.error;
    watchlist::Provenance p;
    p.file = "lists/x.csv";
    p.line = 2;
    p.list = list;
    p.label = "exploiter";
    p.incident = incident;
    p.source = "ZachXBT";
    p.severity = "critical";
    b.add(*a, p);
  }
  return b.build();
}

// `amount` USDT (6 decimals) on Ethereum, in a block.
Transfer usdt(const std::string& from, const std::string& to, std::string_view amount_base_units = "5000000000",
              std::string_view tx = "0x01") {
  Transfer t;
  t.chain = Chain::evm;
  t.chain_name = "ethereum";
  t.asset = {std::string(usdt_contract), "USDT", 6};
  t.senders = {from};
  t.recipient = to;
  t.amount = *Amount::from_decimal(amount_base_units);
  t.tx_id = std::string(tx);
  t.block_height = 100;
  t.status = TransferStatus::confirmed;
  t.source = "eth";
  t.received_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(t_now - 60'000));
  return t;
}

config::FollowConfig follow_incident(std::uint32_t max_hops = 2) {
  config::FollowConfig cfg;
  cfg.incidents = {"alex-lab-2024"};
  cfg.max_hops = max_hops;
  cfg.min_amount = {{"USDT", "1000"}};
  cfg.expire_after_hours = 24;
  return cfg;
}

// Matching + deriving as the pipeline does it: derived entries are added to
// a new overlay before the next transfer is matched.
struct World {
  std::shared_ptr<const watchlist::Snapshot> snapshot;
  std::vector<LiveEntry> live;
  std::shared_ptr<const watchlist::Overlay> overlay = std::make_shared<watchlist::Overlay>();

  void publish() { overlay = std::make_shared<watchlist::Overlay>(live); }
  void add(LiveEntry e) {
    std::erase_if(live, [&](const LiveEntry& x) {
      return x.address == e.address && x.kind == e.kind && x.incident == e.incident;
    });
    live.push_back(std::move(e));
    publish();
  }
  std::vector<match::Match> match(const Transfer& t, std::int64_t now = t_now) const {
    return match::match(t, *snapshot, overlay.get(), now);
  }
  std::vector<LiveEntry> feed(const Rules& rules, const Transfer& t, std::int64_t now = t_now) {
    std::vector<LiveEntry> derived = rules.derive(t, match(t, now), *snapshot, *overlay, now);
    for (const LiveEntry& e : derived) add(e);
    return derived;
  }
};

LiveEntry api_entry(const std::string& address, bool follow, std::string incident = "other") {
  LiveEntry e;
  e.address = address;
  e.chain = Chain::evm;
  e.kind = LiveEntry::Kind::api;
  e.label = "from the API";
  e.incident = std::move(incident);
  e.source = "analyst";
  e.severity = "high";
  e.added_by = "alice";
  e.added_at_ms = t_now - hour;
  e.follow = follow;
  return e;
}

TEST(Follow, AChainFromAListedSeedFlagsEveryHopUpToMaxHopsWithItsPath) {
  World w{snapshot_with({A})};
  Rules rules(follow_incident(2), {});
  ASSERT_TRUE(rules.errors().empty());

  std::vector<LiveEntry> b = w.feed(rules, usdt(A, B, "5000000000", "0xab"));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].address, B);
  EXPECT_EQ(b[0].kind, LiveEntry::Kind::derived);
  EXPECT_EQ(b[0].hops, 1u);
  EXPECT_EQ(b[0].seed, A);
  EXPECT_EQ(b[0].incident, "alex-lab-2024");
  EXPECT_EQ(b[0].severity, "critical");
  EXPECT_EQ(b[0].source, "follow-the-money");
  EXPECT_EQ(b[0].added_by, "follow-the-money");
  EXPECT_EQ(b[0].label, "follow-the-money: hop 1 from " + A);
  EXPECT_EQ(b[0].added_at_ms, t_now);
  EXPECT_EQ(b[0].expires_at_ms, t_now + 24 * hour);
  EXPECT_FALSE(b[0].approved);
  EXPECT_TRUE(b[0].suspected());
  ASSERT_EQ(b[0].path.size(), 1u);
  EXPECT_EQ(b[0].path[0], (watchlist::PathStep{A, B, "ethereum", "0xab", "USDT", "5000", t_now - 60'000}));

  std::vector<LiveEntry> c = w.feed(rules, usdt(B, C, "4000000000", "0xbc"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].address, C);
  EXPECT_EQ(c[0].hops, 2u);
  EXPECT_EQ(c[0].seed, A);
  EXPECT_EQ(c[0].incident, "alex-lab-2024");
  EXPECT_EQ(c[0].label, "follow-the-money: hop 2 from " + A);
  ASSERT_EQ(c[0].path.size(), 2u);
  EXPECT_EQ(c[0].path[0], b[0].path[0]);
  EXPECT_EQ(c[0].path[1].from, B);
  EXPECT_EQ(c[0].path[1].to, C);
  EXPECT_EQ(c[0].path[1].tx_id, "0xbc");
  EXPECT_EQ(c[0].path[1].amount, "4000");

  // C is at max_hops: D is not derived, and a transfer from C still alerts as suspected.
  EXPECT_TRUE(w.feed(rules, usdt(C, D, "3000000000", "0xcd")).empty());
  const auto from_c = w.match(usdt(C, D));
  ASSERT_EQ(from_c.size(), 1u);
  EXPECT_TRUE(from_c[0].suspected);
  ASSERT_EQ(from_c[0].entry.provenance.size(), 1u);
  EXPECT_EQ(from_c[0].entry.provenance[0].kind, "derived");
  EXPECT_EQ(from_c[0].entry.provenance[0].path.size(), 2u);
  EXPECT_TRUE(w.match(usdt(D, E)).empty());
  EXPECT_EQ(w.live.size(), 2u);
}

TEST(Follow, MaxHopsOneStopsAfterTheFirstHopAndZeroFollowsNothing) {
  World w{snapshot_with({A})};
  Rules one(follow_incident(1), {});
  EXPECT_EQ(w.feed(one, usdt(A, B)).size(), 1u);
  EXPECT_TRUE(w.feed(one, usdt(B, C)).empty());

  World w0{snapshot_with({A})};
  Rules zero(follow_incident(0), {});
  EXPECT_TRUE(w0.feed(zero, usdt(A, B)).empty());
}

TEST(Follow, OnlyFollowedListingsAreSeeds) {
  config::FollowConfig cfg = follow_incident();
  cfg.incidents.clear();
  // Neither the incident nor the list is followed.
  World w{snapshot_with({A}, "sanctions", "ofac")};
  EXPECT_TRUE(w.feed(Rules(cfg, {}), usdt(A, B)).empty());
  // The list has follow: true.
  EXPECT_EQ(w.feed(Rules(cfg, {"sanctions"}), usdt(A, B)).size(), 1u);

  config::WatchlistsConfig wl;
  wl.files.push_back(config::WatchlistFile{.name = "sanctions", .follow = false});
  wl.files.push_back(config::WatchlistFile{.name = "hack", .follow = true});
  EXPECT_EQ(followed_lists(wl), (std::set<std::string, std::less<>>{"hack"}));
}

TEST(Follow, ApiEntriesAreFollowedWhenAddedWithFollowOrForAFollowedIncident) {
  Rules rules(follow_incident(), {});
  World w{snapshot_with({})};
  w.add(api_entry(A, false));
  EXPECT_TRUE(w.feed(rules, usdt(A, B)).empty());
  w.live.clear();
  w.add(api_entry(A, true));
  std::vector<LiveEntry> d = w.feed(rules, usdt(A, B));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].incident, "other");
  EXPECT_EQ(d[0].seed, A);
  EXPECT_EQ(d[0].severity, "high");

  World w2{snapshot_with({})};
  w2.add(api_entry(A, false, "alex-lab-2024"));
  EXPECT_EQ(w2.feed(rules, usdt(A, B)).size(), 1u);
}

TEST(Follow, ExcludedAddressesAreNeverDerivedWhateverTheirSpelling) {
  config::FollowConfig cfg = follow_incident();
  const std::string b_upper = "0x" + std::string(40, 'B');  // another spelling of B
  cfg.exclude = {b_upper, "  " + C + " ", "not-an-address", "0x1234"};
  Rules rules(cfg, {});
  EXPECT_TRUE(rules.excluded(B));
  EXPECT_TRUE(rules.excluded(C));
  ASSERT_EQ(rules.errors().size(), 2u);
  EXPECT_NE(rules.errors()[0].find("watchlists.follow.exclude[2]: 'not-an-address'"), std::string::npos)
      << rules.errors()[0];
  EXPECT_NE(rules.errors()[1].find("watchlists.follow.exclude[3]: '0x1234'"), std::string::npos)
      << rules.errors()[1];

  World w{snapshot_with({A})};
  EXPECT_TRUE(w.feed(rules, usdt(A, B)).empty());
  EXPECT_TRUE(w.feed(rules, usdt(A, C)).empty());
  EXPECT_EQ(w.feed(rules, usdt(A, D)).size(), 1u);

  // Exclusions from a file's text (exclude_files), e.g. TRON hex and comments.
  Exclusions ex = parse_exclusions("# exchanges\n" + E + "  # hot wallet\n\n  bogus\r\n" + b_upper + "\r\n",
                                   "lists/exclude.txt");
  EXPECT_EQ(ex.addresses, (std::vector<std::string>{E, B}));
  ASSERT_EQ(ex.errors.size(), 1u);
  EXPECT_NE(ex.errors[0].find("lists/exclude.txt:4: 'bogus'"), std::string::npos) << ex.errors[0];
  Rules with_file(follow_incident(), {}, ex.addresses);
  EXPECT_TRUE(w.feed(with_file, usdt(A, E)).empty());
}

TEST(Follow, ExcludeFilesAreReadRelativeToTheConfigFolder) {
  const std::string dir = ::testing::TempDir();
  {
    std::ofstream out(dir + "/fw_follow_exclude.txt");
    out << B << "\nnope\n";
  }
  config::WatchlistsConfig wl;
  wl.follow = follow_incident();
  wl.follow.exclude_files = {"fw_follow_exclude.txt", "missing-exclusions.txt"};
  Rules rules = Rules::from_config(wl, dir);
  std::remove((dir + "/fw_follow_exclude.txt").c_str());
  EXPECT_TRUE(rules.excluded(B));
  ASSERT_EQ(rules.errors().size(), 2u);
  EXPECT_NE(rules.errors()[0].find(":2: 'nope'"), std::string::npos) << rules.errors()[0];
  EXPECT_NE(rules.errors()[1].find("exclude_files[1]"), std::string::npos) << rules.errors()[1];
  EXPECT_NE(rules.errors()[1].find("cannot be read"), std::string::npos) << rules.errors()[1];
}

TEST(Follow, AmountsUnderTheMinimumAreIgnoredExactly) {
  Rules rules(follow_incident(), {});  // USDT >= 1000
  World w{snapshot_with({A})};
  EXPECT_TRUE(w.feed(rules, usdt(A, B, "999999999")).empty());  // 999.999999 USDT
  EXPECT_EQ(w.feed(rules, usdt(A, B, "1000000000")).size(), 1u);  // exactly 1000

  config::FollowConfig fine = follow_incident();
  fine.min_amount = {{"usdt", "0.0000001"}};  // finer than USDT's 6 decimals; key in any case
  Rules r2(fine, {});
  EXPECT_FALSE(r2.enough(usdt(A, C, "0")));
  EXPECT_TRUE(r2.enough(usdt(A, C, "1")));  // 0.000001 >= 0.0000001

  EXPECT_EQ(min_base_units("1000", 6), Amount(1000000000));
  EXPECT_EQ(min_base_units("12.5", 6), Amount(12500000));
  EXPECT_EQ(min_base_units("0.0000001", 6), Amount(1));
  EXPECT_EQ(min_base_units("0.0000000", 6), Amount(0));
  EXPECT_EQ(min_base_units("1.5", 0), Amount(2));
  EXPECT_EQ(min_base_units("1,5", 6), std::nullopt);
  EXPECT_EQ(min_base_units("", 6), std::nullopt);
  EXPECT_EQ(min_base_units("-1", 6), std::nullopt);
  EXPECT_EQ(min_base_units("1.", 6), std::nullopt);

  config::FollowConfig bad = follow_incident();
  bad.min_amount = {{"USDT", "lots"}};
  Rules r3(bad, {});
  ASSERT_EQ(r3.errors().size(), 1u);
  EXPECT_EQ(r3.errors()[0], "watchlists.follow.min_amount.USDT: 'lots': not a plain decimal");
}

TEST(Follow, AnAssetWithNoMinimumKeyIsNotFollowed) {
  World w{snapshot_with({A})};
  Transfer eth = usdt(A, B, "2000000000000000000");
  eth.asset = {"", "ETH", 18};  // 2 ETH; only USDT has a minimum
  Rules usdt_only(follow_incident(), {});
  EXPECT_FALSE(usdt_only.min_amount_key(eth.asset));
  EXPECT_TRUE(w.feed(usdt_only, eth).empty());

  config::FollowConfig cfg = follow_incident();
  cfg.min_amount["*"] = "1";
  Rules any(cfg, {});
  EXPECT_EQ(any.min_amount_key(eth.asset), "*");
  std::vector<LiveEntry> d = w.feed(any, eth);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].path[0].asset, "ETH");
  EXPECT_EQ(d[0].path[0].amount, "2");

  // A contract key (any case for EVM hex) wins over the symbol.
  cfg.min_amount = {{"USDT", "1000000"}, {"0xDAC17F958D2EE523A2206206994597C13D831EC7", "1"}};
  Rules by_contract(cfg, {});
  EXPECT_EQ(by_contract.min_amount_key(usdt(A, B).asset), "0xDAC17F958D2EE523A2206206994597C13D831EC7");
  EXPECT_TRUE(by_contract.enough(usdt(A, B, "1000000")));
}

TEST(Follow, DepositsPendingAndRetractedTransfersAreNeverFollowed) {
  Rules rules(follow_incident(), {});
  World w{snapshot_with({A})};
  Transfer deposit = usdt(A, B);
  deposit.deposit = DepositInfo{"d-1", "u-1", B, true};  // B is the exchange's own deposit address
  EXPECT_TRUE(w.feed(rules, deposit).empty());
  deposit.deposit->credited = false;
  EXPECT_TRUE(w.feed(rules, deposit).empty());

  Transfer pending = usdt(A, B);
  pending.status = TransferStatus::pending;  // mempool
  EXPECT_TRUE(w.feed(rules, pending).empty());
  Transfer retracted = usdt(A, B);
  retracted.status = TransferStatus::retracted;
  EXPECT_TRUE(w.feed(rules, retracted).empty());
  Transfer final = usdt(A, B);
  final.status = TransferStatus::final;
  EXPECT_EQ(w.feed(rules, final).size(), 1u);
}

TEST(Follow, OnlyMoneyLeavingAFollowedAddressIsFollowed) {
  Rules rules(follow_incident(), {});
  World w{snapshot_with({A})};
  EXPECT_TRUE(w.feed(rules, usdt(B, A)).empty());  // A receives: direction "to"
  Transfer change = usdt(A, A);                    // change back to the sender
  EXPECT_TRUE(w.feed(rules, change).empty());
  Transfer multi = usdt(A, B);
  multi.senders = {A, B};  // the recipient is also a sender (Bitcoin change output)
  EXPECT_TRUE(w.feed(rules, multi).empty());
}

TEST(Follow, RecipientsAlreadyListedOrDerivedCloserToTheSeedAreNotDerivedAgain) {
  Rules rules(follow_incident(3), {});
  World w{snapshot_with({A, C})};
  EXPECT_TRUE(w.feed(rules, usdt(A, C)).empty());  // C is in a file list
  w.add(api_entry(D, false));
  EXPECT_TRUE(w.feed(rules, usdt(A, D)).empty());  // D is an API entry

  ASSERT_EQ(w.feed(rules, usdt(A, B)).size(), 1u);  // B hop 1
  EXPECT_TRUE(w.feed(rules, usdt(A, B, "7000000000", "0x02")).empty());  // again: already hop 1
  ASSERT_EQ(w.feed(rules, usdt(B, E)).size(), 1u);                       // E hop 2
  std::vector<LiveEntry> shorter = w.feed(rules, usdt(A, E, "7000000000", "0x03"));
  ASSERT_EQ(shorter.size(), 1u);  // a shorter path from the seed replaces hop 2
  EXPECT_EQ(shorter[0].hops, 1u);
  EXPECT_EQ(shorter[0].path.size(), 1u);
  EXPECT_TRUE(w.feed(rules, usdt(B, E, "7000000000", "0x04")).empty());  // hop 2 > hop 1 known
}

TEST(Follow, ApprovalTurnsSuspectedAlertsIntoNormalOnes) {
  Rules rules(follow_incident(), {});
  World w{snapshot_with({A})};
  std::vector<LiveEntry> b = w.feed(rules, usdt(A, B));
  ASSERT_EQ(b.size(), 1u);
  auto before = w.match(usdt(B, C));
  ASSERT_EQ(before.size(), 1u);
  EXPECT_TRUE(before[0].suspected);

  LiveEntry approved = b[0];
  approved.approved = true;
  approved.approved_by = "alice";
  approved.expires_at_ms.reset();  // an approved entry no longer expires
  w.add(approved);
  auto after = w.match(usdt(B, C));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_FALSE(after[0].suspected);
  EXPECT_EQ(after[0].alert_id, before[0].alert_id);  // the same alert id; only the classification changes
  EXPECT_TRUE(after[0].entry.provenance[0].approved);
  EXPECT_EQ(after[0].entry.provenance[0].approved_by, "alice");
  // An approved hop is still followed.
  EXPECT_EQ(w.feed(rules, usdt(B, C)).size(), 1u);
}

TEST(Follow, ExpiredEntriesAreIgnored) {
  Rules rules(follow_incident(), {});  // derived entries expire after 24 h
  World w{snapshot_with({A})};
  ASSERT_EQ(w.feed(rules, usdt(A, B)).size(), 1u);
  const std::int64_t later = t_now + 25 * hour;
  // B's entry has expired: no alert on B's transfers and nothing derived from them.
  EXPECT_TRUE(w.match(usdt(B, C), later).empty());
  EXPECT_TRUE(w.feed(rules, usdt(B, C), later).empty());
  // An expired derived entry does not block a new derivation of the same address.
  std::vector<LiveEntry> again = w.feed(rules, usdt(A, B, "5000000000", "0x09"), later);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].expires_at_ms, later + 24 * hour);

  // An expired API seed is not followed either.
  World w2{snapshot_with({})};
  LiveEntry seed = api_entry(A, true);
  seed.expires_at_ms = t_now;
  w2.add(seed);
  EXPECT_TRUE(w2.feed(rules, usdt(A, B)).empty());
}

}  // namespace
}  // namespace fw::follow
