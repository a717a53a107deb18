#include "lifecycle/tracker.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "match/match.hpp"

namespace fw::lifecycle {
namespace {

using testing::add;
using testing::block;
using testing::summary;
using testing::transfer;
using Strings = std::vector<std::string>;

// ------------------------------------------------------------ applying

TEST(Tracker, FirstBlockEverIsAppliedWithoutItsParent) {
  Tracker t;
  Step s = add(t, block(100, "a100", "a99"), {transfer("t1")});
  EXPECT_EQ(s.kind, Step::Kind::applied);
  EXPECT_EQ(summary(s), (Strings{"confirmed t1 r0"}));
  ASSERT_TRUE(s.out[0].block_height.has_value());
  EXPECT_EQ(*s.out[0].block_height, 100u);
  EXPECT_EQ(s.out[0].block_hash, "a100");
  EXPECT_TRUE(s.out[0].status_reason.empty());
  ASSERT_TRUE(t.tip());
  EXPECT_EQ(t.tip()->hash, "a100");
  EXPECT_FALSE(t.final_cursor());
}

TEST(Tracker, ExtendingTheTipConfirmsEachBlocksTransfersInOrder) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  Step s = add(t, block(2, "a2", "a1"), {transfer("t1"), transfer("t2"), transfer("t3")});
  EXPECT_EQ(s.kind, Step::Kind::applied);
  EXPECT_FALSE(s.side_branch);
  EXPECT_TRUE(s.orphaned.empty());
  EXPECT_EQ(summary(s), (Strings{"confirmed t1 r0", "confirmed t2 r0", "confirmed t3 r0"}));
  EXPECT_EQ(t.tip()->hash, "a2");
  EXPECT_EQ(t.stats().canonical_blocks, 2u);
}

TEST(Tracker, BlockSetsBlockFieldsAndClearsStaleStageFields) {
  Tracker t;
  Transfer in = transfer("t1");
  in.block_hash = "wrong";
  in.status = TransferStatus::retracted;
  in.status_reason = "leftover";
  in.replaced_by = "leftover";
  in.revision = 9;
  Step s = add(t, block(7, "a7", "a6"), {in});
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_EQ(s.out[0].block_hash, "a7");
  EXPECT_EQ(*s.out[0].block_height, 7u);
  EXPECT_EQ(s.out[0].status, TransferStatus::confirmed);
  EXPECT_EQ(s.out[0].revision, 0u);
  EXPECT_TRUE(s.out[0].status_reason.empty());
  EXPECT_TRUE(s.out[0].replaced_by.empty());
}

TEST(Tracker, SameBlockDeliveredTwiceEmitsNothing) {
  Tracker t;
  add(t, block(1, "a1", "a0"), {transfer("t1")});
  Step s = add(t, block(1, "a1", "a0"), {transfer("t1")});
  EXPECT_EQ(s.kind, Step::Kind::duplicate);
  EXPECT_TRUE(s.out.empty());
  EXPECT_EQ(t.tip()->hash, "a1");
}

TEST(Tracker, SideBlockDeliveredTwiceIsADuplicate) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"));
  add(t, block(3, "a3", "a2"));
  EXPECT_TRUE(add(t, block(2, "b2", "a1"), {transfer("x")}).side_branch);
  Step s = add(t, block(2, "b2", "a1"), {transfer("x")});
  EXPECT_EQ(s.kind, Step::Kind::duplicate);
  EXPECT_TRUE(s.out.empty());
}

// ------------------------------------------------------------ reorgs

TEST(Tracker, SameHeightReplacementRetractsOnlyTransfersMissingFromTheReplacement) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"), {transfer("t1"), transfer("t2")});
  Step s = add(t, block(2, "b2", "a1"), {transfer("t2"), transfer("t3")});
  EXPECT_EQ(s.kind, Step::Kind::reorg);
  ASSERT_EQ(s.orphaned.size(), 1u);
  EXPECT_EQ(s.orphaned[0], block(2, "a2", "a1"));
  EXPECT_EQ(summary(s), (Strings{"retracted t1 r0", "confirmed t3 r0"}));
  EXPECT_EQ(s.out[0].status_reason, "reorg: block a2 at height 2 left the canonical chain");
  EXPECT_EQ(s.out[0].block_hash, "a2");  // the retracted transfer says where it was
  EXPECT_EQ(s.out[1].block_hash, "b2");
  EXPECT_EQ(t.tip()->hash, "b2");
}

