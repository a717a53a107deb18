#include "match/match.hpp"

#include <chrono>
#include <memory>
#include <set>

#include <gtest/gtest.h>

#include "address/address.hpp"

namespace fw::match {
namespace {

constexpr std::string_view attacker = "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS";
constexpr std::string_view customer = "SP15RWSKC53G1H1182HZTNV027BCQAK6T753GW081";
constexpr std::string_view other = "SP1MEZB08KACJ3PJ651XA0HQ42YSHH1C4W8KZ4P81";
constexpr std::string_view lazarus_tron = "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm";

std::shared_ptr<const watchlist::Snapshot> snapshot_with(
    std::initializer_list<std::pair<Chain, std::string_view>> addresses) {
  watchlist::Builder b;
  std::uint32_t line = 1;
  for (const auto& [chain, text] : addresses) {
    auto a = address::parse(chain, text);
    EXPECT_TRUE(a) << text << ": " << a.error;
    watchlist::Provenance p;
    p.file = "lists/alex-lab-2024.csv";
    p.line = ++line;
    p.list = "alex-lab-2024";
    p.label = "ALEX Lab exploiter";
    p.incident = "alex-lab-2024";
    p.source = "tayvano/lazarus-bluenoroff-research";
    p.severity = "critical";
    p.added_at = "2024-05-15";
    b.add(*a, p);
  }
  return b.build();
}

Transfer stacks_deposit(std::string_view status = "pending") {
  Transfer t;
  t.chain = Chain::stacks;
  t.chain_name = "stacks";
  t.asset = {"", "STX", 6};
  t.senders = {std::string(attacker)};
  t.recipient = std::string(customer);
  t.amount = Amount(1250000000000);
  t.tx_id = "0x42ee680e25b4346c16c47c79d7ef8d1e27055a5527a38aa9e08a7930297b6da3";
  t.source = "exchange";
  t.deposit = DepositInfo{"d-1001", "u-42", std::string(customer), false};
  if (status == "credited") {
    t.status = TransferStatus::confirmed;
    t.deposit->credited = true;
  } else if (status == "confirmed") {
    t.status = TransferStatus::confirmed;
  } else if (status == "failed") {
    t.status = TransferStatus::retracted;
  }
  return t;
}

TEST(Match, AListedSenderMatchesWithDirectionFromAndCopiesTheEntry) {
  auto snap = snapshot_with({{Chain::stacks, attacker}});
  std::vector<Match> ms = match(stacks_deposit(), *snap);
  ASSERT_EQ(ms.size(), 1u);
  const Match& m = ms[0];
  EXPECT_EQ(m.direction, Direction::from);
  EXPECT_EQ(m.listed_address, attacker);
  EXPECT_EQ(m.entry.address, attacker);
  EXPECT_EQ(m.entry.chain, Chain::stacks);
  ASSERT_EQ(m.entry.provenance.size(), 1u);
  EXPECT_EQ(m.entry.provenance[0].list, "alex-lab-2024");
  EXPECT_EQ(m.entry.provenance[0].file, "lists/alex-lab-2024.csv");
  EXPECT_EQ(m.entry.provenance[0].line, 2u);
  EXPECT_EQ(m.entry.provenance[0].label, "ALEX Lab exploiter");
  EXPECT_EQ(m.entry.provenance[0].severity, "critical");
  EXPECT_EQ(m.watchlist_version, snap->version());
  EXPECT_EQ(m.stage, "pending");
  EXPECT_EQ(m.alert_id, m.base_id + "_pending");
}

TEST(Match, OutlivesTheSnapshotItCameFrom) {
  auto snap = snapshot_with({{Chain::stacks, attacker}});
  std::vector<Match> ms = match(stacks_deposit(), *snap);
  snap.reset();  // the views inside the snapshot are gone; the match owns copies
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].entry.provenance[0].source, "tayvano/lazarus-bluenoroff-research");
}

TEST(Match, AListedRecipientMatchesWithDirectionTo) {
  auto snap = snapshot_with({{Chain::stacks, customer}});
  std::vector<Match> ms = match(stacks_deposit(), *snap);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].direction, Direction::to);
  EXPECT_EQ(ms[0].listed_address, customer);
}

