#include "retro/index.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

namespace fw::retro {
namespace {

using namespace std::chrono_literals;
using SysTime = std::chrono::system_clock::time_point;

// 2026-11-26T12:00:00Z: the tests' "now".
const SysTime kNow = SysTime(std::chrono::seconds(1'795'003'200));

class RetroIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fw_retro_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    now_ns_ = kNow.time_since_epoch().count();
  }
  void TearDown() override {
    index_.reset();
    std::filesystem::remove_all(dir_);
  }

  Options options() {
    Options o;
    o.path = (dir_ / "retro.db").string();
    o.window = 72h;
    o.max_transfers = 1000;
    o.batch_delay = 1ms;
    o.now = [this] { return SysTime(SysTime::duration(now_ns_.load())); };
    return o;
  }
  Index& open(Options o) {
    index_.reset();
    std::string error;
    index_ = Index::open(o, error);
    EXPECT_TRUE(index_) << error;
    return *index_;
  }
  Index& open() { return open(options()); }
  void set_now(SysTime t) { now_ns_ = t.time_since_epoch().count(); }

  static Transfer evm(std::string from, std::string to, std::string tx, SysTime at = kNow) {
    Transfer t;
    t.chain = Chain::evm;
    t.chain_name = "ethereum";
    t.asset = {"0xdac17f958d2ee523a2206206994597c13d831ec7", "USDT", 6};
    t.senders = {std::move(from)};
    t.recipient = std::move(to);
    t.amount = Amount(1'000'000);
    t.tx_id = std::move(tx);
    t.status = TransferStatus::confirmed;
    t.block_height = 100;
    t.source = "eth";
    t.received_at = at;
    return t;
  }

  static std::vector<std::string> tx_ids(const ScanResult& r) {
    std::vector<std::string> out;
    for (const auto& t : r.transfers) out.push_back(t.tx_id);
    return out;
  }

  std::filesystem::path dir_;
  std::atomic<std::int64_t> now_ns_{0};
  std::unique_ptr<Index> index_;
};

TEST_F(RetroIndex, FindsTransferBySenderAndByRecipient) {
  Index& idx = open();
  idx.record(evm("0xaaa1", "0xbbb1", "0x01"));
  idx.record(evm("0xaaa2", "0xbbb2", "0x02"));
  auto by_sender = idx.scan_wait({"0xaaa1"});
  ASSERT_TRUE(by_sender.ok) << by_sender.error;
  EXPECT_EQ(tx_ids(by_sender), std::vector<std::string>{"0x01"});
  EXPECT_EQ(tx_ids(idx.scan_wait({"0xbbb2"})), std::vector<std::string>{"0x02"});
  EXPECT_TRUE(idx.scan_wait({"0xccc"}).transfers.empty());
  EXPECT_TRUE(idx.scan_wait({}).transfers.empty());
}

TEST_F(RetroIndex, FindsEverySenderOfAMultiSenderTransfer) {
  Index& idx = open();
  Transfer t = evm("bc1qone", "bc1qdest", "aa");
  t.chain = Chain::bitcoin;
  t.chain_name = "bitcoin";
  t.senders = {"bc1qone", "bc1qtwo", "1Three"};
  idx.record(t);
  for (const char* a : {"bc1qone", "bc1qtwo", "1Three", "bc1qdest"}) {
    auto r = idx.scan_wait({a});
    ASSERT_EQ(r.transfers.size(), 1u) << a;
    EXPECT_EQ(r.transfers[0].senders, t.senders);
  }
}

TEST_F(RetroIndex, ReturnsATransferOnceWhenSeveralOfItsAddressesAreScanned) {
  Index& idx = open();
  idx.record(evm("0xaaa1", "0xbbb1", "0x01"));
  idx.record(evm("0xaaa1", "0xaaa1", "0x02"));  // to itself
  auto r = idx.scan_wait({"0xaaa1", "0xbbb1", "0xaaa1"});
  EXPECT_EQ(r.addresses_scanned, 2u);
  EXPECT_EQ(r.transfers.size(), 2u);
}

TEST_F(RetroIndex, StoredTransferComesBackWithEveryField) {
  Index& idx = open();
  Transfer t = evm("0xaaa1", "0xbbb1", "0x" + std::string(64, 'c'), kNow - 2h);
  t.network = Network::testnet;
  t.event_index = 3;
  t.block_hash = "0x" + std::string(64, 'd');
  t.memo = "hello";
  t.block_time = 1'795'000'000;
  t.status_reason = "why";
  t.replaced_by = "0xfeed";
  t.occurrence = 2;
  t.revision = 1;
  t.received_at += 123456789ns;
  t.deposit = DepositInfo{"dep-7", "acct-1", "0xbbb1", true};
  idx.record(t);
  auto r = idx.scan_wait({"0xbbb1"});
  ASSERT_EQ(r.transfers.size(), 1u);
  const Transfer& b = r.transfers[0];
  EXPECT_EQ(b.chain, t.chain);
  EXPECT_EQ(b.network, t.network);
  EXPECT_EQ(b.chain_name, t.chain_name);
  EXPECT_EQ(b.asset.contract, t.asset.contract);
  EXPECT_EQ(b.asset.symbol, t.asset.symbol);
  EXPECT_EQ(b.asset.decimals, t.asset.decimals);
  EXPECT_EQ(b.senders, t.senders);
  EXPECT_EQ(b.recipient, t.recipient);
  EXPECT_EQ(b.amount, t.amount);
  EXPECT_EQ(b.tx_id, t.tx_id);
  EXPECT_EQ(b.event_index, t.event_index);
  EXPECT_EQ(b.block_height, t.block_height);
  EXPECT_EQ(b.block_hash, t.block_hash);
  EXPECT_EQ(b.status, t.status);
  EXPECT_EQ(b.memo, t.memo);
  EXPECT_EQ(b.block_time, t.block_time);
  EXPECT_EQ(b.status_reason, t.status_reason);
  EXPECT_EQ(b.replaced_by, t.replaced_by);
  EXPECT_EQ(b.occurrence, t.occurrence);
  EXPECT_EQ(b.revision, t.revision);
  EXPECT_EQ(b.source, t.source);
  EXPECT_EQ(b.received_at, t.received_at);
  ASSERT_TRUE(b.deposit.has_value());
  EXPECT_EQ(b.deposit->deposit_id, "dep-7");
  EXPECT_EQ(b.deposit->account_id, "acct-1");
  EXPECT_EQ(b.deposit->deposit_address, "0xbbb1");
  EXPECT_TRUE(b.deposit->credited);
}

TEST_F(RetroIndex, LaterSightingReplacesTheStoredTransfer) {
  Index& idx = open();
  Transfer t = evm("0xaaa1", "0xbbb1", "0x01", kNow - 1h);
  t.status = TransferStatus::pending;
  t.block_height.reset();
  idx.record(t);
  t.status = TransferStatus::confirmed;
  t.block_height = 5;
  t.received_at = kNow - 30min;
  idx.record(t);
  t.status = TransferStatus::final;
  idx.record(t);
  auto r = idx.scan_wait({"0xaaa1"});
  ASSERT_EQ(r.transfers.size(), 1u);
  EXPECT_EQ(r.transfers[0].status, TransferStatus::final);
  EXPECT_EQ(r.transfers[0].block_height, 5u);
  EXPECT_EQ(r.transfers[0].received_at, kNow - 30min);
  auto s = idx.stats();
  EXPECT_EQ(s.stored, 1u);
  EXPECT_EQ(s.inserted, 1u);
  EXPECT_EQ(s.replaced, 2u);
}

TEST_F(RetroIndex, DepositUpdateReplacesByDepositIdAndItsAddresses) {
  Index& idx = open();
  Transfer d = evm("", "0xdep", "", kNow - 1h);
  d.senders.clear();
  d.status = TransferStatus::pending;
  d.deposit = DepositInfo{"d-1", "acct", "0xdep", false};
  idx.record(d);
  d.senders = {"0xlearnt"};  // the credited update names the sender
  d.tx_id = "0x77";
  d.status = TransferStatus::confirmed;
  d.deposit->credited = true;
  idx.record(d);
  auto r = idx.scan_wait({"0xlearnt"});
  ASSERT_EQ(r.transfers.size(), 1u);
  EXPECT_TRUE(r.transfers[0].deposit->credited);
  EXPECT_EQ(idx.scan_wait({"0xdep"}).transfers.size(), 1u);
  EXPECT_EQ(idx.stats().stored, 1u);

  // A deposit whose address changed no longer answers to the old one.
  d.recipient = "0xdep2";
  idx.record(d);
  EXPECT_TRUE(idx.scan_wait({"0xdep"}).transfers.empty());
  EXPECT_EQ(idx.scan_wait({"0xdep2"}).transfers.size(), 1u);
}

TEST_F(RetroIndex, RetractedTransferIsNeverReturned) {
  Index& idx = open();
  Transfer t = evm("0xaaa1", "0xbbb1", "0x01");
  idx.record(t);
  idx.record(evm("0xaaa1", "0xbbb1", "0x02"));
  t.status = TransferStatus::retracted;
  t.status_reason = "reorg";
  idx.record(t);
  EXPECT_EQ(tx_ids(idx.scan_wait({"0xaaa1"})), std::vector<std::string>{"0x02"});
  EXPECT_EQ(idx.stats().retracted, 1u);
  EXPECT_EQ(idx.stats().stored, 1u);

  // A retraction of something never stored is harmless.
  idx.record([] {
    Transfer x = evm("0xq", "0xr", "0x99");
    x.status = TransferStatus::retracted;
    return x;
  }());
  ASSERT_TRUE(idx.flush());
  EXPECT_EQ(idx.stats().retracted, 1u);

  // Confirmed again after the reorg: stored again.
  t.status = TransferStatus::confirmed;
  t.revision = 1;
  idx.record(t);
  auto r = idx.scan_wait({"0xbbb1"});
  EXPECT_EQ(r.transfers.size(), 2u);
}

TEST_F(RetroIndex, ScanReturnsExactlyTheTransfersInsideTheWindow) {
  Index& idx = open();
  idx.record(evm("0xthief", "0xa", "0xold", kNow - 73h));
  idx.record(evm("0xthief", "0xb", "0xedge_out", kNow - 72h - 1ms));
  idx.record(evm("0xthief", "0xc", "0xedge_in", kNow - 72h));
  idx.record(evm("0xthief", "0xd", "0xrecent", kNow - 2h));
  idx.record(evm("0xe", "0xthief", "0xincoming", kNow - 1min));
  idx.record(evm("0xother", "0xf", "0xunrelated", kNow - 1min));
  auto r = idx.scan_wait({"0xthief"});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(tx_ids(r), (std::vector<std::string>{"0xedge_in", "0xrecent", "0xincoming"}));  // oldest first
  EXPECT_EQ(r.rows_examined, 3u);

  // Time passes: the window moves.
  set_now(kNow + 69h);
  EXPECT_EQ(tx_ids(idx.scan_wait({"0xthief"})), (std::vector<std::string>{"0xrecent", "0xincoming"}));
  set_now(kNow + 70h + 1s);
  EXPECT_EQ(tx_ids(idx.scan_wait({"0xthief"})), (std::vector<std::string>{"0xincoming"}));
}

TEST_F(RetroIndex, PrunesRowsOlderThanTheWindow) {
  Options o = options();
  o.prune_interval = 10ms;
  Index& idx = open(o);
  for (int i = 0; i < 10; ++i) idx.record(evm("0xs", "0xr", "0x" + std::to_string(i), kNow - std::chrono::hours(i * 10)));
  ASSERT_TRUE(idx.flush());
  // 0, 10, ... 70 h old are inside; 80 and 90 h were pruned (at the latest by the next interval).
  for (int i = 0; i < 200 && idx.stats().stored != 8; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(idx.stats().stored, 8u);
  EXPECT_EQ(idx.stats().dropped_window, 2u);
  set_now(kNow + 25h);  // 50 h and older now fall out
  for (int i = 0; i < 200 && idx.stats().stored != 5; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(idx.stats().stored, 5u);
  EXPECT_EQ(idx.stats().dropped_window, 5u);
  EXPECT_EQ(idx.scan_wait({"0xs"}).transfers.size(), 5u);
}

TEST_F(RetroIndex, PrunesAtOpen) {
  {
    Index& idx = open();
    idx.record(evm("0xs", "0xr", "0x1", kNow - 1h));
    idx.record(evm("0xs", "0xr", "0x2", kNow - 10h));
  }
  index_.reset();
  set_now(kNow + 71h);
  Index& idx = open();
  auto r = idx.scan_wait({"0xs"});  // outside the window: filtered even before the prune
  EXPECT_EQ(tx_ids(r), std::vector<std::string>{"0x1"});
  ASSERT_TRUE(idx.flush());  // the writer prunes at the end of the round that answered the scan
  EXPECT_EQ(idx.stats().stored, 1u);
  EXPECT_EQ(idx.stats().dropped_window, 1u);
}

TEST_F(RetroIndex, CapKeepsTheNewestTransfers) {
  Options o = options();
  o.max_transfers = 10;
  Index& idx = open(o);
  // Recorded newest first: the cap goes by received_at, not insertion order.
  for (int i = 0; i < 25; ++i) idx.record(evm("0xs", "0xr", "0x" + std::to_string(i), kNow - std::chrono::minutes(i)));
  ASSERT_TRUE(idx.flush());
  auto r = idx.scan_wait({"0xs"});  // runs after the prune that follows the batch
  ASSERT_EQ(r.transfers.size(), 10u);
  EXPECT_EQ(r.transfers.front().tx_id, "0x9");
  EXPECT_EQ(r.transfers.back().tx_id, "0x0");
  EXPECT_EQ(idx.stats().stored, 10u);
  EXPECT_EQ(idx.stats().dropped_cap, 15u);
}

TEST_F(RetroIndex, RestartKeepsTheData) {
  {
    Index& idx = open();
    idx.record(evm("0xaaa1", "0xbbb1", "0x01", kNow - 1h));
    idx.record(evm("0xaaa2", "0xbbb1", "0x02", kNow - 2h));
    // No flush: the destructor drains the queue.
  }
  index_.reset();
  Index& idx = open();
  EXPECT_EQ(idx.stats().stored, 2u);
  EXPECT_GT(idx.stats().bytes, 0u);
  auto r = idx.scan_wait({"0xbbb1"});
  EXPECT_EQ(tx_ids(r), (std::vector<std::string>{"0x02", "0x01"}));
  // Replacement still works against rows from the previous run.
  Transfer t = evm("0xaaa1", "0xbbb1", "0x01", kNow - 1h);
  t.status = TransferStatus::final;
  idx.record(t);
  r = idx.scan_wait({"0xaaa1"});
  ASSERT_EQ(r.transfers.size(), 1u);
  EXPECT_EQ(r.transfers[0].status, TransferStatus::final);
  EXPECT_EQ(idx.stats().stored, 2u);
}

TEST_F(RetroIndex, ScanSeesTransfersRecordedJustBeforeOnAnotherThread) {
  Options o = options();
  o.batch_delay = 500ms;  // a scan must not wait for the batch timer either
  Index& idx = open(o);
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) idx.record(evm("0xs", "0xr", "0x" + std::to_string(i)));
  });
  producer.join();
  auto start = std::chrono::steady_clock::now();
  auto r = idx.scan_wait({"0xs"});
  EXPECT_EQ(r.transfers.size(), 100u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 400ms);
}

TEST_F(RetroIndex, ScanCallbackRunsOnTheWriterThreadWithTimings) {
  Index& idx = open();
  idx.record(evm("0xs", "0xr", "0x1"));
  std::promise<std::pair<ScanResult, std::thread::id>> p;
  idx.scan({"0xs"}, [&](ScanResult r) { p.set_value({std::move(r), std::this_thread::get_id()}); });
  auto [r, tid] = p.get_future().get();
  EXPECT_NE(tid, std::this_thread::get_id());
  EXPECT_EQ(r.transfers.size(), 1u);
  EXPECT_EQ(r.addresses_scanned, 1u);
  EXPECT_GE(r.duration.count(), 0);
  ASSERT_TRUE(idx.flush());
  EXPECT_EQ(idx.stats().scans, 1u);
  EXPECT_EQ(idx.stats().last_scan_transfers, 1u);
}

TEST_F(RetroIndex, CallsFromInsideTheCallbackDoNotDeadlock) {
  Index& idx = open();
  std::promise<bool> p;
  idx.scan({"0xs"}, [&](ScanResult) {
    bool flushed = idx.flush();                    // refused at once on the writer thread
    bool scanned = idx.scan_wait({"0xs"}).ok;      // likewise
    idx.scan({"0xs"}, [](ScanResult) {});          // queuing is fine
    p.set_value(flushed || scanned);
  });
  EXPECT_FALSE(p.get_future().get());
}

TEST_F(RetroIndex, TruncatesHugeScanResults) {
  Options o = options();
  o.max_scan_results = 3;
  Index& idx = open(o);
  for (int i = 0; i < 5; ++i) idx.record(evm("0xhot", "0xr", "0x" + std::to_string(i)));
  auto r = idx.scan_wait({"0xhot"});
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.transfers.size(), 3u);
}