TEST(Tracker, TransferThatReappearsKeepsItsStageAndFinalisesInTheNewBlock) {
  Tracker t(Options{.final_depth = 2});
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"), {transfer("t1")});
  Step s = add(t, block(2, "b2", "a1"), {transfer("t1")});
  EXPECT_EQ(s.kind, Step::Kind::reorg);
  EXPECT_TRUE(s.out.empty());
  Step f = add(t, block(3, "b3", "b2"));
  ASSERT_EQ(summary(f), (Strings{"final t1 r0"}));
  EXPECT_EQ(f.out[0].block_hash, "b2");
}

TEST(Tracker, SameTxDifferentAmountIsADifferentTransfer) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"), {transfer("t1", 5)});
  Step s = add(t, block(2, "b2", "a1"), {transfer("t1", 6)});
  EXPECT_EQ(summary(s), (Strings{"retracted t1 r0", "confirmed t1 r0"}));
  EXPECT_EQ(s.out[0].amount, Amount(5));
  EXPECT_EQ(s.out[1].amount, Amount(6));
}

TEST(Tracker, ShorterForkStaysSideUntilItOvertakesThenRetractsAndConfirms) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"));
  add(t, block(3, "a3", "a2"), {transfer("ta3")});
  add(t, block(4, "a4", "a3"), {transfer("ta4")});
  add(t, block(5, "a5", "a4"));

  Step b3 = add(t, block(3, "b3", "a2"), {transfer("tb3")});
  EXPECT_EQ(b3.kind, Step::Kind::applied);
  EXPECT_TRUE(b3.side_branch);
  EXPECT_TRUE(b3.out.empty());
  Step b4 = add(t, block(4, "b4", "b3"), {transfer("tb4")});
  EXPECT_TRUE(b4.side_branch);
  EXPECT_TRUE(b4.out.empty());
  EXPECT_EQ(t.tip()->hash, "a5");
  EXPECT_EQ(t.stats().side_blocks, 2u);

  Step b5 = add(t, block(5, "b5", "b4"), {transfer("tb5")});  // same height as the tip: the newest wins
  EXPECT_EQ(b5.kind, Step::Kind::reorg);
  EXPECT_FALSE(b5.side_branch);
  ASSERT_EQ(b5.orphaned.size(), 3u);
  EXPECT_EQ(b5.orphaned[0].hash, "a3");
  EXPECT_EQ(b5.orphaned[2].hash, "a5");
  EXPECT_EQ(summary(b5), (Strings{"retracted ta3 r0", "retracted ta4 r0", "confirmed tb3 r0", "confirmed tb4 r0",
                                  "confirmed tb5 r0"}));
  EXPECT_EQ(b5.out[1].status_reason, "reorg: block a4 at height 4 left the canonical chain");
  EXPECT_EQ(t.tip()->hash, "b5");
  EXPECT_EQ(t.stats().side_blocks, 3u);  // a3..a5 may come back
}

// The node's own head (EVM newHeads) is authoritative: a reorg onto a
// shorter branch retracts at once instead of waiting for the branch to grow.
Step add_head(Tracker& tracker, const BlockRef& ref, std::vector<Transfer> transfers = {}) {
  std::vector<std::string> txids;
  for (const auto& t : transfers) txids.push_back(t.tx_id);
  return tracker.add_block(ref, std::move(transfers), txids, {}, false, /*node_head=*/true);
}

TEST(Tracker, NodeHeadOnAShorterForkSwitchesAtOnceAndRetractsTheOrphans) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"));
  add(t, block(3, "a3", "a2"), {transfer("ta3")});
  add(t, block(4, "a4", "a3"), {transfer("ta4")});

  // Without node_head the lower fork waits on the side...
  Tracker waiting;
  add(waiting, block(1, "a1", "a0"));
  add(waiting, block(2, "a2", "a1"));
  add(waiting, block(3, "a3", "a2"), {transfer("ta3")});
  add(waiting, block(4, "a4", "a3"), {transfer("ta4")});
  EXPECT_TRUE(add(waiting, block(3, "b3", "a2"), {transfer("tb3")}).side_branch);
  EXPECT_EQ(waiting.tip()->hash, "a4");

  // ...with it, the node's word wins now.
  Step b3 = add_head(t, block(3, "b3", "a2"), {transfer("tb3")});
  EXPECT_EQ(b3.kind, Step::Kind::reorg);
  EXPECT_FALSE(b3.side_branch);
  ASSERT_EQ(b3.orphaned.size(), 2u);
  EXPECT_EQ(summary(b3), (Strings{"retracted ta3 r0", "retracted ta4 r0", "confirmed tb3 r0"}));
  EXPECT_EQ(t.tip()->hash, "b3");
}