TEST(Match, BothEndsListedGiveTwoMatchesWithDifferentIds) {
  auto snap = snapshot_with({{Chain::stacks, attacker}, {Chain::stacks, customer}});
  std::vector<Match> ms = match(stacks_deposit(), *snap);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].direction, Direction::from);
  EXPECT_EQ(ms[1].direction, Direction::to);
  EXPECT_NE(ms[0].base_id, ms[1].base_id);

  // A self-transfer of a listed address matches in both directions.
  Transfer self = stacks_deposit();
  self.recipient = std::string(attacker);
  ms = match(self, *snap);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_NE(ms[0].base_id, ms[1].base_id);
}

TEST(Match, NothingListedGivesNoMatch) {
  auto snap = snapshot_with({{Chain::stacks, other}, {Chain::tron, lazarus_tron}});
  EXPECT_TRUE(match(stacks_deposit(), *snap).empty());
  auto empty = snapshot_with({});
  EXPECT_TRUE(match(stacks_deposit(), *empty).empty());
}

TEST(Match, EverySenderIsCheckedAndARepeatedSenderMatchesOnce) {
  auto snap = snapshot_with({{Chain::stacks, attacker}});
  Transfer t = stacks_deposit();
  t.senders = {std::string(other), std::string(attacker), std::string(attacker)};
  std::vector<Match> ms = match(t, *snap);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].listed_address, attacker);
}

TEST(Match, CarriesTheDepositThroughStagesWithOneBaseId) {
  auto snap = snapshot_with({{Chain::stacks, attacker}});
  Match pending = match(stacks_deposit("pending"), *snap).at(0);
  Match confirmed = match(stacks_deposit("confirmed"), *snap).at(0);
  Match credited = match(stacks_deposit("credited"), *snap).at(0);
  Match failed = match(stacks_deposit("failed"), *snap).at(0);
  EXPECT_EQ(pending.stage, "pending");
  EXPECT_EQ(confirmed.stage, "confirmed");
  EXPECT_EQ(credited.stage, "credited");
  EXPECT_EQ(failed.stage, "retracted");
  for (const Match* m : {&confirmed, &credited, &failed}) EXPECT_EQ(m->base_id, pending.base_id);
  std::set<std::string> ids{pending.alert_id, confirmed.alert_id, credited.alert_id, failed.alert_id};
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(event_type(credited.stage), "transfer.credited");
}

TEST(Match, DepositIdsDoNotDependOnTxIdAmountOrWatchlistVersion) {
  auto snap = snapshot_with({{Chain::stacks, attacker}});
  auto bigger = snapshot_with({{Chain::stacks, attacker}, {Chain::stacks, other}});
  Transfer a = stacks_deposit();
  Transfer b = stacks_deposit();
  b.tx_id.clear();  // pending deposits often have no tx id yet
  b.amount = Amount(1);
  b.block_height = 10;
  Match ma = match(a, *snap).at(0);
  Match mb = match(b, *bigger).at(0);
  EXPECT_NE(ma.watchlist_version, mb.watchlist_version);
  EXPECT_EQ(ma.alert_id, mb.alert_id);
  b.deposit->deposit_id = "d-1002";
  EXPECT_NE(match(b, *snap).at(0).base_id, ma.base_id);
}

// Pinned: ids must never change between versions or machines, or receivers
// would see old alerts as new ones. The values were computed independently
// (Python hashlib over the key encoding documented in docs/alerts.md).
TEST(Match, IdsAreStableAcrossRestartsAndInstances) {
  EXPECT_EQ(base_id(stacks_deposit(), attacker, Direction::from), "fw_dba883403083531fef1679ac0a694e14");
  EXPECT_EQ(alert_id("fw_dba883403083531fef1679ac0a694e14", "pending"), "fw_dba883403083531fef1679ac0a694e14_pending");

  Transfer chain_transfer = stacks_deposit();
  chain_transfer.deposit.reset();
  chain_transfer.event_index = 2;
  EXPECT_EQ(base_id(chain_transfer, attacker, Direction::from), "fw_4392cf88920157ff8539031544d4af9f");
  EXPECT_EQ(alert_id("fw_4392cf88920157ff8539031544d4af9f", "confirmed", 1),
            "fw_4392cf88920157ff8539031544d4af9f_confirmed_1");
}

