#include "outbox/outbox.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "log/log.hpp"
#include "outbox_test_util.hpp"

namespace fw::outbox {
namespace {

using testing::Collector;
using testing::make_record;
using testing::OutboxTest;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(OutboxTest, AppendCallsOnDurableWithIncreasingSeqsInInputOrder) {
  auto box = open();
  auto first = append_sync(*box, {make_record("a1"), make_record("a2"), make_record("a3")});
  auto second = append_sync(*box, {make_record("a4")});
  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].alert_id, "a1");
  EXPECT_EQ(first[2].alert_id, "a3");
  EXPECT_GT(first[0].seq, 0);
  EXPECT_LT(first[0].seq, first[1].seq);
  EXPECT_LT(first[1].seq, first[2].seq);
  EXPECT_LT(first[2].seq, second[0].seq);
  EXPECT_EQ(first[0].state, State::pending);
  EXPECT_GT(first[0].created_at_ms, 0) << "created_at_ms 0 means now";
}

TEST_F(OutboxTest, OnDurableRunsOnlyAfterCommitOnTheWriterThread) {
  auto box = open();
  std::atomic<bool> called{false};
  std::thread::id cb_thread;
  std::string committed_journal;
  box->append({make_record("x")}, [&](std::vector<Record> inserted) {
    cb_thread = std::this_thread::get_id();
    // Another connection already sees the row: it is committed, not merely queued.
    committed_journal = raw_query("SELECT alert_id FROM outbox WHERE seq = " + std::to_string(inserted.at(0).seq));
    called = true;
  });
  ASSERT_TRUE(box->flush());
  EXPECT_TRUE(called);
  EXPECT_NE(cb_thread, std::this_thread::get_id());
  EXPECT_EQ(committed_journal, "x");
}

TEST_F(OutboxTest, DuplicateAlertIdAndEndpointIsIgnored) {
  auto box = open();
  ASSERT_EQ(append_sync(*box, {make_record("dup", "hook-a")}).size(), 1u);
  auto again = append_sync(*box, {make_record("dup", "hook-a"), make_record("dup", "hook-b")});
  ASSERT_EQ(again.size(), 1u) << "same alert for another endpoint is a different row";
  EXPECT_EQ(again[0].endpoint, "hook-b");
  // Twice within one append, too.
  auto twice = append_sync(*box, {make_record("t", "hook-a"), make_record("t", "hook-a")});
  EXPECT_EQ(twice.size(), 1u);
  auto s = box->stats();
  EXPECT_EQ(s.duplicates, 2u);
  EXPECT_EQ(s.inserted, 3u);
  EXPECT_EQ(s.pending, 3u);
}

TEST_F(OutboxTest, DuplicateIgnoredAcrossReopenWhetherPendingDeliveredOrDead) {
  {
    auto box = open();
    auto in = append_sync(*box, {make_record("p"), make_record("d"), make_record("x")});
    ASSERT_EQ(in.size(), 3u);
    box->mark_delivered(in[1].seq);
    box->dead_letter(in[2].seq, 400, "bad", "rejected");
    ASSERT_TRUE(box->flush());
  }
  auto box = open();
  EXPECT_TRUE(append_sync(*box, {make_record("p"), make_record("d"), make_record("x")}).empty());
  EXPECT_EQ(box->stats().duplicates, 3u);
}