TEST(Tracker, NodeHeadBackOnAKnownCanonicalBlockRewindsTheBlocksAboveIt) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"), {transfer("ta2")});
  add(t, block(3, "a3", "a2"), {transfer("ta3")});
  add(t, block(4, "a4", "a3"), {transfer("ta4")});

  // Not the node's head: a known block is just a duplicate.
  EXPECT_EQ(add(t, block(2, "a2", "a1")).kind, Step::Kind::duplicate);
  EXPECT_EQ(t.tip()->hash, "a4");

  Step back = add_head(t, block(2, "a2", "a1"));  // rollback to height 2
  EXPECT_EQ(back.kind, Step::Kind::reorg);
  ASSERT_EQ(back.orphaned.size(), 2u);
  EXPECT_EQ(back.orphaned[0].hash, "a3");
  EXPECT_EQ(summary(back), (Strings{"retracted ta3 r0", "retracted ta4 r0"}));
  EXPECT_EQ(t.tip()->hash, "a2");
  // The tip itself announced again changes nothing.
  EXPECT_EQ(add_head(t, block(2, "a2", "a1")).kind, Step::Kind::duplicate);
  // An orphaned block the node calls its head again comes back, with a new revision.
  EXPECT_EQ(add(t, block(3, "a3", "a2"), {transfer("ta3")}).kind, Step::Kind::duplicate);
  Step again = add_head(t, block(3, "a3", "a2"));
  EXPECT_EQ(again.kind, Step::Kind::applied);
  EXPECT_EQ(summary(again), (Strings{"confirmed ta3 r1"}));
  EXPECT_EQ(t.tip()->hash, "a3");
  EXPECT_EQ(t.stats().side_blocks, 1u);  // a4
}

TEST(Tracker, ForkAndRejoinReconfirmsTheOriginalTransfersWithRevisionOne) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"), {transfer("ta2")});
  Step fork = add(t, block(2, "b2", "a1"), {transfer("tb2")});
  EXPECT_EQ(summary(fork), (Strings{"retracted ta2 r0", "confirmed tb2 r0"}));

  // The original branch comes back and grows past the fork.
  Step back = add(t, block(3, "a3", "a2"), {transfer("ta3")});
  EXPECT_EQ(back.kind, Step::Kind::reorg);
  ASSERT_EQ(back.orphaned.size(), 1u);
  EXPECT_EQ(back.orphaned[0].hash, "b2");
  EXPECT_EQ(summary(back), (Strings{"retracted tb2 r0", "confirmed ta2 r1", "confirmed ta3 r0"}));
  EXPECT_EQ(t.tip()->hash, "a3");

  // And once more (a tie goes to the newest block): the retraction of a
  // re-confirmed transfer uses its revision.
  Step again = add(t, block(3, "b3", "b2"));
  EXPECT_EQ(again.kind, Step::Kind::reorg);
  EXPECT_EQ(summary(again), (Strings{"retracted ta2 r1", "retracted ta3 r0", "confirmed tb2 r1"}));
}

TEST(Tracker, ReconfirmationAfterRetractionGetsRevisionOneAndNewAlertIds) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  Step first = add(t, block(2, "a2", "a1"), {transfer("t1")});
  Step retract = add(t, block(2, "b2", "a1"));
  Step reconfirm = add(t, block(3, "a3", "a2"));
  ASSERT_EQ(summary(first), (Strings{"confirmed t1 r0"}));
  ASSERT_EQ(summary(retract), (Strings{"retracted t1 r0"}));
  ASSERT_EQ(summary(reconfirm), (Strings{"confirmed t1 r1"}));

  const auto id = [](const Transfer& x) {
    const std::string base = match::base_id(x, x.recipient, match::Direction::to);
    return match::alert_id(base, match::stage_of(x), x.revision);
  };
  EXPECT_EQ(match::base_id(first.out[0], "SPRECIPIENT", match::Direction::to),
            match::base_id(reconfirm.out[0], "SPRECIPIENT", match::Direction::to));
  EXPECT_NE(id(first.out[0]), id(reconfirm.out[0]));
  EXPECT_NE(id(retract.out[0]), id(reconfirm.out[0]));
  EXPECT_EQ(id(reconfirm.out[0]), id(first.out[0]) + "_1");
}

