// Dead letters and `freezewatch dlq list/retry`: the CLI opens the same file
// from another process while the daemon runs. A second Outbox instance (and,
// once, a forked process) plays the CLI.
#include "outbox/outbox.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

#include "outbox_test_util.hpp"

namespace fw::outbox {
namespace {

using testing::make_record;
using testing::OutboxTest;

constexpr const char* kCliEnv = "FW_OUTBOX_TEST_CLI_RETRY_ALL";

// When re-executed with kCliEnv=<db path>, this binary acts as `freezewatch dlq
// retry --all` and exits with the number of rows moved (100+ on failure)
// before gtest starts. Runs during static initialisation: it uses only
// SQLite and the outbox, which need no other C++ statics.
int cli_child_main() {
  const char* path = std::getenv(kCliEnv);
  if (path == nullptr) return 0;
  std::string error;
  Options o;
  o.path = path;
  o.create_if_missing = false;
  auto cli = Outbox::open(o, error);
  if (!cli) _exit(100);
  if (cli->dlq_list(0, &error).size() != 2) _exit(101);
  auto moved = cli->dlq_retry(std::nullopt, &error);
  if (!error.empty()) _exit(102);
  cli.reset();
  _exit(static_cast<int>(moved));
}
[[maybe_unused]] const int cli_child = cli_child_main();

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class DlqTest : public OutboxTest {
 protected:
  // The CLI's view: the daemon must have created the file.
  std::unique_ptr<Outbox> open_cli() {
    Options o = options();
    o.create_if_missing = false;
    return open(o);
  }

  // Appends one record per id and dead-letters each; returns their seqs.
  std::vector<std::int64_t> make_dead(Outbox& box, std::vector<std::string> ids) {
    std::vector<Record> recs;
    for (auto& id : ids) recs.push_back(make_record(id, "hook-a", "{\"id\":\"" + id + "\"}"));
    auto in = append_sync(box, std::move(recs));
    std::vector<std::int64_t> seqs;
    for (const auto& r : in) {
      box.dead_letter(r.seq, 422, "{\"error\":\"bad\"}", "4xx response");
      seqs.push_back(r.seq);
    }
    EXPECT_TRUE(box.flush());
    return seqs;
  }
};

TEST_F(DlqTest, DeadLetterKeepsStatusExcerptReasonAndAttempts) {
  auto box = open();
  auto t0 = now_ms();
  auto in = append_sync(*box, {make_record("dl-1", "hook-b", std::string(300, 'p'), 777)});
  ASSERT_EQ(in.size(), 1u);
  box->reschedule(in[0].seq, 6, now_ms() + 1000, "HTTP 503");
  box->dead_letter(in[0].seq, 503, "Service Unavailable: try later", "retry_for_ms exceeded", 7);
  auto dead = box->dlq_list(10);
  ASSERT_EQ(dead.size(), 1u);
  const DeadLetter& d = dead[0];
  EXPECT_EQ(d.seq, in[0].seq);
  EXPECT_EQ(d.alert_id, "dl-1");
  EXPECT_EQ(d.endpoint, "hook-b");
  EXPECT_EQ(d.event_type, "transfer.pending");
  EXPECT_EQ(d.http_status, 503);
  EXPECT_EQ(d.reason, "retry_for_ms exceeded");
  EXPECT_EQ(d.response_excerpt, "Service Unavailable: try later");
  EXPECT_EQ(d.attempts, 7u);
  EXPECT_EQ(d.last_error, "HTTP 503");
  EXPECT_EQ(d.created_at_ms, 777);
  EXPECT_GE(d.dead_at_ms, t0);
  EXPECT_LE(d.dead_at_ms, now_ms());
  EXPECT_EQ(d.payload_bytes, 300u);
  EXPECT_TRUE(box->load_pending().empty()) << "a dead letter is not pending";
}

TEST_F(DlqTest, DeadLetterWithoutAttemptsKeepsTheStoredCountAndCutsLongExcerpts) {
  auto box = open();
  auto seq = append_sync(*box, {make_record("dl-2")}).at(0).seq;
  box->reschedule(seq, 2, 0, "refused");
  box->dead_letter(seq, 0, std::string(10000, 'x'), "endpoint disabled (410)");
  auto dead = box->dlq_list(0);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 2u);
  EXPECT_EQ(dead[0].http_status, 0);
  EXPECT_EQ(dead[0].response_excerpt.size(), kMaxExcerptBytes);
}

TEST_F(DlqTest, ListIsNewestFirstAndHonoursTheLimit) {
  auto box = open();
  auto seqs = make_dead(*box, {"n1", "n2", "n3"});
  auto all = box->dlq_list(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].seq, seqs[2]);
  EXPECT_EQ(all[2].seq, seqs[0]);
  EXPECT_EQ(box->dlq_list(2).size(), 2u);
  EXPECT_EQ(box->stats().dead, 3u);
}