TEST(Match, ChainTransferIdsNameWhatMovedNotWhereTheChainLoggedIt) {
  Transfer t = stacks_deposit();
  t.deposit.reset();
  std::string id0 = base_id(t, attacker, Direction::from);
  t.event_index = 1;  // a mempool sighting has no event index; the block event has one
  t.block_height = 7;
  t.status = TransferStatus::confirmed;
  EXPECT_EQ(base_id(t, attacker, Direction::from), id0);
  t.occurrence = 1;  // the second identical transfer inside the same tx
  std::string id1 = base_id(t, attacker, Direction::from);
  t.tx_id = "0x01";
  std::string id2 = base_id(t, attacker, Direction::from);
  t.amount = Amount(1);
  std::string id3 = base_id(t, attacker, Direction::from);
  t.asset.contract = "SP3Y2ZSH8P7D50B0VBTSX11S7XSG24M1VB9YFQA4K.token-aeusdc::aeUSDC";
  std::string id4 = base_id(t, attacker, Direction::from);
  EXPECT_NE(id0, id1);
  EXPECT_NE(id1, id2);
  EXPECT_NE(id2, id3);
  EXPECT_NE(id3, id4);
  EXPECT_EQ(id0.size(), 35u);
  EXPECT_TRUE(id0.starts_with("fw_"));
  EXPECT_EQ(id0.find_first_not_of("0123456789abcdef", 3), std::string::npos);
}

TEST(Match, AReincludedTransferGetsAlertIdsOfItsOwn) {
  auto snap = snapshot_with({{Chain::stacks, attacker}});
  Transfer t = stacks_deposit("confirmed");
  t.deposit.reset();
  const Match first = match(t, *snap).at(0);
  t.revision = 1;
  const Match again = match(t, *snap).at(0);
  EXPECT_EQ(first.base_id, again.base_id);
  EXPECT_EQ(again.alert_id, first.alert_id + "_1");
}

TEST(Match, StageFollowsTheTransferStatus) {
  Transfer t = stacks_deposit();
  t.deposit.reset();
  t.status = TransferStatus::final;
  EXPECT_EQ(stage_of(t), "final");
  t.status = TransferStatus::retracted;
  EXPECT_EQ(stage_of(t), "retracted");
  EXPECT_EQ(stage_of(stacks_deposit("credited")), "credited");
  EXPECT_EQ(stage_of(stacks_deposit("failed")), "retracted");
}

// --- the live overlay (API and follow-the-money entries) -------------------

constexpr std::int64_t now_ms = 1'715'680'800'000;

watchlist::LiveEntry live(std::string_view address, watchlist::LiveEntry::Kind kind, std::string incident = "alex-lab-2024") {
  watchlist::LiveEntry e;
  e.address = std::string(address);
  e.chain = Chain::stacks;
  e.kind = kind;
  e.label = kind == watchlist::LiveEntry::Kind::api ? "posted by ZachXBT" : "follow-the-money: hop 1 from SEED";
  e.incident = std::move(incident);
  e.source = kind == watchlist::LiveEntry::Kind::api ? "ZachXBT" : "follow-the-money";
  e.severity = "high";
  e.notes = "n";
  e.added_by = kind == watchlist::LiveEntry::Kind::api ? "alice" : "follow-the-money";
  e.added_at_ms = now_ms - 1000;
  if (kind == watchlist::LiveEntry::Kind::derived) {
    e.hops = 1;
    e.seed = std::string(other);
    e.path = {watchlist::PathStep{std::string(other), std::string(address), "stacks", "0x77", "STX", "5000", now_ms - 2000}};
    e.expires_at_ms = now_ms + 3'600'000;
  }
  return e;
}