// ------------------------------------------------------------ finality

TEST(Tracker, TransfersBecomeFinalAtExactlyFinalDepthConfirmations) {
  Tracker t(Options{.final_depth = 3});
  add(t, block(1, "a1", "a0"), {transfer("t1")});
  EXPECT_TRUE(summary(add(t, block(2, "a2", "a1"))).empty());  // 2 confirmations
  EXPECT_FALSE(t.final_cursor());
  Step s = add(t, block(3, "a3", "a2"));  // 3 confirmations
  EXPECT_EQ(summary(s), (Strings{"final t1 r0"}));
  EXPECT_EQ(s.out[0].block_hash, "a1");
  ASSERT_TRUE(t.final_cursor());
  EXPECT_EQ(*t.final_cursor(), block(1, "a1", "a0"));
  EXPECT_EQ(t.tip()->hash, "a3");
  EXPECT_EQ(t.stats().canonical_blocks, 2u);
}

TEST(Tracker, FinalDepthOneIsFinalAtInclusion) {
  Tracker t(Options{.final_depth = 1});
  Step s = add(t, block(1, "a1", "a0"), {transfer("t1")});
  EXPECT_EQ(summary(s), (Strings{"confirmed t1 r0", "final t1 r0"}));
  EXPECT_EQ(t.final_cursor()->hash, "a1");
  EXPECT_EQ(t.tip()->hash, "a1");
  EXPECT_EQ(t.stats().canonical_blocks, 0u);
  Step next = add(t, block(2, "a2", "a1"), {transfer("t2")});  // extends the final block
  EXPECT_EQ(next.kind, Step::Kind::applied);
  EXPECT_EQ(summary(next), (Strings{"confirmed t2 r0", "final t2 r0"}));
  EXPECT_EQ(add(t, block(2, "b2", "a1")).kind, Step::Kind::stale);
}

TEST(Tracker, FinalDepthZeroActsAsOne) {
  Tracker t(Options{.final_depth = 0});
  EXPECT_EQ(summary(add(t, block(1, "a1", "a0"), {transfer("t1")})), (Strings{"confirmed t1 r0", "final t1 r0"}));
}

TEST(Tracker, ForkFromTheFinalBlockCanStillWin) {
  Tracker t(Options{.final_depth = 3});
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"));
  add(t, block(3, "a3", "a2"), {transfer("ta3")});  // a1 final
  add(t, block(4, "a4", "a3"));                     // a2 final
  ASSERT_EQ(t.final_cursor()->hash, "a2");
  EXPECT_TRUE(add(t, block(3, "b3", "a2")).side_branch);
  Step s = add(t, block(4, "b4", "b3"), {transfer("tb4")});
  EXPECT_EQ(s.kind, Step::Kind::reorg);
  EXPECT_EQ(summary(s), (Strings{"retracted ta3 r0", "confirmed tb4 r0"}));
}

TEST(Tracker, BlockAtOrBelowTheFinalCursorIsStale) {
  Tracker t(Options{.final_depth = 2});
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"));
  add(t, block(3, "a3", "a2"), {transfer("t3")});  // a2 final
  ASSERT_EQ(t.final_cursor()->hash, "a2");
  Step s = add(t, block(2, "b2", "a1"), {transfer("x")});
  EXPECT_EQ(s.kind, Step::Kind::stale);
  EXPECT_TRUE(s.out.empty());
  EXPECT_EQ(add(t, block(1, "a1", "a0")).kind, Step::Kind::stale);      // older final block
  EXPECT_EQ(add(t, block(2, "a2", "a1")).kind, Step::Kind::duplicate);  // the final block itself
  EXPECT_EQ(t.tip()->hash, "a3");
}

TEST(Tracker, ForkBelowFinalityWithUnknownParentIsStale) {
  Tracker t(Options{.final_depth = 2});
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"));
  add(t, block(3, "a3", "a2"));  // cursor a2
  Step s = add(t, block(3, "b3", "b2"), {transfer("x")});
  EXPECT_EQ(s.kind, Step::Kind::stale);
  EXPECT_EQ(t.tip()->hash, "a3");
}