TEST_F(OutboxTest, ReopenLoadsPendingInSeqOrderWithOriginalIdsAndIdenticalBytes) {
  std::string binary("\x00\x01\xff{\"a\":1}\n\x00\xfe", 13);
  std::string big(1 << 20, 'z');
  big[12345] = '\0';
  std::vector<Record> in;
  {
    auto box = open();
    in = append_sync(*box, {make_record("id-1", "hook-a", binary), make_record("id-2", "hook-b", ""),
                            make_record("id-3", "hook-a", big, 1234)});
    auto more = append_sync(*box, {make_record("id-4", "hook-a", "later")});
    ASSERT_EQ(in.size(), 3u);
    ASSERT_EQ(more.size(), 1u);
    box->mark_delivered(in[1].seq);
    in.erase(in.begin() + 1);
    in.push_back(more[0]);
  }
  auto box = open();
  auto pending = box->load_pending();
  ASSERT_EQ(pending.size(), 3u);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    EXPECT_EQ(pending[i].seq, in[i].seq);
    EXPECT_EQ(pending[i].alert_id, in[i].alert_id);
    EXPECT_EQ(pending[i].endpoint, in[i].endpoint);
    EXPECT_EQ(pending[i].event_type, "transfer.pending");
    EXPECT_EQ(pending[i].payload, in[i].payload) << "payload bytes must survive exactly";
    EXPECT_EQ(pending[i].created_at_ms, in[i].created_at_ms);
    EXPECT_EQ(pending[i].state, State::pending);
  }
  EXPECT_EQ(pending[1].created_at_ms, 1234);
  // New rows after a restart continue the sequence.
  auto next = append_sync(*box, {make_record("id-5")});
  ASSERT_EQ(next.size(), 1u);
  EXPECT_GT(next[0].seq, pending.back().seq);
}

TEST_F(OutboxTest, MarkDeliveredRemovesFromPending) {
  auto box = open();
  auto in = append_sync(*box, {make_record("a"), make_record("b")});
  box->mark_delivered(in[0].seq);
  box->mark_delivered(987654);  // unknown seq: no-op
  auto pending = box->load_pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].alert_id, "b");
  EXPECT_EQ(box->stats().pending, 1u);
  EXPECT_EQ(raw_query("SELECT state FROM outbox WHERE alert_id = 'a'"), "delivered");
}

TEST_F(OutboxTest, ReschedulePersistsAttemptsNextTimeAndErrorAcrossReopen) {
  std::int64_t seq = 0;
  {
    auto box = open();
    seq = append_sync(*box, {make_record("r")}).at(0).seq;
    box->reschedule(seq, 3, 1'900'000'000'000, "HTTP 503");
    box->reschedule(seq, 4, 1'900'000'060'000, "timeout after 5000 ms");
  }
  auto box = open();
  auto pending = box->load_pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].seq, seq);
  EXPECT_EQ(pending[0].attempts, 4u);
  EXPECT_EQ(pending[0].next_attempt_at_ms, 1'900'000'060'000);
  EXPECT_EQ(pending[0].last_error, "timeout after 5000 ms");
}