TEST(MatchLive, AnApiEntryMatchesWithItsFullProvenance) {
  auto snap = snapshot_with({});
  watchlist::LiveEntry api = live(attacker, watchlist::LiveEntry::Kind::api);
  api.follow = true;
  api.expires_at_ms = now_ms + 1000;
  watchlist::Overlay overlay({api});
  std::vector<Match> ms = match(stacks_deposit(), *snap, &overlay, now_ms);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_FALSE(ms[0].suspected);
  ASSERT_EQ(ms[0].entry.provenance.size(), 1u);
  const Listing& l = ms[0].entry.provenance[0];
  EXPECT_EQ(l.kind, "api");
  EXPECT_EQ(l.list, "");
  EXPECT_EQ(l.file, "");
  EXPECT_EQ(l.line, 0u);
  EXPECT_EQ(l.label, "posted by ZachXBT");
  EXPECT_EQ(l.source, "ZachXBT");
  EXPECT_EQ(l.added_by, "alice");
  EXPECT_EQ(l.added_at, "2024-05-14T09:59:59.000Z");
  EXPECT_EQ(l.expires_at, "2024-05-14T10:00:01.000Z");
  EXPECT_EQ(l.notes, "n");
  EXPECT_TRUE(l.follow);
  EXPECT_EQ(l.hops, 0u);
  EXPECT_TRUE(l.path.empty());
  // The layer does not change the ids.
  auto file = snapshot_with({{Chain::stacks, attacker}});
  EXPECT_EQ(ms[0].alert_id, match(stacks_deposit(), *file).at(0).alert_id);
}

TEST(MatchLive, FileListingsComeFirstThenLiveOnesInOverlayOrder) {
  auto snap = snapshot_with({{Chain::stacks, attacker}});
  watchlist::Overlay overlay({live(attacker, watchlist::LiveEntry::Kind::derived, "b"),
                              live(attacker, watchlist::LiveEntry::Kind::api, "a")});
  std::vector<Match> ms = match(stacks_deposit(), *snap, &overlay, now_ms);
  ASSERT_EQ(ms.size(), 1u);
  ASSERT_EQ(ms[0].entry.provenance.size(), 3u);
  EXPECT_EQ(ms[0].entry.provenance[0].kind, "file");
  EXPECT_EQ(ms[0].entry.provenance[0].list, "alex-lab-2024");
  EXPECT_EQ(ms[0].entry.provenance[1].kind, "api");
  EXPECT_EQ(ms[0].entry.provenance[2].kind, "derived");
  EXPECT_EQ(ms[0].entry.provenance[2].hops, 1u);
  EXPECT_EQ(ms[0].entry.provenance[2].seed, other);
  ASSERT_EQ(ms[0].entry.provenance[2].path.size(), 1u);
  EXPECT_EQ(ms[0].entry.provenance[2].path[0].tx_id, "0x77");
  EXPECT_FALSE(ms[0].suspected);  // listed in a file too
}

TEST(MatchLive, OnlyUnapprovedDerivedListingsMakeAMatchSuspected) {
  auto snap = snapshot_with({});
  watchlist::LiveEntry d = live(attacker, watchlist::LiveEntry::Kind::derived);
  watchlist::Overlay suspect({d});
  std::vector<Match> ms = match(stacks_deposit(), *snap, &suspect, now_ms);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_TRUE(ms[0].suspected);
  EXPECT_TRUE(ms[0].entry.provenance[0].suspected());

  d.approved = true;
  d.approved_by = "bob";
  watchlist::Overlay approved({d});
  ms = match(stacks_deposit(), *snap, &approved, now_ms);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_FALSE(ms[0].suspected);
  EXPECT_EQ(ms[0].entry.provenance[0].approved_by, "bob");
}