TEST(Tracker, FinalityDropsSideBlocksAtOrBelowTheCursor) {
  Tracker t(Options{.final_depth = 3});
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"));
  add(t, block(3, "a3", "a2"));
  EXPECT_TRUE(add(t, block(2, "b2", "a1")).side_branch);
  EXPECT_EQ(t.stats().side_blocks, 1u);
  add(t, block(4, "a4", "a3"));  // a2 final: b2 can never win
  EXPECT_EQ(t.stats().side_blocks, 0u);
}

TEST(Tracker, BlockWhoseHeightIsNotAboveItsParentIsStale) {
  Tracker t;
  add(t, block(5, "a5", "a4"));
  EXPECT_EQ(add(t, block(5, "x", "a5")).kind, Step::Kind::stale);
  EXPECT_EQ(add(t, block(4, "y", "a5")).kind, Step::Kind::stale);
  EXPECT_EQ(t.tip()->hash, "a5");
}

// ------------------------------------------------------------ gaps

TEST(Tracker, GapAheadOfTheTipAsksForTheMissingHeightsAndAppliesNothing) {
  Tracker t;
  add(t, block(10, "a10", "a9"));
  add(t, block(11, "a11", "a10"));
  Step s = add(t, block(14, "a14", "a13"), {transfer("t14")});
  EXPECT_EQ(s.kind, Step::Kind::gap);
  EXPECT_EQ(s.backfill_from, 12u);
  EXPECT_EQ(s.backfill_to, 13u);
  EXPECT_TRUE(s.out.empty());
  EXPECT_EQ(t.tip()->hash, "a11");

  EXPECT_EQ(add(t, block(12, "a12", "a11")).kind, Step::Kind::applied);
  EXPECT_EQ(add(t, block(13, "a13", "a12")).kind, Step::Kind::applied);
  Step again = add(t, block(14, "a14", "a13"), {transfer("t14")});
  EXPECT_EQ(again.kind, Step::Kind::applied);
  EXPECT_EQ(summary(again), (Strings{"confirmed t14 r0"}));
}

TEST(Tracker, UnknownParentAtTheTipHeightAsksFromTheBottomOfTheWindow) {
  Tracker t;
  add(t, block(10, "a10", "a9"));
  add(t, block(11, "a11", "a10"), {transfer("ta11")});
  add(t, block(12, "a12", "a11"), {transfer("ta12")});
  add(t, block(13, "a13", "a12"), {transfer("ta13")});
  // A deep fork: b13's parent b12 was never seen; the fork point is older.
  Step s = add(t, block(13, "b13", "b12"), {transfer("tb13")});
  EXPECT_EQ(s.kind, Step::Kind::gap);
  EXPECT_EQ(s.backfill_from, 10u);
  EXPECT_EQ(s.backfill_to, 12u);
  EXPECT_EQ(t.tip()->hash, "a13");

  // The caller refetches heights 10..12 (now: a10, b11, b12) and re-adds b13.
  EXPECT_EQ(add(t, block(10, "a10", "a9")).kind, Step::Kind::duplicate);
  EXPECT_TRUE(add(t, block(11, "b11", "a10"), {transfer("ta12")}).side_branch);
  EXPECT_TRUE(add(t, block(12, "b12", "b11")).side_branch);
  Step r = add(t, block(13, "b13", "b12"), {transfer("tb13")});
  EXPECT_EQ(r.kind, Step::Kind::reorg);
  EXPECT_EQ(r.orphaned.size(), 3u);
  // ta12 moved to b11: neither retracted nor confirmed again.
  EXPECT_EQ(summary(r), (Strings{"retracted ta11 r0", "retracted ta13 r0", "confirmed tb13 r0"}));
}

TEST(Tracker, UnknownParentOneAboveTheTipAsksFromTheBottomOfTheWindow) {
  Tracker t;
  add(t, block(10, "a10", "a9"));
  add(t, block(11, "a11", "a10"));
  Step s = add(t, block(12, "b12", "b11"));
  EXPECT_EQ(s.kind, Step::Kind::gap);
  EXPECT_EQ(s.backfill_from, 10u);
  EXPECT_EQ(s.backfill_to, 11u);
}