TEST_F(RetroIndex, AfterStopRecordsAreDroppedAndScansAnswered) {
  Index& idx = open();
  idx.record(evm("0xs", "0xr", "0x1"));
  idx.stop();
  idx.record(evm("0xs", "0xr", "0x2"));
  EXPECT_EQ(idx.stats().dropped_queue_full, 1u);
  EXPECT_EQ(idx.stats().inserted, 1u);  // the queued one was drained
  auto r = idx.scan_wait({"0xs"});
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(idx.flush());
  idx.stop();  // idempotent
}

TEST_F(RetroIndex, FullQueueDropsInsteadOfBlocking) {
  Options o = options();
  o.max_queue = 10;
  o.batch_delay = 200ms;
  o.max_batch = 1000;  // the writer lingers: the queue fills
  Index& idx = open(o);
  for (int i = 0; i < 50; ++i) idx.record(evm("0xs", "0xr", "0x" + std::to_string(i)));
  auto s = idx.stats();
  EXPECT_GE(s.dropped_queue_full, 30u);
  EXPECT_EQ(s.recorded + s.dropped_queue_full, 50u);
  ASSERT_TRUE(idx.flush());
  EXPECT_EQ(idx.stats().stored, idx.stats().recorded);
}

TEST_F(RetroIndex, WriteFailureIsCountedAndTheIndexKeepsWorking) {
  Options o = options();
  o.busy_timeout = 20ms;
  Index& idx = open(o);
  idx.record(evm("0xs", "0xr", "0x1"));
  ASSERT_TRUE(idx.flush());
  // Another connection holds the write lock: the next batch cannot commit.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(o.path.c_str(), &other), SQLITE_OK);
  // The writer may hold the lock for a moment (a periodic prune): wait for it.
  sqlite3_busy_timeout(other, 5000);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  idx.record(evm("0xs", "0xr", "0x2"));
  idx.record(evm("0xs", "0xr", "0x3"));
  EXPECT_FALSE(idx.flush());
  auto s = idx.stats();
  EXPECT_GE(s.write_errors, 1u);
  EXPECT_EQ(s.dropped_write_error, 2u);
  EXPECT_NE(s.last_error.find("locked"), std::string::npos) << s.last_error;
  // Scans still read what was committed.
  EXPECT_EQ(tx_ids(idx.scan_wait({"0xs"})), std::vector<std::string>{"0x1"});
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  idx.record(evm("0xs", "0xr", "0x4"));
  EXPECT_TRUE(idx.flush());
  EXPECT_EQ(tx_ids(idx.scan_wait({"0xs"})), (std::vector<std::string>{"0x1", "0x4"}));
}

