// Tracker::save() / restore() (daemon/lifecycle/state_json.cpp).
#include "lifecycle/tracker.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "helpers.hpp"

namespace fw::lifecycle {
namespace {

using testing::add;
using testing::block;
using testing::describe;
using testing::summary;
using testing::transfer;
using Op = std::function<Step(Tracker&)>;

bool is_empty(const Tracker& t) {
  const Stats s = t.stats();
  return !t.tip() && !t.final_cursor() && s.canonical_blocks == 0 && s.side_blocks == 0 && s.pending_txs == 0 &&
         s.revision_entries == 0;
}

// A busy history: finality, a reorg and a re-join (revisions), pending,
// drops, a failed tx -- and a side branch that will win after the split.
std::vector<Op> history() {
  std::vector<Op> ops;
  ops.push_back([](Tracker& t) { return add(t, block(1, "a1", "a0"), {transfer("t1")}); });
  ops.push_back([](Tracker& t) { return t.add_pending({transfer("p1"), transfer("p2"), transfer("p3")}); });
  ops.push_back([](Tracker& t) { return add(t, block(2, "a2", "a1"), {transfer("t2"), transfer("p1")}); });
  ops.push_back([](Tracker& t) { return add(t, block(2, "b2", "a1"), {transfer("tb2")}); });  // retracts t2, p1
  ops.push_back([](Tracker& t) { return add(t, block(3, "a3", "a2"), {transfer("t3")}); });   // back: r1
  ops.push_back([](Tracker& t) { return t.drop_pending({"p2"}, "ReplaceByFee", "0xp2b"); });
  ops.push_back([](Tracker& t) { return add(t, block(4, "a4", "a3"), {transfer("t4")}); });
  ops.push_back([](Tracker& t) { return add(t, block(4, "c4", "a3"), {transfer("t4"), transfer("tc4")}); });
  ops.push_back([](Tracker& t) { return add(t, block(5, "a5", "a4"), {transfer("t5")}); });   // a4 wins again
  ops.push_back([](Tracker& t) { return add(t, block(5, "c5", "c4")); });                     // c wins again
  ops.push_back([](Tracker& t) { return add(t, block(4, "d4", "a3"), {transfer("t1x")}); });  // side
  // ---- split here (mid-fork: a5 and d4 are side blocks, c5 is the tip)
  ops.push_back([](Tracker& t) { return add(t, block(6, "a6", "a5"), {transfer("t6")}); });
  ops.push_back([](Tracker& t) { return t.add_pending({transfer("p2"), transfer("p4")}); });
  ops.push_back([](Tracker& t) {
    return t.add_block(block(7, "a7", "a6"), {transfer("t7")}, {"t7", "p3"}, {{"p3", "abort_by_post_condition"}});
  });
  ops.push_back([](Tracker& t) { return add(t, block(5, "d5", "d4")); });
  ops.push_back([](Tracker& t) { return add(t, block(6, "d6", "d5")); });
  ops.push_back([](Tracker& t) { return add(t, block(7, "d7", "d6"), {transfer("p4")}); });
  ops.push_back([](Tracker& t) { return add(t, block(9, "d9", "d8")); });  // gap
  ops.push_back([](Tracker& t) { return add(t, block(8, "d8", "d7")); });
  ops.push_back([](Tracker& t) { return add(t, block(9, "d9", "d8")); });
  ops.push_back([](Tracker& t) { return add(t, block(10, "d10", "d9"), {transfer("t10")}); });
  ops.push_back([](Tracker& t) { return add(t, block(2, "a2", "a1")); });  // stale by now
  ops.push_back([](Tracker& t) { return t.drop_pending({"p2"}, "StaleGarbageCollect", ""); });
  return ops;
}
constexpr std::size_t split = 11;

TEST(TrackerState, RestoreMidForkReproducesIdenticalSubsequentOutput) {
  const Options options{.final_depth = 3, .max_pending = 10, .max_side_blocks = 8};
  const std::vector<Op> ops = history();

  Tracker original(options);
  for (std::size_t i = 0; i < split; ++i) ops[i](original);
  ASSERT_EQ(original.tip()->hash, "c5");
  ASSERT_GE(original.stats().side_blocks, 2u);
  ASSERT_GT(original.stats().revision_entries, 0u);
  ASSERT_GT(original.stats().pending_txs, 0u);

  const std::string saved = original.save();
  Tracker restored(options);
  std::string error;
  ASSERT_TRUE(restored.restore(saved, error)) << error;
  EXPECT_EQ(restored.save(), saved);  // deterministic, nothing lost
  EXPECT_EQ(restored.tip(), original.tip());
  EXPECT_EQ(restored.final_cursor(), original.final_cursor());

  bool saw_reorg = false, saw_gap = false, saw_retracted_revision = false;
  for (std::size_t i = split; i < ops.size(); ++i) {
    const Step a = ops[i](original);
    const Step b = ops[i](restored);
    EXPECT_EQ(describe(a), describe(b)) << "step " << i;
    saw_reorg |= a.kind == Step::Kind::reorg;
    saw_gap |= a.kind == Step::Kind::gap;
    for (const auto& t : a.out) saw_retracted_revision |= t.status == TransferStatus::retracted && t.revision > 0;
  }
  EXPECT_TRUE(saw_reorg);
  EXPECT_TRUE(saw_gap);
  EXPECT_TRUE(saw_retracted_revision);
  EXPECT_EQ(restored.save(), original.save());
}

TEST(TrackerState, EverySplitPointRestoresToIdenticalBehaviour) {
  const Options options{.final_depth = 2, .max_pending = 10, .max_side_blocks = 8};
  const std::vector<Op> ops = history();
  for (std::size_t cut = 0; cut <= ops.size(); ++cut) {
    Tracker original(options);
    for (std::size_t i = 0; i < cut; ++i) ops[i](original);
    Tracker restored(options);
    std::string error;
    ASSERT_TRUE(restored.restore(original.save(), error)) << error;
    for (std::size_t i = cut; i < ops.size(); ++i)
      ASSERT_EQ(describe(ops[i](original)), describe(ops[i](restored))) << "cut " << cut << " step " << i;
    EXPECT_EQ(restored.save(), original.save()) << "cut " << cut;
  }
}

Transfer every_field() {
  Transfer t;
  t.chain = Chain::evm;
  t.network = Network::testnet;
  t.chain_name = "ethereum";
  t.asset = Asset{"0xdac17f958d2ee523a2206206994597c13d831ec7", "USD\"T\\", 18};
  t.senders = {"0x1111111111111111111111111111111111111111", "0x2222222222222222222222222222222222222222"};
  t.recipient = "0x3333333333333333333333333333333333333333";
  t.amount = *Amount::from_decimal(
      "115792089237316195423570985008687907853269984665640564039457584007913129639935");  // 2^256 - 1
  t.tx_id = "0xabc";
  t.event_index = 4294967295u;
  t.block_height = 0;  // present, and zero
  t.block_hash = "0xblock";
  t.memo = "line\nbreak\ttab\x01\x1f end \xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\";
  t.block_time = -5;
  t.status_reason = "ignored: the tracker sets it";
  t.occurrence = 3;
  t.source = "src \"x\"";
  t.received_at = std::chrono::system_clock::time_point(std::chrono::nanoseconds(1'700'000'000'123'456'789LL));
  t.deposit = DepositInfo{"dep-1", "acct \"7\"", "0x4444", true};
  return t;
}

TEST(TrackerState, EveryTransferFieldRoundTrips) {
  Tracker original;
  original.add_pending({every_field()});
  Tracker restored;
  std::string error;
  ASSERT_TRUE(restored.restore(original.save(), error)) << error;

  const Step a = original.drop_pending({"0xabc"}, "TooExpensive", "0xdef");
  const Step b = restored.drop_pending({"0xabc"}, "TooExpensive", "0xdef");
  ASSERT_EQ(b.out.size(), 1u);
  EXPECT_EQ(describe(a.out[0]), describe(b.out[0]));
  const Transfer& r = b.out[0];
  const Transfer want = every_field();
  EXPECT_EQ(r.amount, want.amount);
  EXPECT_EQ(r.memo, want.memo);
  EXPECT_EQ(r.asset.symbol, want.asset.symbol);
  ASSERT_TRUE(r.block_height.has_value());
  EXPECT_EQ(*r.block_height, 0u);
  EXPECT_EQ(r.block_time, std::optional<std::int64_t>(-5));
  EXPECT_EQ(r.received_at, want.received_at);
  EXPECT_EQ(r.senders, want.senders);
  EXPECT_EQ(r.event_index, want.event_index);
  EXPECT_EQ(r.occurrence, 3u);
  ASSERT_TRUE(r.deposit.has_value());
  EXPECT_EQ(r.deposit->account_id, "acct \"7\"");
  EXPECT_TRUE(r.deposit->credited);
}

TEST(TrackerState, TransfersWithoutOptionalFieldsStayWithout) {
  Tracker original;
  Transfer t = transfer("t1");
  t.asset = Asset{};
  t.senders.clear();
  original.add_pending({t});
  Tracker restored;
  std::string error;
  ASSERT_TRUE(restored.restore(original.save(), error)) << error;
  const Step b = restored.drop_pending({"t1"}, "x", "");
  ASSERT_EQ(b.out.size(), 1u);
  EXPECT_FALSE(b.out[0].block_height.has_value());
  EXPECT_FALSE(b.out[0].block_time.has_value());
  EXPECT_FALSE(b.out[0].deposit.has_value());
  EXPECT_TRUE(b.out[0].senders.empty());
  EXPECT_EQ(describe(original.drop_pending({"t1"}, "x", "").out[0]), describe(b.out[0]));
}

TEST(TrackerState, InvalidUtf8IsSavedAsReplacementCharacters) {
  Tracker original;
  Transfer t = transfer("t1");
  t.memo = "ok\xff\xc3(";
  original.add_pending({t});
  Tracker restored;
  std::string error;
  ASSERT_TRUE(restored.restore(original.save(), error)) << error;
  EXPECT_EQ(restored.drop_pending({"t1"}, "x", "").out.at(0).memo, "ok\xEF\xBF\xBD\xEF\xBF\xBD(");
}

TEST(TrackerState, SavedStateIsVersionedJson) {
  Tracker t;
  const std::string s = t.save();
  EXPECT_EQ(s.rfind("{\"version\":1,", 0), 0u) << s;
  EXPECT_EQ(s, R"({"version":1,"seq":0,"canonical":[],"side":[],"pending":[],"revisions":[]})");
}

TEST(TrackerState, EmptyStateRestoresAnEmptyTracker) {
  const std::string empty = Tracker().save();
  Tracker t;
  add(t, block(1, "a1", "a0"), {transfer("t1")});
  t.add_pending({transfer("p1")});
  std::string error;
  ASSERT_TRUE(t.restore(empty, error)) << error;
  EXPECT_TRUE(is_empty(t));
  EXPECT_EQ(t.save(), empty);
  EXPECT_EQ(add(t, block(9, "x9", "x8")).kind, Step::Kind::applied);  // first block again
}

TEST(TrackerState, RestoreHonoursSmallerBounds) {
  Tracker big(Options{.max_pending = 10});
  for (int i = 0; i < 5; ++i) big.add_pending({transfer("p" + std::to_string(i))});
  Tracker small(Options{.max_pending = 2});
  std::string error;
  ASSERT_TRUE(small.restore(big.save(), error)) << error;
  EXPECT_EQ(small.stats().pending_txs, 2u);
  EXPECT_EQ(summary(small.drop_pending({"p0", "p4"}, "x", "")), (std::vector<std::string>{"retracted p4 r0"}));
}

std::string replace(std::string s, std::string_view from, std::string_view to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

TEST(TrackerState, RestoreRejectsGarbageWithAClearErrorAndLeavesTheTrackerEmpty) {
  Tracker source(Options{.final_depth = 3});  // a1 final; a2, a3 in the window
  add(source, block(1, "a1", "a0"), {transfer("t1")});
  add(source, block(2, "a2", "a1"), {transfer("t2", 12)});
  add(source, block(3, "a3", "a2"), {transfer("t3")});
  source.add_pending({transfer("p1")});
  const std::string good = source.save();
  ASSERT_NE(good.find(R"("amount":"12")"), std::string::npos) << good;

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not JSON"},
      {"garbage", "not JSON"},
      {"\xff\xfe{}", "not JSON"},
      {good.substr(0, good.size() / 2), "not JSON"},
      {"[1,2]", "expected a JSON object"},
      {"{}", "no version field"},
      {R"({"version":"1"})", "no version field"},
      {R"({"version":2,"seq":0,"canonical":[],"side":[],"pending":[],"revisions":[]})", "unsupported version 2"},
      {R"({"version":1})", "seq: missing"},
      {R"({"version":1,"seq":0,"canonical":[],"side":[],"revisions":[]})", "pending: missing"},
      {R"({"version":1,"seq":0,"canonical":{},"side":[],"pending":[],"revisions":[]})", "canonical: expected an array"},
      {replace(good, R"("amount":"12")", R"("amount":"12x")"),
       "canonical[0].transfers[0].amount: not a decimal amount"},
      {replace(good, R"("amount":"12")", R"("amount":12)"), "canonical[0].transfers[0].amount: expected a string"},
      {replace(good, R"("status":"pending")", R"("status":"lost")"), "pending[0].transfers[0].status: unknown status"},
      {replace(good, R"("chain":"stacks")", R"("chain":"stx")"), "unknown chain 'stx'"},
      {replace(good, R"("height":3)", R"("height":2)"), "canonical heights must ascend"},
      {replace(good, R"("height":3)", R"("height":1)"), "at or below the final cursor"},
      {replace(good, R"("hash":"a3")", R"("hash":"a2")"), "duplicate block hash a2"},
      {replace(good, R"("seq":)", R"("seq":0,"x":)"), "not above every stored seq"},
  };
  for (const auto& [input, expected] : cases) {
    Tracker t(Options{.final_depth = 3});
    std::string error;
    ASSERT_TRUE(t.restore(good, error)) << error;
    ASSERT_FALSE(is_empty(t));
    error.clear();
    EXPECT_FALSE(t.restore(input, error)) << input;
    EXPECT_EQ(error.rfind("lifecycle state: ", 0), 0u) << error;
    EXPECT_NE(error.find(expected), std::string::npos) << "error: " << error << "\nwanted: " << expected;
    EXPECT_TRUE(is_empty(t)) << input;
    // Still usable: the next block is the first one.
    EXPECT_EQ(add(t, block(50, "z50", "z49"), {transfer("z")}).kind, Step::Kind::applied);
  }
}

}  // namespace
}  // namespace fw::lifecycle