TEST(Tracker, ForkRootedBelowEverythingKnownIsTakenAsItIs) {
  // Nothing final and nothing known below a10: no fetch could link b10.
  Tracker t;
  add(t, block(10, "a10", "a9"), {transfer("ta10")});
  add(t, block(11, "a11", "a10"));
  Step s = add(t, block(10, "b10", "b9"), {transfer("tb10")});
  EXPECT_EQ(s.kind, Step::Kind::reorg);
  EXPECT_EQ(summary(s), (Strings{"retracted ta10 r0", "confirmed tb10 r0"}));
  EXPECT_EQ(t.tip()->hash, "b10");
}

TEST(Tracker, AcceptUnlinkedAppliesAndOrphansBlocksAtOrAboveItsHeight) {
  Tracker t;
  add(t, block(1, "a1", "a0"), {transfer("t1")});
  add(t, block(2, "a2", "a1"), {transfer("t2")});
  add(t, block(3, "a3", "a2"), {transfer("t3")});
  add(t, block(4, "a4", "a3"), {transfer("t4")});
  Step s = add(t, block(3, "x3", "x2"), {transfer("t4"), transfer("x")}, /*accept_unlinked=*/true);
  EXPECT_EQ(s.kind, Step::Kind::reorg);
  ASSERT_EQ(s.orphaned.size(), 2u);
  EXPECT_EQ(s.orphaned[0].hash, "a3");
  EXPECT_EQ(s.orphaned[1].hash, "a4");
  EXPECT_EQ(summary(s), (Strings{"retracted t3 r0", "confirmed x r0"}));
  EXPECT_EQ(t.tip()->hash, "x3");
  EXPECT_EQ(summary(add(t, block(4, "x4", "x3"), {transfer("y")})), (Strings{"confirmed y r0"}));
}

TEST(Tracker, AcceptUnlinkedAheadOfTheTipJustApplies) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"));
  Step s = add(t, block(5, "x5", "x4"), {transfer("t5")}, true);
  EXPECT_EQ(s.kind, Step::Kind::applied);
  EXPECT_TRUE(s.orphaned.empty());
  EXPECT_EQ(summary(s), (Strings{"confirmed t5 r0"}));
  EXPECT_EQ(t.tip()->hash, "x5");
  EXPECT_EQ(add(t, block(6, "x6", "x5")).kind, Step::Kind::applied);
}

TEST(Tracker, AcceptUnlinkedBranchReturningOnAnOrphanedBlockRejoinsIt) {
  // stacks-node from scratch: a100 (unlinked), replaced by b100, then a101
  // builds on a100 again.
  Tracker t;
  add(t, block(100, "a100", "a99"), {transfer("ta")}, true);
  Step b = add(t, block(100, "b100", "a99x"), {transfer("tb")}, true);
  EXPECT_EQ(summary(b), (Strings{"retracted ta r0", "confirmed tb r0"}));
  Step a = add(t, block(101, "a101", "a100"), {transfer("tc")}, true);
  EXPECT_EQ(a.kind, Step::Kind::reorg);
  EXPECT_EQ(summary(a), (Strings{"retracted tb r0", "confirmed ta r1", "confirmed tc r0"}));
  EXPECT_EQ(t.tip()->hash, "a101");
}

// ------------------------------------------------------------ mempool

TEST(Tracker, PendingIsEmittedOnceAndTheBlockIncludingItRemovesIt) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  Step p = t.add_pending({transfer("p1", 7), transfer("p1", 7, "SPSENDER", "SPRECIPIENT", 1)});
  EXPECT_EQ(p.kind, Step::Kind::applied);
  EXPECT_EQ(summary(p), (Strings{"pending p1 r0", "pending p1 r0"}));
  EXPECT_FALSE(p.out[0].block_height.has_value());
  Step again = t.add_pending({transfer("p1", 7)});
  EXPECT_EQ(again.kind, Step::Kind::duplicate);
  EXPECT_TRUE(again.out.empty());
  EXPECT_EQ(t.stats().pending_txs, 1u);

  Step b = add(t, block(2, "a2", "a1"), {transfer("p1", 7), transfer("p1", 7, "SPSENDER", "SPRECIPIENT", 1)});
  EXPECT_EQ(summary(b), (Strings{"confirmed p1 r0", "confirmed p1 r0"}));
  EXPECT_EQ(t.stats().pending_txs, 0u);
  EXPECT_TRUE(t.drop_pending({"p1"}, "StaleGarbageCollect", "").out.empty());
}