TEST_F(RetroIndex, RefusesAFileThatIsNotARetroIndex) {
  const auto path = dir_ / "other.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.string().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  Options o = options();
  o.path = path.string();
  std::string error;
  EXPECT_FALSE(Index::open(o, error));
  EXPECT_NE(error.find("not a freezewatch retro index"), std::string::npos) << error;

  std::ofstream(dir_ / "garbage.db") << "this is not sqlite at all, not even close to a header...........";
  o.path = (dir_ / "garbage.db").string();
  EXPECT_FALSE(Index::open(o, error));
  EXPECT_FALSE(error.empty());
}

TEST_F(RetroIndex, CreatesMissingDirectories) {
  Options o = options();
  o.path = (dir_ / "a" / "b" / "retro.db").string();
  Index& idx = open(o);
  idx.record(evm("0xs", "0xr", "0x1"));
  EXPECT_EQ(idx.scan_wait({"0xs"}).transfers.size(), 1u);
}

// ---------------------------------------------------------------- bench

double cpu_ms() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto ms = [](timeval t) { return t.tv_sec * 1000.0 + t.tv_usec / 1000.0; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

// Run with: retro_test --gtest_also_run_disabled_tests --gtest_filter='*DISABLED_Bench*'
// RETRO_BENCH_N overrides the number of transfers (default 1,000,000).
TEST_F(RetroIndex, DISABLED_BenchOneMillionTransfers) {
  std::size_t n = 1'000'000;
  if (const char* e = std::getenv("RETRO_BENCH_N")) n = std::strtoull(e, nullptr, 10);
  Options o = options();
  o.max_transfers = n + 1;
  o.max_queue = n + 1;  // measure the writer, not drops
  if (const char* b = std::getenv("RETRO_BENCH_BATCH")) o.max_batch = std::strtoull(b, nullptr, 10);
  if (const char* p = std::getenv("RETRO_BENCH_PATH")) o.path = p;
  Index& idx = open(o);

  // Realistic shapes: EVM token transfers between 200k distinct addresses,
  // spread over the last 71 hours.
  std::mt19937_64 rng(42);
  auto addr = [&](std::uint64_t i) {
    char buf[43];
    std::snprintf(buf, sizeof buf, "0x%040llx", static_cast<unsigned long long>(i * 0x9e3779b97f4a7c15ULL));
    return std::string(buf);
  };
  const std::uint64_t kAddresses = 200'000;
  std::vector<Transfer> batch;
  using C = std::chrono::steady_clock;
  C::duration record_time{};
  const double cpu_start = cpu_ms();
  const auto t0 = C::now();
  for (std::size_t i = 0; i < n; ++i) {
    // received_at grows with i (as in the daemon), over the last 71 hours.
    const auto age = std::chrono::milliseconds(71LL * 3600 * 1000 * static_cast<std::int64_t>(n - i) / static_cast<std::int64_t>(n));
    Transfer t = evm(addr(rng() % kAddresses), addr(rng() % kAddresses), "", kNow - age);
    char tx[67];
    std::snprintf(tx, sizeof tx, "0x%064llx", static_cast<unsigned long long>(i));
    t.tx_id = tx;
    t.block_hash = tx;
    t.amount = Amount(rng());
    auto r0 = C::now();
    idx.record(std::move(t));
    record_time += C::now() - r0;
  }
  const auto t1 = C::now();
  ASSERT_TRUE(idx.flush());
  const auto t2 = C::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  const double cpu_total = cpu_ms() - cpu_start;
  auto s = idx.stats();
  std::printf("process cpu for building + recording + writing: %.0f ms (%.1f us per transfer)\n", cpu_total,
              cpu_total * 1000.0 / n);
  std::printf("records: %zu; record() calls: %.0f ms total, %.2f us each; loop incl. building transfers %.0f ms; "
              "writer done %.0f ms after the last record (%.0f transfers/s end to end)\n",
              n, ms(record_time), ms(record_time) * 1000.0 / n, ms(t1 - t0), ms(t2 - t1), n / (ms(t2 - t0) / 1000));
  std::printf("stored %llu, file %.1f MB (%.0f bytes/transfer), dropped %llu, write errors %llu\n",
              static_cast<unsigned long long>(s.stored), s.bytes / 1e6, double(s.bytes) / std::max<double>(1, s.stored),
              static_cast<unsigned long long>(s.dropped_queue_full), static_cast<unsigned long long>(s.write_errors));
  EXPECT_EQ(s.stored, n);

  for (std::size_t k : {std::size_t{1}, std::size_t{10}, std::size_t{1000}, std::size_t{10000}}) {
    for (int round = 0; round < 3; ++round) {
      std::vector<std::string> addrs;
      for (std::size_t j = 0; j < k; ++j) addrs.push_back(addr(rng() % kAddresses));
      // CPU time too: the box is shared, wall time depends on the neighbours.
      const double cpu0 = cpu_ms();
      auto r = idx.scan_wait(addrs);
      const double cpu = cpu_ms() - cpu0;
      ASSERT_TRUE(r.ok) << r.error;
      std::printf("scan %5zu addresses: %8.2f ms wall, %8.2f ms cpu, %6zu transfers, %6llu rows examined\n", k,
                  r.duration.count() / 1000.0, cpu, r.transfers.size(), static_cast<unsigned long long>(r.rows_examined));
    }
  }
}

}  // namespace
}  // namespace fw::retro