TEST_F(OutboxTest, JournalModeIsWalAndSurvivesReopen) {
  {
    auto box = open();
    append_sync(*box, {make_record("w")});
    EXPECT_TRUE(std::filesystem::exists(path_ + "-wal")) << "WAL file exists while open";
  }
  EXPECT_EQ(raw_query("PRAGMA journal_mode"), "wal");
  Options full = options();
  full.sync = Options::Sync::full;
  auto box = open(full);
  ASSERT_TRUE(box);
  EXPECT_EQ(raw_query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(append_sync(*box, {make_record("f")}).size(), 1u);
}

TEST_F(OutboxTest, ManyThreadsAppendingAreDurableExactlyOnce) {
  auto box = open();
  constexpr int kThreads = 4, kPerThread = 500;
  Collector c;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Each id is offered by two threads: its own and the next one.
        box->append({make_record("t" + std::to_string(t) + "-" + std::to_string(i))}, c.fn());
        int other = (t + 1) % kThreads;
        box->append({make_record("t" + std::to_string(other) + "-" + std::to_string(i))}, c.fn());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(box->flush());
  auto got = c.records();
  EXPECT_EQ(c.calls(), 2 * kThreads * kPerThread) << "every append gets its callback";
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::string> ids;
  std::set<std::int64_t> seqs;
  for (const auto& r : got) {
    ids.insert(r.alert_id);
    seqs.insert(r.seq);
  }
  EXPECT_EQ(ids.size(), got.size());
  EXPECT_EQ(seqs.size(), got.size());
  box.reset();
  auto reopened = open();
  EXPECT_EQ(reopened->load_pending().size(), got.size());
  EXPECT_EQ(reopened->stats().pending, got.size());
}

TEST_F(OutboxTest, TenThousandAppendsAreGroupedIntoFewTransactions) {
  auto box = open();
  auto before = box->stats().commits;
  Collector c;
  for (int i = 0; i < 10000; ++i) box->append({make_record("b" + std::to_string(i))}, c.fn());
  ASSERT_TRUE(box->flush());
  auto commits = box->stats().commits - before;
  EXPECT_EQ(c.records().size(), 10000u);
  // One transaction per append would be 10000; group commit needs far fewer.
  EXPECT_LT(commits, 1000u) << commits << " transactions for 10000 appends";
  std::printf("[ info ] 10000 single-record appends -> %llu transactions\n", static_cast<unsigned long long>(commits));
}

TEST_F(OutboxTest, BatchesRespectMaxBatchWhenTheWriterIsBehind) {
  auto box = open();
  // Hold the write lock from another connection so everything queues up.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto before = box->stats().commits;
  Collector c;
  for (int i = 0; i < 10000; ++i) box->append({make_record("m" + std::to_string(i))}, c.fn());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(c.records().empty()) << "nothing is durable while the lock is held";
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  ASSERT_TRUE(box->flush());
  auto commits = box->stats().commits - before;
  EXPECT_EQ(c.records().size(), 10000u);
  // The op that was already taken, then ceil(rest / 1024) full batches (+ the flush's).
  EXPECT_GE(commits, 10u);
  EXPECT_LE(commits, 13u);
}

TEST_F(OutboxTest, StatsTrackPendingDeadAndOldestAndAreRestoredAtOpen) {
  {
    auto box = open();
    auto s0 = box->stats();
    EXPECT_EQ(s0.pending, 0u);
    EXPECT_EQ(s0.oldest_pending_created_at_ms, 0);
    auto in = append_sync(*box, {make_record("s1", "h", "{}", 1000), make_record("s2", "h", "{}", 2000),
                                 make_record("s3", "h", "{}", 3000)});
    auto s = box->stats();
    EXPECT_EQ(s.pending, 3u);
    EXPECT_EQ(s.oldest_pending_created_at_ms, 1000);
    EXPECT_EQ(s.dead, 0u);
    EXPECT_EQ(s.inserted, 3u);
    EXPECT_EQ(s.queued, 0u);
    box->mark_delivered(in[0].seq);
    ASSERT_TRUE(box->flush());
    EXPECT_EQ(box->stats().pending, 2u);
    EXPECT_EQ(box->stats().oldest_pending_created_at_ms, 2000);
    box->dead_letter(in[1].seq, 500, "oops", "retry_for_ms exceeded");
    box->dead_letter(in[1].seq, 500, "oops", "twice is a no-op");
    ASSERT_TRUE(box->flush());
    s = box->stats();
    EXPECT_EQ(s.pending, 1u);
    EXPECT_EQ(s.dead, 1u);
    EXPECT_EQ(s.oldest_pending_created_at_ms, 3000);
    EXPECT_EQ(s.write_errors, 0u);
  }
  auto box = open();
  auto s = box->stats();
  EXPECT_EQ(s.pending, 1u);
  EXPECT_EQ(s.dead, 1u);
  EXPECT_EQ(s.oldest_pending_created_at_ms, 3000);
  EXPECT_EQ(s.commits, 0u);
}

std::vector<std::string>* g_log_lines = nullptr;
void capture_log(std::string_view line) {
  if (g_log_lines) g_log_lines->emplace_back(line);
}

struct LogCapture {
  std::vector<std::string> lines;
  LogCapture() {
    g_log_lines = &lines;
    log::set_sink(capture_log);
  }
  ~LogCapture() {
    log::set_sink(nullptr);
    g_log_lines = nullptr;
  }
  bool contains(std::string_view s) const {
    for (const auto& l : lines)
      if (l.find(s) != std::string::npos) return true;
    return false;
  }
};

TEST_F(OutboxTest, RejectedRecordIsLoggedCountedAndTheRestOfTheBatchCommits) {
  LogCapture logs;
  auto box = open();
  auto in = append_sync(*box, {make_record("ok-1"), make_record("", "hook-a"), make_record("ok-2", "")});
  auto more = append_sync(*box, {make_record("ok-3")});
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].alert_id, "ok-1");
  EXPECT_EQ(more.size(), 1u);
  auto s = box->stats();
  EXPECT_EQ(s.rejected, 2u);
  EXPECT_EQ(s.write_errors, 2u);
  EXPECT_EQ(s.pending, 2u);
  EXPECT_TRUE(logs.contains("outbox rejected a record"));
}