TEST(Tracker, IncludedTxidWithoutTransfersAlsoEndsPending) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  t.add_pending({transfer("p1")});
  Step b = t.add_block(block(2, "a2", "a1"), {}, {"p1"}, {});
  EXPECT_TRUE(b.out.empty());
  EXPECT_EQ(t.stats().pending_txs, 0u);
}

TEST(Tracker, SideBlockDoesNotEndPendingUntilItBecomesCanonical) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"));
  add(t, block(3, "a3", "a2"));
  t.add_pending({transfer("p1")});
  EXPECT_TRUE(add(t, block(2, "b2", "a1"), {transfer("p1")}).side_branch);
  EXPECT_EQ(t.stats().pending_txs, 1u);
  add(t, block(3, "b3", "b2"));
  EXPECT_EQ(t.stats().pending_txs, 0u);
}

TEST(Tracker, PendingForATxAlreadyInACanonicalBlockIsIgnored) {
  Tracker t;
  add(t, block(1, "a1", "a0"), {transfer("t1")});
  Step p = t.add_pending({transfer("t1"), transfer("t2")});
  EXPECT_EQ(summary(p), (Strings{"pending t2 r0"}));
}

TEST(Tracker, PendingWorksBeforeAnyBlock) {
  Tracker t;
  EXPECT_EQ(summary(t.add_pending({transfer("p1")})), (Strings{"pending p1 r0"}));
  EXPECT_FALSE(t.tip());
}

TEST(Tracker, DropRetractsPendingWithReasonAndReplacement) {
  Tracker t;
  t.add_pending({transfer("p1"), transfer("p2")});
  Step d = t.drop_pending({"p1", "unknown"}, "ReplaceByFee", "0xnew");
  EXPECT_EQ(d.kind, Step::Kind::applied);
  EXPECT_EQ(summary(d), (Strings{"retracted p1 r0"}));
  EXPECT_EQ(d.out[0].status_reason, "dropped: ReplaceByFee");
  EXPECT_EQ(d.out[0].replaced_by, "0xnew");
  EXPECT_EQ(t.stats().pending_txs, 1u);
  EXPECT_TRUE(t.drop_pending({"p1"}, "ReplaceByFee", "0xnew").out.empty());
}

TEST(Tracker, DroppedTransferSeenAgainGetsTheNextRevision) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  t.add_pending({transfer("p1")});
  EXPECT_EQ(summary(t.drop_pending({"p1"}, "StaleGarbageCollect", "")), (Strings{"retracted p1 r0"}));
  EXPECT_EQ(summary(t.add_pending({transfer("p1")})), (Strings{"pending p1 r1"}));
  EXPECT_EQ(summary(add(t, block(2, "a2", "a1"), {transfer("p1")})), (Strings{"confirmed p1 r1"}));
}

TEST(Tracker, ReorgedTransferBackInTheMempoolIsPendingWithTheNextRevision) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"), {transfer("t1")});
  add(t, block(2, "b2", "a1"));  // t1 retracted r0
  EXPECT_EQ(summary(t.add_pending({transfer("t1")})), (Strings{"pending t1 r1"}));
  EXPECT_EQ(summary(add(t, block(3, "b3", "b2"), {transfer("t1")})), (Strings{"confirmed t1 r1"}));
}

TEST(Tracker, FailedTxInABlockRetractsItsPendingTransfers) {
  Tracker t;
  add(t, block(1, "a1", "a0"));
  t.add_pending({transfer("bad", 1), transfer("bad", 2), transfer("good")});
  Step b = t.add_block(block(2, "a2", "a1"), {transfer("good")}, {"bad", "good"}, {{"bad", "abort_by_response"}});
  EXPECT_EQ(summary(b), (Strings{"retracted bad r0", "retracted bad r0", "confirmed good r0"}));
  EXPECT_EQ(b.out[0].status_reason, "failed in block: abort_by_response");
  EXPECT_EQ(*b.out[0].block_height, 2u);
  EXPECT_EQ(b.out[0].block_hash, "a2");
  EXPECT_EQ(t.stats().pending_txs, 0u);
}

