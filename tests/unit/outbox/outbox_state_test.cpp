// Source state (a chain source's cursor and lifecycle window) kept in the
// outbox file, written in order with the alerts.
#include <gtest/gtest.h>

#include <atomic>

#include "outbox/outbox.hpp"
#include "outbox_test_util.hpp"

namespace fw::outbox::testing {
namespace {

TEST_F(OutboxTest, SavedStateIsReadBackAfterReopenAndReplacedByTheNextSave) {
  {
    auto box = open();
    EXPECT_EQ(box->load_state("stacks-node"), std::nullopt);
    box->save_state("stacks-node", "cursor-1", nullptr);
    box->save_state("stacks-node", std::string("cursor-2\0bytes", 14), nullptr);
    box->save_state("hiro", "other", nullptr);
  }
  auto box = open();
  EXPECT_EQ(box->load_state("stacks-node"), std::string("cursor-2\0bytes", 14));
  EXPECT_EQ(box->load_state("hiro"), "other");
}

TEST_F(OutboxTest, StateIsDurableOnlyAfterTheAlertsAppendedBeforeIt) {
  auto box = open();
  std::atomic<int> order{0};
  int alert_seen_at = -1, state_seen_at = -1;
  std::string alert_in_db_when_state_durable;
  box->append({make_record("block-7-alert")}, [&](std::vector<Record>) { alert_seen_at = order++; });
  box->save_state("src", "height=7", [&] {
    state_seen_at = order++;
    alert_in_db_when_state_durable = raw_query("SELECT count(*) FROM outbox WHERE alert_id = 'block-7-alert'");
  });
  ASSERT_TRUE(box->flush());
  EXPECT_EQ(alert_seen_at, 0);
  EXPECT_EQ(state_seen_at, 1);
  EXPECT_EQ(alert_in_db_when_state_durable, "1");
  EXPECT_EQ(raw_query("SELECT value FROM source_state WHERE key = 'src'"), "height=7");
}

TEST_F(OutboxTest, AVersionOneFileGainsTheStateTableWithItsAlertsKept) {
  {
    auto box = open();
    ASSERT_EQ(append_sync(*box, {make_record("old-alert")}).size(), 1u);
  }
  raw_exec("DROP TABLE source_state; PRAGMA user_version = 1;");
  auto box = open();
  EXPECT_EQ(raw_query("PRAGMA user_version"), "2");
  box->save_state("k", "v", nullptr);
  EXPECT_EQ(box->load_state("k"), "v");
  EXPECT_EQ(box->load_pending().size(), 1u);
}

}  // namespace
}  // namespace fw::outbox::testing