TEST_F(OutboxTest, FailedWritesAreRetriedUntilTheyCommitAndNothingIsLost) {
  LogCapture logs;
  Options o = options();
  o.busy_timeout_ms = 20;  // fail fast while another process holds the lock
  auto box = open(o);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  Collector c;
  box->append({make_record("held-1"), make_record("held-2")}, c.fn());
  std::string error;
  auto dead = box->dlq_list(10, &error);
  EXPECT_FALSE(error.empty()) << "a query in a failing batch is answered with the error";
  EXPECT_TRUE(dead.empty());
  EXPECT_FALSE(box->flush());
  EXPECT_TRUE(c.records().empty());
  EXPECT_GE(box->stats().write_errors, 1u);

  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  for (int i = 0; i < 100 && c.records().size() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(c.records().size(), 2u) << "the batch is retried after the failure";
  EXPECT_TRUE(box->flush());
  EXPECT_EQ(box->load_pending().size(), 2u);
  EXPECT_TRUE(logs.contains("outbox write failed"));
  EXPECT_TRUE(logs.contains("database is locked"));
}

TEST_F(OutboxTest, DestructorPersistsWhatIsStillQueuedAndRunsItsCallbacks) {
  Collector c;
  {
    auto box = open();
    for (int i = 0; i < 100; ++i) box->append({make_record("q" + std::to_string(i))}, c.fn());
  }
  EXPECT_EQ(c.records().size(), 100u);
  auto box = open();
  EXPECT_EQ(box->load_pending().size(), 100u);
}

TEST_F(OutboxTest, AcknowledgedRecordsSurviveKillMinus9) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    std::string error;
    Options o = options();
    auto box = Outbox::open(o, error);
    if (!box) _exit(2);
    std::atomic<int> durable{0};
    for (int i = 0; i < 200; ++i)
      box->append({make_record("k" + std::to_string(i))}, [&](std::vector<Record> v) { durable += v.size(); });
    while (durable < 200) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    char ok = 'y';
    (void)!write(fds[1], &ok, 1);
    kill(getpid(), SIGKILL);  // no destructor, no checkpoint
    _exit(3);
  }
  close(fds[1]);
  char ok = 0;
  ASSERT_EQ(read(fds[0], &ok, 1), 1);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto box = open();
  auto pending = box->load_pending();
  ASSERT_EQ(pending.size(), 200u);
  EXPECT_EQ(pending.front().alert_id, "k0");
  EXPECT_EQ(pending.back().alert_id, "k199");
}

TEST_F(OutboxTest, DeliveredRowsArePrunedAfterRetentionAndSeqIsNeverReused) {
  Options o = options();
  o.retain_delivered_ms = 0;
  std::int64_t last = 0;
  {
    auto box = open(o);
    auto in = append_sync(*box, {make_record("old-1"), make_record("old-2")});
    box->mark_delivered(in[0].seq);
    box->mark_delivered(in[1].seq);
    ASSERT_TRUE(box->flush());
    last = in[1].seq;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ(box->prune_delivered(), 2u);
  }
  auto box = open(o);
  auto again = append_sync(*box, {make_record("old-1")});
  ASSERT_EQ(again.size(), 1u) << "outside the retention window the id is accepted again";
  EXPECT_GT(again[0].seq, last) << "seq is not reused after the highest rows are deleted";
}

