// Outbox: append -> on_durable latency and group-commit throughput on a real
// SQLite file in a temp dir, for both durability modes.
//
//   outbox_bench --benchmark_filter=Latency
//   FW_BENCH_DIR=/var/lib/freezewatch outbox_bench   # measure the production disk
//
// Latency: one record appended, wait until durable, repeat (what one alert
// costs end to end when nothing else is queued). Throughput: a burst of
// single-record appends from one thread, as the network thread would issue
// them, until the last is durable; counters report records per transaction.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

#include "outbox/outbox.hpp"

namespace {

using fw::outbox::Options;
using fw::outbox::Outbox;
using fw::outbox::Record;

class TempOutbox {
 public:
  explicit TempOutbox(Options::Sync sync) {
    const char* base = std::getenv("FW_BENCH_DIR");
    std::string tmpl =
        (std::filesystem::path(base ? base : std::filesystem::temp_directory_path().string()) / "fw-outbox-bench-XXXXXX")
            .string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    dir_ = tmpl;
    Options o;
    o.path = dir_ + "/outbox.db";
    o.sync = sync;
    box_ = Outbox::open(o, error_);
  }
  ~TempOutbox() {
    box_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  Outbox* get() const { return box_.get(); }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  std::string error_;
  std::unique_ptr<Outbox> box_;
};

Record make_record(std::uint64_t n, const std::string& payload) {
  Record r;
  r.alert_id = "fw_bench_" + std::to_string(n) + "_pending";
  r.endpoint = "bench";
  r.event_type = "transfer.pending";
  r.payload = payload;
  return r;
}

// A realistic alert body is about 1.5 KB of JSON.
const std::string& payload() {
  static const std::string p(1500, 'x');
  return p;
}

// Counts durable records; the benchmark thread waits for a target. Wakes the
// waiter only when the target is reached, so the measurement is not a storm
// of futex wake-ups competing with the writer for the CPU.
class Waiter {
 public:
  Outbox::DurableFn fn() {
    return [this](std::vector<Record> inserted) {
      bool wake;
      {
        std::lock_guard lk(mu_);
        done_ += inserted.size();
        wake = done_ >= target_;
      }
      if (wake) cv_.notify_one();
    };
  }
  void wait_for(std::uint64_t n) {
    std::unique_lock lk(mu_);
    target_ = n;
    cv_.wait(lk, [&] { return done_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t done_ = 0;
  std::uint64_t target_ = 0;
};

void BM_AppendToDurableLatency(benchmark::State& state) {
  TempOutbox tmp(static_cast<Options::Sync>(state.range(0)));
  if (!tmp.get()) {
    state.SkipWithError(tmp.error().c_str());
    return;
  }
  Waiter w;
  std::uint64_t n = 0;
  for (auto _ : state) {
    tmp.get()->append({make_record(n, payload())}, w.fn());
    w.wait_for(++n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["commits_per_record"] =
      static_cast<double>(tmp.get()->stats().commits) / static_cast<double>(std::max<std::uint64_t>(n, 1));
}
BENCHMARK(BM_AppendToDurableLatency)
    ->ArgName("sync_full")
    ->Arg(static_cast<int>(Options::Sync::normal))
    ->Arg(static_cast<int>(Options::Sync::full))
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_AppendBurstThroughput(benchmark::State& state) {
  TempOutbox tmp(static_cast<Options::Sync>(state.range(0)));
  if (!tmp.get()) {
    state.SkipWithError(tmp.error().c_str());
    return;
  }
  const auto burst = static_cast<std::uint64_t>(state.range(1));
  Waiter w;
  std::uint64_t n = 0;
  double enqueue_ns = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < burst; ++i) tmp.get()->append({make_record(n++, payload())}, w.fn());
    enqueue_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    w.wait_for(n);
  }
  auto s = tmp.get()->stats();
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["records_per_commit"] = static_cast<double>(n) / static_cast<double>(std::max<std::uint64_t>(s.commits, 1));
  // What the caller (the network thread) pays per append: enqueue only.
  state.counters["append_call_ns"] = enqueue_ns / static_cast<double>(std::max<std::uint64_t>(n, 1));
}
BENCHMARK(BM_AppendBurstThroughput)
    ->ArgNames({"sync_full", "burst"})
    ->Args({static_cast<int>(Options::Sync::normal), 10000})
    ->Args({static_cast<int>(Options::Sync::full), 10000})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
