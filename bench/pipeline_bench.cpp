// End-to-end pipeline benchmark: a local websocket deposit feed -> the real
// source (sources::make_source, deposits_ws) -> the real app::Pipeline (decode,
// match against a 1M-entry watchlist loaded from CSV, render, outbox append)
// -> the real SQLite outbox -> the real delivery::Dispatcher -> a local HTTP
// webhook receiver. Prints frames per second, CPU per frame, detection-latency
// percentiles and resident memory. A plain main(), not a test.
//
// Threads (the machine has 2 cores):
//   fw-io         the io_context thread: source, pipeline, dispatcher (as in the daemon)
//   fw-outbox     the outbox writer (SQLite, WAL, synchronous=NORMAL by default)
//   bench-feed    the websocket feed; pre-rendered frames written as raw bytes in batches
//   bench-recv*   the webhook receiver, one thread per keep-alive connection
//   bench-main    coordinates phases; sleeps
//
// Phases: in-process stage costs and the outbox alone, warm-up (flat out),
// flat out (throughput + CPU per frame), fixed rate (latency), then a
// watchlist reload while running (memory peak). Every listed frame carries its own index in deposit_id
// ("L-000000001234"), so each stage timestamps it without any lookup table:
//   send      feed, right before the write() that carries the frame
//   recv      io thread, the source's frame-received time (what the pipeline gets)
//   durable   io thread, when the pipeline hands the committed record to delivery
//   webhook   receiver thread, after the whole HTTP request was read
//   2xx       io thread, the dispatcher saw the 200 (DeliveryObserver::on_delivered)
//
// See docs/benchmarks.md for how to run it and the recorded numbers.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <dirent.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "address/address.hpp"
#include "alert/alert.hpp"
#include "app/pipeline.hpp"
#include "config/config.hpp"
#include "decode/deposit.hpp"
#include "delivery/dispatcher.hpp"
#include "log/log.hpp"
#include "match/match.hpp"
#include "metrics/metrics.hpp"
#include "outbox/outbox.hpp"
#include "pipeline_bench_net.hpp"
#include "sources/source.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::bench {
namespace {

using Clock = std::chrono::steady_clock;

// ------------------------------------------------------------ options ----

struct Options {
  std::size_t watchlist = 1'000'000;
  std::uint64_t warmup_frames = 200'000;
  std::uint64_t flat_frames = 2'000'000;
  std::uint32_t flat_listed_every = 10'000;
  double rate = 20'000;
  double duration_s = 10;
  std::uint32_t listed_every = 200;
  std::size_t pool = 16'384;
  std::uint32_t concurrency = 4;
  bool sync_full = false;
  bool breakdown = true;
  bool keep_dir = false;
  std::uint64_t seed = 42;
  std::string dump;  // CSV of every listed frame's timestamps in the fixed-rate phase
};

void usage() {
  std::puts(
      "pipeline_bench [options]\n"
      "  --watchlist=N          watchlist entries (default 1000000)\n"
      "  --warmup-frames=N      flat-out warm-up frames (default 200000)\n"
      "  --flat-frames=N        flat-out phase frames, 0 = skip (default 2000000)\n"
      "  --flat-listed-every=K  flat out: every Kth frame from a listed sender (default 10000)\n"
      "  --rate=R               fixed-rate phase frames/s, 0 = skip (default 20000)\n"
      "  --duration=S           fixed-rate phase seconds (default 10)\n"
      "  --listed-every=K       fixed rate: every Kth frame from a listed sender (default 200)\n"
      "  --pool=N               distinct unlisted frames the feed cycles through (default 16384)\n"
      "  --concurrency=N        webhook concurrency (default 4)\n"
      "  --sync=normal|full     outbox durability (default normal)\n"
      "  --no-breakdown         skip the in-process stage cost breakdown\n"
      "  --keep-dir             keep the temp dir (watchlist CSV, outbox.db)\n"
      "  --seed=N               generator seed (default 42)\n"
      "  --dump=FILE            write the fixed-rate phase's per-alert timestamps as CSV");
}

bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string key = a, value;
    if (auto eq = a.find('='); eq != std::string::npos) {
      key = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    auto num = [&](auto& out) {
      if (value.empty() && i + 1 < argc) value = argv[++i];
      using T = std::remove_reference_t<decltype(out)>;
      if constexpr (std::is_floating_point_v<T>)
        out = std::stod(value);
      else
        out = static_cast<T>(std::stoull(value));
    };
    if (key == "--watchlist") num(o.watchlist);
    else if (key == "--warmup-frames") num(o.warmup_frames);
    else if (key == "--flat-frames") num(o.flat_frames);
    else if (key == "--flat-listed-every") num(o.flat_listed_every);
    else if (key == "--rate") num(o.rate);
    else if (key == "--duration") num(o.duration_s);
    else if (key == "--listed-every") num(o.listed_every);
    else if (key == "--pool") num(o.pool);
    else if (key == "--concurrency") num(o.concurrency);
    else if (key == "--seed") num(o.seed);
    else if (key == "--sync") {
      if (value.empty() && i + 1 < argc) value = argv[++i];
      if (value != "normal" && value != "full") return false;
      o.sync_full = value == "full";
    } else if (key == "--dump") {
      if (value.empty() && i + 1 < argc) value = argv[++i];
      o.dump = value;
    } else if (key == "--no-breakdown") o.breakdown = false;
    else if (key == "--keep-dir") o.keep_dir = true;
    else return false;
  }
  return o.pool > 0 && o.concurrency > 0;
}