TEST(Tracker, PendingIsBoundedOldestForgottenFirst) {
  Tracker t(Options{.max_pending = 3});
  for (int i = 1; i <= 5; ++i) t.add_pending({transfer("p" + std::to_string(i))});
  EXPECT_EQ(t.stats().pending_txs, 3u);
  EXPECT_EQ(t.stats().pending_evicted, 2u);
  EXPECT_EQ(t.add_pending({transfer("p5")}).kind, Step::Kind::duplicate);
  // p1 was forgotten: dropping it emits nothing, seeing it again is new.
  EXPECT_TRUE(t.drop_pending({"p1"}, "x", "").out.empty());
  EXPECT_EQ(summary(t.add_pending({transfer("p1")})), (Strings{"pending p1 r0"}));
  EXPECT_EQ(t.stats().pending_txs, 3u);  // p3 went
  EXPECT_TRUE(t.drop_pending({"p3"}, "x", "").out.empty());
}

// ------------------------------------------------------------ bounds

TEST(Tracker, SideBlocksAreBoundedOldestEvictedFirst) {
  Tracker t(Options{.max_side_blocks = 2});
  for (int h = 1; h <= 5; ++h) add(t, block(h, "a" + std::to_string(h), "a" + std::to_string(h - 1)));
  EXPECT_TRUE(add(t, block(2, "c2", "a1")).side_branch);
  EXPECT_TRUE(add(t, block(3, "d3", "a2")).side_branch);
  EXPECT_TRUE(add(t, block(4, "e4", "a3")).side_branch);
  EXPECT_EQ(t.stats().side_blocks, 2u);
  EXPECT_EQ(t.stats().side_evicted, 1u);
  // c2 is gone: a block on it has an unknown parent.
  EXPECT_EQ(add(t, block(3, "c3", "c2")).kind, Step::Kind::gap);
  EXPECT_EQ(add(t, block(4, "d4", "d3")).kind, Step::Kind::applied);  // d3 is still known
}

TEST(Tracker, RevisionMemoryOfRetractedKeysIsPrunedAfterTheRetentionWindow) {
  Tracker t(Options{.final_depth = 1, .retracted_memory_blocks = 2});
  add(t, block(1, "a1", "a0"));
  t.add_pending({transfer("p1")});
  t.drop_pending({"p1"}, "x", "");
  EXPECT_EQ(t.stats().revision_entries, 1u);
  add(t, block(2, "a2", "a1"));
  add(t, block(3, "a3", "a2"));
  EXPECT_EQ(t.stats().revision_entries, 1u);  // 3 - 1 = 2 blocks: still remembered
  add(t, block(4, "a4", "a3"));
  EXPECT_EQ(t.stats().revision_entries, 0u);
}

TEST(Tracker, RevisionEntryOfAFinalTransferIsDropped) {
  Tracker t(Options{.final_depth = 3});
  add(t, block(1, "a1", "a0"));
  add(t, block(2, "a2", "a1"), {transfer("t1")});
  add(t, block(2, "b2", "a1"));
  EXPECT_EQ(summary(add(t, block(3, "a3", "a2"))), (Strings{"confirmed t1 r1"}));
  EXPECT_EQ(t.stats().revision_entries, 1u);
  Step f = add(t, block(4, "a4", "a3"));
  EXPECT_EQ(summary(f), (Strings{"final t1 r1"}));
  EXPECT_EQ(t.stats().revision_entries, 0u);
}

TEST(Tracker, StepKindNamesAreMetricLabels) {
  EXPECT_STREQ(to_string(Step::Kind::applied), "applied");
  EXPECT_STREQ(to_string(Step::Kind::duplicate), "duplicate");
  EXPECT_STREQ(to_string(Step::Kind::reorg), "reorg");
  EXPECT_STREQ(to_string(Step::Kind::gap), "gap");
  EXPECT_STREQ(to_string(Step::Kind::stale), "stale");
}

TEST(TransferKey, CoversTheAlertIdFieldsOnly) {
  Transfer a = transfer("t1", 5);
  Transfer b = a;
  b.event_index = 9;
  b.block_hash = "other";
  b.status = TransferStatus::final;
  b.memo = "00";
  EXPECT_EQ(transfer_key(a), transfer_key(b));
  for (auto change : {+[](Transfer& x) { x.tx_id = "t2"; }, +[](Transfer& x) { x.asset.contract = "SP.c::t"; },
                      +[](Transfer& x) { x.senders.push_back("SPX"); }, +[](Transfer& x) { x.recipient = "SPY"; },
                      +[](Transfer& x) { x.amount = Amount(6); }, +[](Transfer& x) { x.occurrence = 1; }}) {
    Transfer c = a;
    change(c);
    EXPECT_NE(transfer_key(a), transfer_key(c));
  }
}

}  // namespace
}  // namespace fw::lifecycle