TEST(MatchLive, ExpiredLiveEntriesNeverMatch) {
  auto snap = snapshot_with({});
  watchlist::LiveEntry api = live(attacker, watchlist::LiveEntry::Kind::api);
  api.expires_at_ms = now_ms;  // expires exactly now
  watchlist::LiveEntry d = live(customer, watchlist::LiveEntry::Kind::derived);
  watchlist::Overlay overlay({api, d});
  std::vector<Match> ms = match(stacks_deposit(), *snap, &overlay, now_ms);
  ASSERT_EQ(ms.size(), 1u);  // only the derived recipient
  EXPECT_EQ(ms[0].listed_address, customer);
  EXPECT_TRUE(match(stacks_deposit(), *snap, &overlay, now_ms + 3'600'000).empty());
  EXPECT_EQ(match(stacks_deposit(), *snap, &overlay, now_ms - 1).size(), 2u);

  // An expired live listing beside a file listing is left out of the provenance.
  auto file = snapshot_with({{Chain::stacks, attacker}});
  ms = match(stacks_deposit(), *file, &overlay, now_ms);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].entry.provenance.size(), 1u);
  EXPECT_EQ(ms[0].entry.provenance[0].kind, "file");
}

TEST(MatchLive, LiveEntriesOfAnotherChainDoNotMatch) {
  auto snap = snapshot_with({});
  watchlist::LiveEntry api = live(attacker, watchlist::LiveEntry::Kind::api);
  api.chain = Chain::bitcoin;
  watchlist::Overlay overlay({api});
  EXPECT_TRUE(match(stacks_deposit(), *snap, &overlay, now_ms).empty());
  EXPECT_TRUE(match(stacks_deposit(), *snap, nullptr, now_ms).empty());
}

TEST(MatchLive, ListTraitsNameRemoteListsAndFollowedListings) {
  config::WatchlistsConfig cfg;
  cfg.files.push_back(config::WatchlistFile{.name = "alex-lab-2024", .follow = false, .remote = config::WatchlistFile::Remote{}});
  cfg.files.push_back(config::WatchlistFile{.name = "local", .follow = true});
  cfg.follow.incidents = {"alex-lab-2024"};
  ListTraits traits = ListTraits::from(cfg);
  EXPECT_TRUE(traits.remote_lists.contains("alex-lab-2024"));
  EXPECT_TRUE(traits.followed_lists.contains("local"));

  auto snap = snapshot_with({{Chain::stacks, attacker}});
  std::vector<Match> ms = match(stacks_deposit(), *snap, nullptr, now_ms, &traits);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].entry.provenance[0].kind, "remote");
  EXPECT_TRUE(ms[0].entry.provenance[0].follow);  // its incident is followed
  ms = match(stacks_deposit(), *snap, nullptr, now_ms);
  EXPECT_EQ(ms[0].entry.provenance[0].kind, "file");
  EXPECT_FALSE(ms[0].entry.provenance[0].follow);
}

TEST(MatchRetro, RetroMatchesHaveStageRetroAndTheirOwnAlertIds) {
  auto snap = snapshot_with({{Chain::stacks, attacker}, {Chain::stacks, customer}});
  Transfer t = stacks_deposit("credited");
  t.received_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms - 7'200'000));
  const Match normal = match(t, *snap).at(0);
  RetroScan scan{now_ms, {std::string(attacker)}};
  std::vector<Match> ms = match_retro(t, *snap, nullptr, now_ms, scan);
  ASSERT_EQ(ms.size(), 1u);  // only the newly listed address
  EXPECT_EQ(ms[0].listed_address, attacker);
  EXPECT_EQ(ms[0].stage, "retro");
  EXPECT_EQ(ms[0].base_id, normal.base_id);
  EXPECT_EQ(ms[0].alert_id, normal.base_id + "_retro");
  EXPECT_EQ(event_type(ms[0].stage), "transfer.retro");
  ASSERT_TRUE(ms[0].retro);
  EXPECT_EQ(ms[0].retro->transfer_stage, "credited");
  EXPECT_EQ(ms[0].retro->listed_after_ms, 7'200'000);
  EXPECT_FALSE(normal.retro);

  t.revision = 2;  // no revision suffix on retro ids
  EXPECT_EQ(match_retro(t, *snap, nullptr, now_ms, scan).at(0).alert_id, normal.base_id + "_retro");
  EXPECT_EQ(match_retro(t, *snap, nullptr, now_ms, RetroScan{now_ms, {}}).size(), 2u);
}

}  // namespace
}  // namespace fw::match