// ------------------------------------------------------------- system ----

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// kB value of a /proc/self/status line ("VmRSS", "VmHWM").
long status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(in, line))
    if (line.rfind(k, 0) == 0) return std::strtol(line.c_str() + k.size(), nullptr, 10);
  return -1;
}
double rss_mb() { return static_cast<double>(status_kb("VmRSS")) / 1024.0; }
double hwm_mb() { return static_cast<double>(status_kb("VmHWM")) / 1024.0; }

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      auto c = line.find(':');
      return c == std::string::npos ? line : line.substr(c + 2);
    }
  return "?";
}

std::string loadavg() {
  auto s = read_file("/proc/loadavg");
  std::istringstream in(s);
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t to_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Per-thread CPU and run-queue wait (/proc/self/task/*/schedstat: ns on CPU,
// ns runnable but waiting for a CPU). The wait column shows how much the other
// processes on the machine (and our own threads) kept a thread off the cores.
struct ThreadTimes {
  std::string name;
  std::int64_t run_ns = 0;
  std::int64_t wait_ns = 0;
};
std::map<int, ThreadTimes> thread_times() {
  std::map<int, ThreadTimes> out;
  DIR* d = opendir("/proc/self/task");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const std::string base = std::string("/proc/self/task/") + e->d_name;
    ThreadTimes t;
    t.name = read_file(base + "/comm");
    while (!t.name.empty() && t.name.back() == '\n') t.name.pop_back();
    std::istringstream ss(read_file(base + "/schedstat"));
    ss >> t.run_ns >> t.wait_ns;
    out[std::atoi(e->d_name)] = t;
  }
  closedir(d);
  return out;
}

// CPU and wait by thread name (threads of one name summed) between two samples.
void print_thread_table(const std::map<int, ThreadTimes>& a, const std::map<int, ThreadTimes>& b, double wall_s) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_name;
  for (const auto& [tid, t] : b) {
    auto it = a.find(tid);
    const std::int64_t run0 = it == a.end() ? 0 : it->second.run_ns;
    const std::int64_t wait0 = it == a.end() ? 0 : it->second.wait_ns;
    auto& s = by_name[t.name];
    s.first += t.run_ns - run0;
    s.second += t.wait_ns - wait0;
  }
  std::printf("    %-16s %10s %8s %14s\n", "thread", "cpu ms", "cpu %", "runq wait ms");
  for (const auto& [name, s] : by_name) {
    if (s.first == 0 && s.second == 0) continue;
    std::printf("    %-16s %10.1f %7.1f%% %14.1f\n", name.c_str(), s.first / 1e6, 100.0 * s.first / 1e9 / wall_s,
                s.second / 1e6);
  }
}

// --------------------------------------------------------- generation ----

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

enum class Kind : std::uint8_t { evm, tron, stacks };

std::string make_address(Kind k, Rng& rng) {
  std::uint8_t b[20];
  for (int i = 0; i < 20; i += 4) {
    const auto v = rng.next();
    std::memcpy(b + i, &v, 4);
  }
  switch (k) {
    case Kind::evm: return address::evm_address(b);
    case Kind::tron: return address::tron_address(b);
    case Kind::stacks: return address::stacks_address(address::stacks_mainnet_p2pkh, b);
  }
  return {};
}

const char* csv_chain(Kind k) { return k == Kind::evm ? "evm" : k == Kind::tron ? "tron" : "stacks"; }

struct Listed {
  Kind kind;
  std::string address;
};

// Writes an N-row CSV watchlist (a third each EVM, TRON, Stacks; labels and
// incidents repeat, as in real lists) and keeps a sample of the addresses.
std::vector<Listed> write_watchlist_csv(const std::string& path, std::size_t n, std::size_t sample, Rng& rng) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + path);
  std::vector<Listed> kept;
  const std::size_t every = std::max<std::size_t>(1, n / std::max<std::size_t>(1, sample));
  std::string buf = "address,chain,label,incident,source,severity,added_at,notes\n";
  for (std::size_t i = 0; i < n; ++i) {
    const Kind k = static_cast<Kind>(i % 3);
    std::string a = make_address(k, rng);
    buf += a;
    buf += ',';
    buf += csv_chain(k);
    buf += ",bench wallet ";
    buf += std::to_string(i % 5000);
    buf += ",incident-";
    buf += std::to_string(i % 200);
    buf += ",pipeline_bench generator,high,2024-05-16,\n";
    if (i % every == 0 && kept.size() < sample) kept.push_back({k, std::move(a)});
    if (buf.size() > (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), f);
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), f);
  std::fclose(f);
  return kept;
}

std::string hex_digits(Rng& rng, int n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(n);
  for (int i = 0; i < n; ++i) s.push_back(digits[rng.below(16)]);
  return s;
}

// One canonical deposit event (docs/deposit-events.md), deposit_id first
// (kIdPrefix) so the id can be patched in place. The fields an exchange
// typically sends; optional ones with a default (network, recipient =
// deposit_address, event_index, memo, credited) are left out, which keeps the
// event near the ~400 bytes of a real deposit notification.
std::string render_event(char marker, Kind k, const std::string& sender, const std::string& deposit_address, Rng& rng) {
  const char* chain = k == Kind::evm ? "ethereum" : k == Kind::tron ? "tron" : "stacks";
  const char* symbol = k == Kind::stacks ? "STX" : "USDT";
  const char* contract = k == Kind::evm   ? "0xdac17f958d2ee523a2206206994597c13d831ec7"
                         : k == Kind::tron ? "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
                                           : nullptr;
  const std::uint64_t height = k == Kind::evm ? 20'000'000 + rng.below(100'000)
                               : k == Kind::tron ? 62'000'000 + rng.below(100'000)
                                                 : 150'000 + rng.below(10'000);
  std::string s(kIdPrefix);
  s += marker;
  s += '-';
  s.append(kSeqDigits, '0');
  s += R"(","account_id":"u-)" + std::to_string(10'000 + rng.below(90'000));
  s += R"(","chain":")";
  s += chain;
  s += R"(","asset_symbol":")";
  s += symbol;
  if (contract) {
    s += R"(","asset_contract":")";
    s += contract;
  }
  s += R"(","asset_decimals":6,"sender":")" + sender;
  s += R"(","deposit_address":")" + deposit_address;
  s += R"(","amount":")" + std::to_string(1 + rng.below(50'000'000'000ULL));
  s += R"(","tx_id":"0x)" + hex_digits(rng, 64);
  s += R"(","block_height":)" + std::to_string(height);
  s += R"(,"status":")";
  s += marker == 'L' || rng.below(2) == 0 ? "pending" : "confirmed";
  s += R"(","timestamp":"2024-05-14T10:00:00Z"})";
  return s;
}

// ------------------------------------------------------------ timing ----

// Per listed frame, by its index: ns timestamps of each stage (0 = not seen).
struct Timeline {
  explicit Timeline(std::size_t n)
      : capacity(n),
        send(new std::atomic<std::int64_t>[n]()),
        recv(new std::atomic<std::int64_t>[n]()),
        durable(new std::atomic<std::int64_t>[n]()),
        webhook(new std::atomic<std::int64_t>[n]()),
        delivered(new std::atomic<std::int64_t>[n]()),
        webhook_count(new std::atomic<std::uint32_t>[n]()) {}
  std::size_t capacity;
  std::unique_ptr<std::atomic<std::int64_t>[]> send, recv, durable, webhook, delivered;
  std::unique_ptr<std::atomic<std::uint32_t>[]> webhook_count;
  std::atomic<std::uint64_t> durable_records{0}, webhooks{0}, duplicate_webhooks{0}, delivered_records{0},
      dead_letters{0};
};

// Sits between the source and the pipeline on the io thread: counts frames,
// stamps listed frames' receive time, and reads the io thread's CPU clock at
// the first and last frame of a measured window.
class TimedObserver final : public sources::Observer {
 public:
  TimedObserver(sources::Observer& next, Timeline& tl) : next_(next), tl_(tl) {}

  void on_frame(std::string_view source, std::string_view payload, Clock::time_point received) override {
    const std::uint64_t n = frames_.load(std::memory_order_relaxed) + 1;
    if (payload.size() > kSeqAt + kSeqDigits && payload[kMarkerAt] == 'L') {
      std::uint64_t idx = 0;
      for (std::size_t i = 0; i < kSeqDigits; ++i) idx = idx * 10 + static_cast<std::uint64_t>(payload[kSeqAt + i] - '0');
      if (idx < tl_.capacity) tl_.recv[idx].store(to_ns(received), std::memory_order_relaxed);
    }
    if (n == mark_from_.load(std::memory_order_relaxed)) {
      first_ns_.store(to_ns(received), std::memory_order_relaxed);
      cpu_first_.store(thread_cpu_ns(), std::memory_order_relaxed);
    }
    next_.on_frame(source, payload, received);
    if (n == mark_to_.load(std::memory_order_relaxed)) {
      last_ns_.store(now_ns(), std::memory_order_relaxed);
      cpu_last_.store(thread_cpu_ns(), std::memory_order_relaxed);
    }
    frames_.store(n, std::memory_order_release);
  }
  void on_state(std::string_view source, sources::SourceState state, std::string_view reason) override {
    if (state == sources::SourceState::connected) connected_.store(true);
    if (state == sources::SourceState::disconnected && !stopping_) {
      std::fprintf(stderr, "source disconnected: %.*s\n", static_cast<int>(reason.size()), reason.data());
      disconnects_.fetch_add(1);
    }
    next_.on_state(source, state, reason);
  }
  void on_frame_rejected(std::string_view source, std::string_view reason, std::string_view excerpt) override {
    next_.on_frame_rejected(source, reason, excerpt);
  }
  void on_reconnect(std::string_view source) override { next_.on_reconnect(source); }

  // Between phases only (no frame in flight).
  void mark(std::uint64_t from, std::uint64_t to) {
    first_ns_ = last_ns_ = cpu_first_ = cpu_last_ = 0;
    mark_from_ = from;
    mark_to_ = to;
  }
  std::uint64_t frames() const { return frames_.load(std::memory_order_acquire); }
  bool connected() const { return connected_.load(); }
  std::uint64_t disconnects() const { return disconnects_.load(); }
  void stopping() { stopping_ = true; }

  std::atomic<std::int64_t> first_ns_{0}, last_ns_{0}, cpu_first_{0}, cpu_last_{0};

 private:
  sources::Observer& next_;
  Timeline& tl_;
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> mark_from_{0}, mark_to_{0};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> disconnects_{0};
  std::atomic<bool> stopping_{false};
};

class BenchDelivery final : public delivery::DeliveryObserver {
 public:
  explicit BenchDelivery(Timeline& tl) : tl_(tl) {}
  app::Pipeline* pipeline = nullptr;
  std::map<std::string, std::uint64_t> outcomes;  // io thread

  void on_attempt(std::string_view, std::string_view outcome) override { ++outcomes[std::string(outcome)]; }
  void on_delivered(std::string_view, const outbox::Record& r) override {
    const auto t = now_ns();
    if (pipeline) pipeline->take_received(r.seq);  // as the daemon does; keeps the map bounded
    if (auto idx = listed_index_in(r.payload); idx && *idx < tl_.capacity)
      tl_.delivered[*idx].store(t, std::memory_order_relaxed);
    tl_.delivered_records.fetch_add(1);
  }
  void on_dead_letter(std::string_view, const outbox::Record& r, int status) override {
    if (pipeline) pipeline->take_received(r.seq);
    std::fprintf(stderr, "dead letter: status %d\n", status);
    tl_.dead_letters.fetch_add(1);
  }

 private:
  Timeline& tl_;
};

struct Percentiles {
  std::size_t n = 0;
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

// Nearest-rank percentiles, in microseconds.
Percentiles percentiles(std::vector<std::int64_t> ns) {
  Percentiles p;
  p.n = ns.size();
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ns.size())));
    return static_cast<double>(ns[std::clamp<std::size_t>(rank, 1, ns.size()) - 1]) / 1e3;
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(ns.back()) / 1e3;
  double sum = 0;
  for (auto v : ns) sum += static_cast<double>(v);
  p.mean = sum / static_cast<double>(ns.size()) / 1e3;
  return p;
}

void print_pct_row(const char* name, const Percentiles& p) {
  std::printf("    %-34s %6zu %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", name, p.n, p.p50, p.p90, p.p99, p.p999, p.max,
              p.mean);
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool wait_delivered(const Timeline& tl, std::uint64_t first, std::uint64_t count, std::chrono::milliseconds timeout) {
  return wait_for(
      [&] {
        for (std::uint64_t i = first; i < first + count; ++i)
          if (tl.webhook_count[i].load(std::memory_order_relaxed) == 0) return false;
        return true;
      },
      timeout);
}

// ----------------------------------------------------------- the run ----

int run(const Options& o, const std::string& dir) {
  log::configure(log::Level::warn, log::Format::logfmt);
  pthread_setname_np(pthread_self(), "bench-main");

  utsname un{};
  uname(&un);
  std::printf("freezewatch pipeline_bench\n");
  std::printf("  machine   : %ld cpus, %s, kernel %s\n", sysconf(_SC_NPROCESSORS_ONLN), cpu_model().c_str(),
              un.release);
#ifdef NDEBUG
  const char* build = "optimised (NDEBUG)";
#else
  const char* build = "assertions on (not NDEBUG)";
#endif
  std::printf("  build     : %s\n", build);
  std::printf("  load avg  : %s (at start)\n", loadavg().c_str());
  std::printf("  rss       : %.1f MB at start\n\n", rss_mb());

  Rng rng{o.seed};

  // --- 1. watchlist: a 1M-row CSV loaded the way the daemon loads it ------
  std::printf("[watchlist]\n");
  const std::string csv = dir + "/watchlist.csv";
  auto t0 = Clock::now();
  std::vector<Listed> listed = write_watchlist_csv(csv, o.watchlist, 4096, rng);
  auto t1 = Clock::now();
  const double rss_before_load = rss_mb();
  config::WatchlistsConfig wl_cfg;
  config::WatchlistFile wf;
  wf.name = "bench";
  wf.path = csv;
  wf.format = config::WatchlistFile::Format::csv;
  wl_cfg.files.push_back(wf);
  auto t2 = Clock::now();
  auto loaded = watchlist::load(wl_cfg, "");
  auto t3 = Clock::now();
  if (!loaded.snapshot) {
    std::fprintf(stderr, "watchlist load failed: %s\n", loaded.error.c_str());
    return 1;
  }
  const double rss_after_load = rss_mb();
  const double hwm_after_load = hwm_mb();
  std::printf("  generated %zu rows (%.1f MB CSV) in %.2f s\n", o.watchlist,
              static_cast<double>(std::filesystem::file_size(csv)) / 1e6,
              std::chrono::duration<double>(t1 - t0).count());
  std::printf("  loaded    %zu entries, %zu issues, in %.2f s (parse + checksum + normalise + version hash)\n",
              loaded.snapshot->size(), loaded.issue_count, std::chrono::duration<double>(t3 - t2).count());
  std::printf("  rss       %.1f MB before load -> %.1f MB after (+%.1f MB); peak so far %.1f MB\n\n",
              rss_before_load, rss_after_load, rss_after_load - rss_before_load, hwm_after_load);
  watchlist::Holder holder(loaded.snapshot);
  loaded.snapshot.reset();

  // --- 2. the feed's frames ----------------------------------------------
  std::vector<WireFrame> unlisted_frames, listed_frames;
  std::size_t payload_bytes = 0;
  for (std::size_t i = 0; i < o.pool; ++i) {
    const Kind k = static_cast<Kind>(rng.below(3));
    const auto json = render_event('b', k, make_address(k, rng), make_address(k, rng), rng);
    payload_bytes += json.size();
    unlisted_frames.push_back(make_wire_frame(json));
  }
  for (const auto& l : listed)
    listed_frames.push_back(make_wire_frame(render_event('L', l.kind, l.address, make_address(l.kind, rng), rng)));
  {  // Every frame must decode; unlisted must not match, listed must.
    decode::DepositDecoder dec(std::nullopt);
    Transfer t;
    auto snap = holder.current();
    for (auto* pool : {&unlisted_frames, &listed_frames})
      for (const auto& f : *pool) {
        std::string_view json(f.bytes.data() + f.payload_at, f.bytes.size() - f.payload_at);
        auto r = dec.decode(json, "bench", t);
        if (!r.ok()) {
          std::fprintf(stderr, "bench frame does not decode: %s\n%.*s\n", r.detail.c_str(),
                       static_cast<int>(json.size()), json.data());
          return 1;
        }
        const bool want = pool == &listed_frames;
        if (match::match(t, *snap).empty() == want) {
          std::fprintf(stderr, "bench frame %s the watchlist unexpectedly\n", want ? "misses" : "matches");
          return 1;
        }
      }
  }
  const double avg_frame = static_cast<double>(payload_bytes) / static_cast<double>(o.pool);
  std::printf("[feed] %zu unlisted + %zu listed distinct frames, %.0f bytes of JSON on average\n\n", o.pool,
              listed_frames.size(), avg_frame);

  // --- 3. timestamps of every listed frame, by listed index --------------
  const std::size_t timeline_cap = static_cast<std::size_t>(
      (o.flat_listed_every ? (o.warmup_frames + o.flat_frames) / o.flat_listed_every : 0) +
      (o.listed_every ? static_cast<std::uint64_t>(o.rate * o.duration_s) / o.listed_every : 0) + 16);
  Timeline tl(timeline_cap);

  // --- 4. the daemon's pieces ---------------------------------------------
  boost::asio::io_context io(1);
  metrics::Metrics metrics;
  outbox::Options ob_opts;
  ob_opts.path = dir + "/outbox.db";
  ob_opts.sync = o.sync_full ? outbox::Options::Sync::full : outbox::Options::Sync::normal;
  std::string error;
  pthread_setname_np(pthread_self(), "fw-outbox");  // the writer thread inherits the name
  auto outbox = outbox::Outbox::open(ob_opts, error);
  pthread_setname_np(pthread_self(), "bench-main");
  if (!outbox) {
    std::fprintf(stderr, "outbox: %s\n", error.c_str());
    return 1;
  }

  WebhookReceiver receiver([&tl](std::string_view body, std::int64_t t) {
    tl.webhooks.fetch_add(1, std::memory_order_relaxed);
    auto idx = listed_index_in(body);
    if (!idx || *idx >= tl.capacity) return;
    if (tl.webhook_count[*idx].fetch_add(1) == 0)
      tl.webhook[*idx].store(t, std::memory_order_relaxed);
    else
      tl.duplicate_webhooks.fetch_add(1);
  });
  const std::string feed_first_listed_json =
      listed_frames.empty() ? std::string() : listed_frames.front().bytes.substr(listed_frames.front().payload_at);
  FeedServer feed(std::move(unlisted_frames), std::move(listed_frames), tl.send.get(), tl.capacity);

  config::Config cfg;
  cfg.storage.dir = dir;
  config::SourceConfig src_cfg;
  src_cfg.name = "bench-ws";
  src_cfg.type = config::SourceConfig::Type::deposits_ws;
  src_cfg.url = "ws://127.0.0.1:" + std::to_string(feed.port()) + "/deposits";
  cfg.sources.push_back(src_cfg);
  config::WebhookConfig hook;
  hook.name = "bench-hook";
  hook.type = config::WebhookConfig::Type::http;
  hook.url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  hook.secrets.emplace_back("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  hook.concurrency = o.concurrency;
  hook.timeout_ms = 10'000;
  cfg.webhooks.push_back(hook);

  BenchDelivery delivery_observer(tl);
  delivery::Dispatcher dispatcher(io, cfg.webhooks, *outbox, delivery_observer);
  app::Pipeline pipeline(io, cfg, holder, *outbox, metrics, [&](std::vector<outbox::Record> records) {
    const auto t = now_ns();
    for (const auto& r : records)
      if (auto idx = listed_index_in(r.payload); idx && *idx < tl.capacity)
        tl.durable[*idx].store(t, std::memory_order_relaxed);
    tl.durable_records.fetch_add(records.size());
    dispatcher.submit(std::move(records));
  });
  delivery_observer.pipeline = &pipeline;
  TimedObserver observer(pipeline, tl);

  // Stage costs in-process, before the io thread runs (the pipeline is
  // driven directly from this thread, which its contract allows until then).
  if (o.breakdown) {
    // The feed's kind of frames, decoded and matched on this thread: the pure
    // part of the per-frame cost, without websocket reads and Asio.
    std::vector<std::string> jsons;
    Rng r2{o.seed + 1};
    for (std::size_t i = 0; i < std::min<std::size_t>(o.pool, 4096); ++i) {
      const Kind k = static_cast<Kind>(r2.below(3));
      jsons.push_back(render_event('b', k, make_address(k, r2), make_address(k, r2), r2));
    }
    // Five rounds each; the machine is shared, so the median and the least
    // disturbed round (min) are both shown.
    constexpr std::size_t kIters = 100'000;
    constexpr int kRounds = 5;
    decode::DepositDecoder dec(std::nullopt);
    Transfer t;
    auto snap = holder.current();
    struct Cost {
      double min = 0, median = 0;
    };
    auto time_it = [&](auto&& body) {
      for (std::size_t i = 0; i < 20'000; ++i) body(i);  // warm
      std::vector<double> rounds;
      for (int r = 0; r < kRounds; ++r) {
        const auto c0 = thread_cpu_ns();
        for (std::size_t i = 0; i < kIters; ++i) body(i);
        rounds.push_back(static_cast<double>(thread_cpu_ns() - c0) / kIters);
      }
      std::sort(rounds.begin(), rounds.end());
      return Cost{rounds.front(), rounds[rounds.size() / 2]};
    };
    std::size_t matches = 0;
    const Cost decode_ns = time_it([&](std::size_t i) { (void)dec.decode(jsons[i % jsons.size()], "bench", t); });
    const Cost decode_match_ns = time_it([&](std::size_t i) {
      (void)dec.decode(jsons[i % jsons.size()], "bench", t);
      matches += match::match(t, *snap).size();
    });
    const auto fake_now = Clock::now();
    const Cost pipeline_ns =
        time_it([&](std::size_t i) { pipeline.on_frame("bench-ws", jsons[i % jsons.size()], fake_now); });
    std::printf("[stage costs, in-process, one thread, CPU ns per frame: median (min) of %d rounds]\n", kRounds);
    std::printf("    decode (simdjson, amount, 2 addresses)      %6.0f (%.0f)\n", decode_ns.median, decode_ns.min);
    std::printf("    decode + match (1M-entry snapshot)          %6.0f (%.0f)\n", decode_match_ns.median,
                decode_match_ns.min);
    std::printf("    Pipeline::on_frame (+ metrics, snapshot)    %6.0f (%.0f)\n", pipeline_ns.median, pipeline_ns.min);
    std::printf("    => frames/s on one core without the network %6.0f (%.0f)\n\n", 1e9 / pipeline_ns.median,
                1e9 / pipeline_ns.min);
    if (matches != 0) std::fprintf(stderr, "unexpected matches in breakdown: %zu\n", matches);
  }

  if (o.breakdown) {
    // The outbox alone: one alert-sized record appended while the writer is
    // idle, until its on_durable callback (writer thread). This is the
    // durable-persistence share of the detection latency on this disk.
    std::string body;
    {
      decode::DepositDecoder dec(std::nullopt);
      Transfer t;
      const auto& f = feed_first_listed_json;
      if (dec.decode(f, "bench-ws", t).ok()) {
        auto m = match::match(t, *holder.current());
        if (!m.empty()) body = alert::render(m.front(), t, std::chrono::system_clock::now());
      }
    }
    std::vector<std::int64_t> lat;
    std::vector<std::int64_t> seqs;
    for (int i = 0; i < 300; ++i) {
      outbox::Record r;
      r.alert_id = "probe_" + std::to_string(i);
      r.endpoint = "bench-probe";
      r.event_type = "transfer.pending";
      r.payload = body;
      std::promise<void> done;
      std::int64_t t1 = 0;
      const std::int64_t t0 = now_ns();
      outbox->append({std::move(r)}, [&](std::vector<outbox::Record> inserted) {
        t1 = now_ns();
        for (const auto& x : inserted) seqs.push_back(x.seq);
        done.set_value();
      });
      done.get_future().wait();
      lat.push_back(t1 - t0);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (auto seq : seqs) outbox->mark_delivered(seq);
    outbox->flush();
    std::printf("[outbox alone] append one %zu-byte alert -> durable callback, writer idle, us:\n", body.size());
    std::printf("    %-34s %6s %9s %9s %9s %9s %9s %9s\n", "interval", "n", "p50", "p90", "p99", "p99.9", "max", "mean");
    print_pct_row("append -> durable", percentiles(lat));
    std::printf("\n");
  }

  auto source = sources::make_source(io, cfg.sources.front(), observer);
  if (!dispatcher.start(error)) {
    std::fprintf(stderr, "dispatcher: %s\n", error.c_str());
    return 1;
  }
  source->start();
  auto guard = boost::asio::make_work_guard(io);
  std::thread io_thread([&] {
    pthread_setname_np(pthread_self(), "fw-io");
    io.run();
  });
  const double rss_setup = rss_mb();
  std::printf("[setup] rss %.1f MB with source, pipeline, outbox, dispatcher, feed and receiver up\n\n", rss_setup);

  int status = 0;
  auto fail = [&](const char* what) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    status = 1;
  };

  if (!feed.wait_connected(std::chrono::seconds(10)) ||
      !wait_for([&] { return observer.connected(); }, std::chrono::seconds(10))) {
    fail("the source did not connect to the feed");
  }

  // --- 5. warm-up ----------------------------------------------------------
  if (status == 0 && o.warmup_frames > 0) {
    auto r = feed.run({o.warmup_frames, 0, o.flat_listed_every});
    if (!wait_for([&] { return observer.frames() >= r.first_seq + r.frames; }, std::chrono::seconds(60)))
      fail("warm-up frames not all processed");
    if (!wait_delivered(tl, r.listed_first, r.listed_count, std::chrono::seconds(30)))
      fail("warm-up alerts not all delivered");
  }

  // --- 6. flat out ------------------------------------------------------------
  if (status == 0 && o.flat_frames > 0) {
    const std::uint64_t base = observer.frames();
    observer.mark(base + 1, base + o.flat_frames);
    auto threads0 = thread_times();
    const double feed_cpu0 = feed.thread_cpu_seconds();
    const auto wall0 = now_ns();
    auto r = feed.run({o.flat_frames, 0, o.flat_listed_every});
    if (!wait_for([&] { return observer.frames() >= base + o.flat_frames; }, std::chrono::seconds(300)))
      fail("flat-out frames not all processed");
    const auto wall1 = now_ns();
    auto threads1 = thread_times();
    const double feed_cpu = feed.thread_cpu_seconds() - feed_cpu0;
    const bool delivered = wait_delivered(tl, r.listed_first, r.listed_count, std::chrono::seconds(30));

    const double wall = static_cast<double>(observer.last_ns_ - observer.first_ns_) / 1e9;
    const double cpu = static_cast<double>(observer.cpu_last_ - observer.cpu_first_) / 1e9;
    const double n = static_cast<double>(o.flat_frames);
    std::printf("[flat out] %" PRIu64 " frames, 1 in %u from a listed sender, one websocket connection\n", r.frames,
                o.flat_listed_every);
    std::printf("    load avg                                  %s\n", loadavg().c_str());
    std::printf("    frames/s processed (io thread, wall)      %10.0f\n", n / wall);
    std::printf("    io thread CPU per frame                   %10.2f us\n", cpu / n * 1e6);
    std::printf("    => frames/s one core could do (1/CPU)     %10.0f\n", n / cpu);
    std::printf("    io thread busy                            %10.1f %% of the window\n", 100 * cpu / wall);
    std::printf("    feed: frames/s written, CPU               %10.0f  %.2f s (%" PRIu64 " writes)\n",
                n / (static_cast<double>(r.end_ns - r.start_ns) / 1e9), feed_cpu, r.writes);
    std::printf("    MB/s of JSON                              %10.1f\n", n * avg_frame / wall / 1e6);
    std::printf("    listed alerts delivered                   %10" PRIu64 " / %" PRIu64 "%s\n",
                [&] {
                  std::uint64_t c = 0;
                  for (auto i = r.listed_first; i < r.listed_first + r.listed_count; ++i)
                    c += tl.webhook_count[i].load() > 0;
                  return c;
                }(),
                r.listed_count, delivered ? "" : "  (TIMED OUT)");
    print_thread_table(threads0, threads1, static_cast<double>(wall1 - wall0) / 1e9);
    std::printf("\n");
    if (!delivered) fail("flat-out alerts not all delivered");
  }

  // --- 7. fixed rate: detection latency ----------------------------------
  if (status == 0 && o.rate > 0) {
    const auto frames = static_cast<std::uint64_t>(o.rate * o.duration_s);
    const std::uint64_t base = observer.frames();
    observer.mark(base + 1, base + frames);
    auto threads0 = thread_times();
    const auto wall0 = now_ns();
    const std::string load_before = loadavg();
    auto r = feed.run({frames, o.rate, o.listed_every});
    if (!wait_for([&] { return observer.frames() >= base + frames; }, std::chrono::seconds(60)))
      fail("fixed-rate frames not all processed");
    const bool delivered = wait_delivered(tl, r.listed_first, r.listed_count, std::chrono::seconds(30));
    wait_for([&] { return tl.delivered_records.load() >= tl.durable_records.load(); }, std::chrono::seconds(5));
    const auto wall1 = now_ns();
    auto threads1 = thread_times();

    std::vector<std::int64_t> send_hook, recv_hook, recv_durable, durable_hook, recv_2xx, send_recv;
    std::uint64_t got = 0;
    for (auto i = r.listed_first; i < r.listed_first + r.listed_count; ++i) {
      const auto s = tl.send[i].load(), rc = tl.recv[i].load(), d = tl.durable[i].load(), w = tl.webhook[i].load(),
                 x = tl.delivered[i].load();
      if (w == 0) continue;
      ++got;
      if (s) send_hook.push_back(w - s);
      if (s && rc) send_recv.push_back(rc - s);
      if (rc) recv_hook.push_back(w - rc);
      if (rc && d) recv_durable.push_back(d - rc);
      if (d) durable_hook.push_back(w - d);
      if (rc && x) recv_2xx.push_back(x - rc);
    }
    if (!o.dump.empty()) {
      // steady ns -> wall clock, to line the rows up with strace -ttt output
      const auto wall_minus_steady =
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count() -
          now_ns();
      std::FILE* f = std::fopen(o.dump.c_str(), "w");
      if (f) {
        std::fprintf(f, "# wall_ns = steady_ns + %" PRId64 "\nindex,send_ns,recv_ns,durable_ns,webhook_ns,delivered_ns\n",
                     wall_minus_steady);
        for (auto i = r.listed_first; i < r.listed_first + r.listed_count; ++i)
          std::fprintf(f, "%" PRIu64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "\n", i,
                       tl.send[i].load(), tl.recv[i].load(), tl.durable[i].load(), tl.webhook[i].load(),
                       tl.delivered[i].load());
        std::fclose(f);
      }
    }
    const double wall = static_cast<double>(r.end_ns - r.start_ns) / 1e9;
    const double cpu = static_cast<double>(observer.cpu_last_ - observer.cpu_first_) / 1e9;
    std::printf("[fixed rate] %.0f frames/s for %.1f s (%" PRIu64 " frames), 1 in %u from a listed sender\n",
                o.rate, o.duration_s, r.frames, o.listed_every);
    std::printf("    load avg before / after                   %s / %s\n", load_before.c_str(), loadavg().c_str());
    std::printf("    achieved send rate                        %10.0f frames/s (%" PRIu64 " frames > 200 us late)\n",
                static_cast<double>(r.frames) / wall, r.late_frames);
    std::printf("    io thread CPU per frame (incl. alerts)    %10.2f us (%.1f %% of a core)\n",
                cpu / static_cast<double>(frames) * 1e6, 100 * cpu / wall);
    std::printf("    listed frames sent / webhooks received    %10" PRIu64 " / %" PRIu64
                " (duplicates %" PRIu64 ", dead letters %" PRIu64 ")%s\n",
                r.listed_count, got, tl.duplicate_webhooks.load(), tl.dead_letters.load(),
                delivered ? "" : "  (TIMED OUT)");
    std::printf("  latency, microseconds:\n");
    std::printf("    %-34s %6s %9s %9s %9s %9s %9s %9s\n", "interval", "n", "p50", "p90", "p99", "p99.9", "max",
                "mean");
    print_pct_row("frame received -> webhook read *", percentiles(recv_hook));
    print_pct_row("frame received -> durable, handed", percentiles(recv_durable));
    print_pct_row("durable -> webhook read", percentiles(durable_hook));
    print_pct_row("feed write -> webhook read", percentiles(send_hook));
    print_pct_row("feed write -> frame received", percentiles(send_recv));
    print_pct_row("frame received -> 2xx seen", percentiles(recv_2xx));
    std::printf("    * the detection latency target: frame received (source timestamp) -> the webhook\n"
                "      request fully read by the receiver, an upper bound of \"request written\".\n");
    print_thread_table(threads0, threads1, static_cast<double>(wall1 - wall0) / 1e9);
    std::printf("\n");
    if (!delivered || got != r.listed_count) fail("fixed-rate alerts not all delivered");
    if (tl.duplicate_webhooks.load() != 0) fail("duplicate webhooks");
  }

  // --- 8. a watchlist reload while running: two snapshots live at once ----
  double rss_before_reload = 0, rss_after_reload = 0, rss_after_trim = 0, reload_s = 0;
  if (status == 0) {
    rss_before_reload = rss_mb();
    const auto r0 = Clock::now();
    auto again = watchlist::load(wl_cfg, "");
    reload_s = std::chrono::duration<double>(Clock::now() - r0).count();
    if (again.snapshot) holder.publish(std::move(again.snapshot));  // the old one is freed here
    rss_after_reload = rss_mb();
    malloc_trim(0);  // how much of that the allocator merely kept (the daemon does not trim)
    rss_after_trim = rss_mb();
  }

  // --- 9. memory and totals ------------------------------------------------
  const auto st = outbox->stats();
  std::printf("[memory] rss now %.1f MB, peak (VmHWM) %.1f MB; watchlist alone +%.1f MB\n", rss_mb(), hwm_mb(),
              rss_after_load - rss_before_load);
  std::printf("    reload of the same list while running: %.2f s, rss %.1f -> %.1f MB (%.1f MB after malloc_trim);\n"
              "    the peak includes both snapshots and the loader's temporaries\n",
              reload_s, rss_before_reload, rss_after_reload, rss_after_trim);
  std::printf("    bench-only memory in the process: feed frames ~%.1f MB, timeline %.1f MB\n",
              static_cast<double>(o.pool) * (avg_frame + 60) / 1e6,
              static_cast<double>(tl.capacity) * 44 / 1e6);
  std::printf("[outbox] commits %" PRIu64 ", inserted %" PRIu64 ", duplicates %" PRIu64 ", pending %" PRIu64
              ", write errors %" PRIu64 "\n",
              st.commits, st.inserted, st.duplicates, st.pending, st.write_errors);
  std::printf("[delivery] attempts by outcome:");
  {
    std::promise<std::map<std::string, std::uint64_t>> p;
    auto f = p.get_future();
    boost::asio::post(io, [&] { p.set_value(delivery_observer.outcomes); });
    for (const auto& [k, v] : f.get()) std::printf(" %s=%" PRIu64, k.c_str(), v);
  }
  std::printf("\n[source] disconnects during the run: %" PRIu64 "\n", observer.disconnects());
  {  // The daemon's own counters, as /metrics would show them.
    std::istringstream text(metrics.serialize());
    std::string line;
    std::printf("[metrics]\n");
    while (std::getline(text, line)) {
      if (line.empty() || line[0] == '#') continue;
      for (const char* name : {"freezewatch_frames_", "freezewatch_transfers_decoded", "freezewatch_alerts_",
                               "freezewatch_matches_total", "freezewatch_detection_latency_seconds_count",
                               "freezewatch_detection_latency_seconds_sum"})
        if (line.rfind(name, 0) == 0 && line.substr(line.rfind(' ') + 1) != "0") {
          std::printf("    %s\n", line.c_str());
          break;
        }
    }
  }
  if (observer.disconnects() != 0) fail("the source disconnected during the run");

  // --- 10. shutdown --------------------------------------------------------
  observer.stopping();
  {
    std::promise<void> p;
    auto f = p.get_future();
    boost::asio::post(io, [&] {
      pipeline.close_intake();
      source.reset();  // stops; no observer call after this
      dispatcher.stop(Clock::now() + std::chrono::seconds(2), [&] { p.set_value(); });
    });
    f.wait_for(std::chrono::seconds(5));
  }
  guard.reset();
  io.stop();
  io_thread.join();
  outbox->flush();
  std::printf("%s\n", status == 0 ? "OK" : "FAILED");
  return status;
}

}  // namespace
}  // namespace fw::bench

int main(int argc, char** argv) {
  fw::bench::Options o;
  if (!fw::bench::parse_options(argc, argv, o)) {
    fw::bench::usage();
    return 2;
  }
  char tmpl[] = "/tmp/fw-pipeline-bench-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  int status = 1;
  try {
    status = fw::bench::run(o, dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pipeline_bench: %s\n", e.what());
  }
  if (o.keep_dir) {
    std::printf("kept %s\n", dir.c_str());
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return status;
}