TEST_F(DlqTest, RetryOneFromASecondInstanceIsTakenExactlyOnceByTheDaemon) {
  auto daemon = open();
  auto seqs = make_dead(*daemon, {"r1", "r2"});
  auto cli = open_cli();
  ASSERT_TRUE(cli);
  ASSERT_EQ(cli->dlq_list(0).size(), 2u);
  std::string error;
  EXPECT_EQ(cli->dlq_retry(seqs[1], &error), 1u);
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_EQ(cli->dlq_retry(seqs[1]), 0u) << "no longer dead";
  ASSERT_EQ(cli->dlq_list(0).size(), 1u);

  auto t0 = now_ms();
  auto taken = daemon->take_requeued();
  ASSERT_EQ(taken.size(), 1u);
  const Record& r = taken[0];
  EXPECT_EQ(r.seq, seqs[1]);
  EXPECT_EQ(r.alert_id, "r2");
  EXPECT_EQ(r.payload, "{\"id\":\"r2\"}");
  EXPECT_EQ(r.attempts, 0u);
  EXPECT_LE(r.next_attempt_at_ms, t0) << "due at once";
  EXPECT_EQ(r.state, State::pending);
  EXPECT_TRUE(daemon->take_requeued().empty()) << "handed out once";

  // The daemon's counts catch up with the other process's change.
  auto s = daemon->stats();
  EXPECT_EQ(s.pending, 1u);
  EXPECT_EQ(s.dead, 1u);

  // The requeued row is an ordinary pending row again.
  daemon->mark_delivered(r.seq);
  ASSERT_TRUE(daemon->flush());
  EXPECT_EQ(daemon->stats().pending, 0u);
}

TEST_F(DlqTest, RetryAllMovesEveryDeadLetterAndTheyAreTakenInSeqOrder) {
  auto daemon = open();
  auto seqs = make_dead(*daemon, {"a1", "a2", "a3"});
  auto live = append_sync(*daemon, {make_record("live")});
  auto cli = open_cli();
  EXPECT_EQ(cli->dlq_retry(std::nullopt), 3u);
  EXPECT_TRUE(cli->dlq_list(0).empty());
  auto taken = daemon->take_requeued();
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].seq, seqs[0]);
  EXPECT_EQ(taken[1].seq, seqs[1]);
  EXPECT_EQ(taken[2].seq, seqs[2]);
  EXPECT_TRUE(daemon->take_requeued().empty());
  EXPECT_EQ(daemon->stats().pending, 4u);
  EXPECT_EQ(daemon->stats().dead, 0u);
}

TEST_F(DlqTest, RetryOfUnknownOrPendingSeqMovesNothing) {
  auto box = open();
  auto pending = append_sync(*box, {make_record("p")}).at(0).seq;
  EXPECT_EQ(box->dlq_retry(pending), 0u);
  EXPECT_EQ(box->dlq_retry(123456), 0u);
  EXPECT_EQ(box->dlq_retry(std::nullopt), 0u);
  EXPECT_TRUE(box->take_requeued().empty());
}

TEST_F(DlqTest, RestartHandsARequeuedRowOutThroughLoadPendingOnly) {
  std::int64_t seq = 0;
  {
    auto daemon = open();
    seq = make_dead(*daemon, {"x"}).at(0);
    auto cli = open_cli();
    EXPECT_EQ(cli->dlq_retry(seq), 1u);
  }  // daemon stops before it took the row
  auto daemon = open();
  auto pending = daemon->load_pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].seq, seq);
  EXPECT_TRUE(daemon->take_requeued().empty()) << "already handed out by load_pending";
}

TEST_F(DlqTest, RequeuedRowThatDiesAgainRecordsTheNewFailure) {
  auto box = open();
  auto seq = make_dead(*box, {"again"}).at(0);
  ASSERT_EQ(box->dlq_retry(seq), 1u);
  ASSERT_EQ(box->take_requeued().size(), 1u);
  box->dead_letter(seq, 404, "not found", "4xx response");
  auto dead = box->dlq_list(0);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].http_status, 404);
  EXPECT_EQ(dead[0].response_excerpt, "not found");
}

TEST_F(DlqTest, RetryFromAnotherProcessIsSeenByTheRunningDaemon) {
  auto daemon = open();
  auto seqs = make_dead(*daemon, {"proc-1", "proc-2"});
  // A fresh process (this binary re-executed, see cli_child_main), not a bare
  // fork: SQLite must not inherit this process's open connection state.
  std::string env = std::string(kCliEnv) + "=" + path_;
  char* const envp[] = {env.data(), nullptr};
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execle("/proc/self/exe", "outbox_test", static_cast<char*>(nullptr), envp);
    _exit(127);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 2) << "the CLI process moved both dead letters (100+: it failed)";
  auto taken = daemon->take_requeued();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].seq, seqs[0]);
  EXPECT_EQ(taken[1].alert_id, "proc-2");
  EXPECT_TRUE(daemon->take_requeued().empty());
  EXPECT_EQ(daemon->stats().dead, 0u);
}

TEST_F(DlqTest, TakeRequeuedAsyncAnswersOnTheWriterThread) {
  auto daemon = open();
  auto seq = make_dead(*daemon, {"async"}).at(0);
  open_cli()->dlq_retry(seq);
  std::promise<std::pair<std::vector<Record>, std::thread::id>> got;
  daemon->take_requeued_async(
      [&](std::vector<Record> rows) { got.set_value({std::move(rows), std::this_thread::get_id()}); });
  auto [rows, thread] = got.get_future().get();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].seq, seq);
  EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_TRUE(daemon->take_requeued().empty());
}

}  // namespace
}  // namespace fw::outbox