TEST_F(OutboxTest, DeliveredRowsInsideRetentionAreKeptAtOpen) {
  {
    auto box = open();
    auto in = append_sync(*box, {make_record("keep")});
    box->mark_delivered(in[0].seq);
    EXPECT_EQ(box->prune_delivered(), 0u);
  }
  EXPECT_EQ(raw_query("SELECT count(*) FROM outbox WHERE state = 'delivered'"), "1");
}

TEST_F(OutboxTest, OpenFailsCleanlyOnMissingOrForeignFiles) {
  std::string error;
  Options o = options();
  o.create_if_missing = false;
  EXPECT_FALSE(Outbox::open(o, error));
  EXPECT_NE(error.find("no outbox database"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(path_));

  std::ofstream(path_) << "this is not a database, just text that is long enough to have a header........";
  error.clear();
  EXPECT_FALSE(Outbox::open(options(), error));
  EXPECT_NE(error.find("not a database"), std::string::npos) << error;

  std::filesystem::remove(path_);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE users(id)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  error.clear();
  EXPECT_FALSE(Outbox::open(options(), error));
  EXPECT_NE(error.find("not a freezewatch outbox"), std::string::npos) << error;
}

TEST_F(OutboxTest, OpenCreatesTheStorageDirectory) {
  Options o = options();
  o.path = dir_ + "/nested/deeper/outbox.db";
  auto box = open(o);
  ASSERT_TRUE(box);
  EXPECT_EQ(append_sync(*box, {make_record("n")}).size(), 1u);
}

TEST_F(OutboxTest, BlockingCallFromACallbackReturnsAnErrorInsteadOfDeadlocking) {
  auto box = open();
  std::string error;
  bool flushed = true;
  box->append({make_record("cb")}, [&](std::vector<Record>) {
    flushed = box->flush();
    box->load_pending(&error);
  });
  ASSERT_TRUE(box->flush());
  EXPECT_FALSE(flushed);
  EXPECT_NE(error.find("writer thread"), std::string::npos);
}

TEST_F(OutboxTest, ThrowingCallbackDoesNotStopTheWriter) {
  LogCapture logs;
  auto box = open();
  box->append({make_record("boom")}, [](std::vector<Record>) { throw std::runtime_error("callback bug"); });
  EXPECT_EQ(append_sync(*box, {make_record("after")}).size(), 1u);
  EXPECT_TRUE(logs.contains("callback bug"));
}

TEST_F(OutboxTest, CreatedAtDefaultsToTheAppendTime) {
  auto box = open();
  auto t0 = now_ms();
  auto in = append_sync(*box, {make_record("t")});
  ASSERT_EQ(in.size(), 1u);
  EXPECT_GE(in[0].created_at_ms, t0);
  EXPECT_LE(in[0].created_at_ms, now_ms());
  EXPECT_EQ(box->load_pending().at(0).created_at_ms, in[0].created_at_ms);
}

}  // namespace
}  // namespace fw::outbox

namespace fw::outbox {
namespace {
using testing::make_record;
using testing::OutboxTest;

// The writer never checkpoints (a checkpoint fsyncs and would stall alerts);
// the checkpointer thread copies the WAL into the database file instead. With
// no checkpointer the main file would stay at its initial few pages until close.
TEST_F(OutboxTest, CheckpointerCopiesTheWalIntoTheDatabaseOffTheWriterThread) {
  auto box = open();
  const auto initial = std::filesystem::file_size(path_);
  std::vector<Record> batch;
  for (int i = 0; i < 2000; ++i) batch.push_back(make_record("cp-" + std::to_string(i), "hook-a", std::string(400, 'x')));
  append_sync(*box, std::move(batch));
  ASSERT_TRUE(box->flush());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::filesystem::file_size(path_) < initial + 500'000 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_GE(std::filesystem::file_size(path_), initial + 500'000)
      << "the database file did not grow: nothing checkpointed the WAL while the outbox was open";
}

}  // namespace
}  // namespace fw::outbox
