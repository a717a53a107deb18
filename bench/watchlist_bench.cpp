// watchlist_bench: a 10-million-row watchlist, loaded the way the daemon
// loads it (watchlist::load, twins on as by default), and lookups measured
// while the list is reloaded or the live overlay is republished.
//
//   watchlist_bench [ROWS] [--quick] [--threads=N] [--lookup-seconds=S]
//                   [--reloads=N] [--keep-dir] [--seed=N] [--load-only] [--csv=FILE]
//                   [--no-twins]
//   FW_BENCH_WATCHLIST_ROWS=ROWS watchlist_bench
//
// ROWS defaults to 10,000,000 (--quick: 1,000,000). Phases:
//   1. generate a realistic CSV into a temp dir, in a child process (so its
//      memory is not counted; the time is reported apart);
//   2. initial load with N threads (default: hardware_concurrency): wall and
//      CPU time, peak RSS (VmHWM) and RSS after the load;
//   3. lookups on one thread (Holder::current() + Snapshot::find, and
//      the overlay when there is one), hits and misses, for S seconds idle,
//      while a Reloader (1 load thread) reloads the whole list on another
//      thread, and while 1,000-entry overlay batches are built and
//      published on an OverlayHolder in a loop on another thread.
// Results and how to read them: docs/benchmarks.md, "Watchlist at 10M entries".
#include <sys/resource.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "address/address.hpp"
#include "address/detail/bech32.hpp"
#include "config/config.hpp"
#include "watchlist/reloader.hpp"
#include "watchlist/twins.hpp"
#include "watchlist/watchlist.hpp"
#if FW_BENCH_OVERLAY
#include "watchlist/overlay.hpp"
#endif

using namespace fw;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::size_t rows = 10'000'000;
  unsigned threads = 0;  // 0 = hardware_concurrency
  double lookup_seconds = 3.0;
  int reloads = 1;
  bool keep_dir = false;
  bool load_only = false;  // stop after the initial load (for profiling)
  bool twins = true;       // --no-twins: as with watchlists.twins.evm_tron: false
  std::string csv;         // use this CSV instead of generating one (no lookup phases)
  std::uint64_t seed = 42;
};

long status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(key);
  while (std::getline(in, line)) {
    if (line.compare(0, n, key) == 0 && line.size() > n && line[n] == ':') return std::atol(line.c_str() + n + 1);
  }
  return 0;
}
double rss_mb() { return static_cast<double>(status_kb("VmRSS")) / 1024.0; }
double hwm_mb() { return static_cast<double>(status_kb("VmHWM")) / 1024.0; }
// Resets VmHWM to the current RSS (Linux >= 4.0); false if not allowed.
bool reset_hwm() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}
double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// ---------------------------------------------------------------- generator

// Row kinds and their shares (percent), roughly those of a large exchange
// blacklist: EVM (USDT/USDC on Ethereum and BSC), TRON (USDT), Bitcoin, Stacks.
enum class Kind { evm_eip55, evm_lower, tron, btc_bech32, btc_p2pkh, btc_p2sh, stacks_sp, stacks_sm };
struct Share {
  Kind kind;
  int percent;
  const char* chain;  // CSV chain cell
};
constexpr Share shares[] = {
    {Kind::evm_eip55, 34, "evm"},    {Kind::evm_lower, 6, "evm"},     {Kind::tron, 20, "tron"},
    {Kind::btc_bech32, 12, "bitcoin"}, {Kind::btc_p2pkh, 6, "bitcoin"}, {Kind::btc_p2sh, 2, "bitcoin"},
    {Kind::stacks_sp, 18, "stacks"}, {Kind::stacks_sm, 2, "stacks"},
};

std::string make_address(Kind k, std::mt19937_64& rng) {
  std::uint8_t b[20];
  for (int i = 0; i < 20; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(b + i, &v, static_cast<std::size_t>(std::min(8, 20 - i)));
  }
  switch (k) {
    case Kind::evm_eip55: return address::to_eip55(b);
    case Kind::evm_lower: return address::evm_address(b);
    case Kind::tron: return address::tron_address(b);
    case Kind::btc_bech32: return *address::detail::segwit_encode("bc", 0, std::span<const std::uint8_t>(b, 20));
    case Kind::btc_p2pkh: return address::bitcoin_base58_address(address::bitcoin_mainnet_p2pkh, b);
    case Kind::btc_p2sh: return address::bitcoin_base58_address(address::bitcoin_mainnet_p2sh, b);
    case Kind::stacks_sp: return address::stacks_address(address::stacks_mainnet_p2pkh, b);
    case Kind::stacks_sm: return address::stacks_address(address::stacks_mainnet_p2sh, b);
  }
  return {};
}

Kind pick_kind(std::uint64_t r, const char*& chain) {
  int x = static_cast<int>(r % 100);
  for (const auto& s : shares) {
    if (x < s.percent) {
      chain = s.chain;
      return s.kind;
    }
    x -= s.percent;
  }
  chain = "evm";
  return Kind::evm_eip55;
}

// One row. Provenance repeats as in real lists: 5,000 labels, 300 incidents,
// 12 sources, 5 severities, ~1,500 dates; 1 row in 20 has notes, 1 in 10
// leaves the chain empty (routed by syntax), 1 in 200 lists an address again
// (another incident: several provenance records).
void append_row(std::string& out, std::size_t i, std::mt19937_64& rng, std::string& last_address) {
  static constexpr const char* severities[] = {"info", "low", "medium", "high", "critical"};
  static constexpr const char* sources[] = {"OFAC SDN",        "Tether freeze list", "Circle blacklist",
                                            "ZachXBT",         "Chainalysis",        "TRM Labs",
                                            "Elliptic",        "exchange internal",  "law enforcement request",
                                            "partner exchange", "community report",  "tayvano/lazarus-bluenoroff-research"};
  const std::uint64_t r = rng();
  const char* chain = "evm";
  if (i % 200 == 199 && !last_address.empty()) {
    out += last_address;
    out += ",,";
  } else {
    const Kind k = pick_kind(r, chain);
    last_address = make_address(k, rng);
    out += last_address;
    out += ',';
    if ((r >> 8) % 10 != 0) out += chain;
    out += ',';
  }
  char buf[256];
  const int n = std::snprintf(buf, sizeof buf, "Wallet cluster %u,incident-%04u,%s,%s,2024-%02u-%02u,",
                              static_cast<unsigned>((r >> 16) % 5000), static_cast<unsigned>((r >> 32) % 300),
                              sources[(r >> 40) % 12], severities[(r >> 44) % 5],
                              static_cast<unsigned>(1 + (r >> 48) % 12), static_cast<unsigned>(1 + (r >> 52) % 28));
  out.append(buf, static_cast<std::size_t>(n));
  if ((r >> 56) % 20 == 0) out += "\"seen in mixer outflow, hop 2\"";
  out += '\n';
}

// Writes the CSV and a sample of listed addresses (as written) in a child
// process; returns the child's wall time.
double generate(const std::string& csv, const std::string& sample_path, std::size_t rows, std::uint64_t seed) {
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Two workers write alternate 64k-row blocks into their own buffers;
    // the blocks are written in order.
    const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
    constexpr std::size_t block = 65536;
    const std::size_t blocks = (rows + block - 1) / block;
    std::FILE* f = std::fopen(csv.c_str(), "w");
    std::FILE* s = std::fopen(sample_path.c_str(), "w");
    if (!f || !s) _exit(2);
    std::fputs("# watchlist_bench generated list\naddress,chain,label,incident,source,severity,added_at,notes\n", f);
    const std::size_t sample_every = std::max<std::size_t>(1, rows / 65536);
    for (std::size_t first = 0; first < blocks; first += workers) {
      std::vector<std::string> bufs(workers);
      std::vector<std::thread> ts;
      for (unsigned w = 0; w < workers; ++w) {
        ts.emplace_back([&, w] {
          const std::size_t b = first + w;
          if (b >= blocks) return;
          std::mt19937_64 rng(seed * 1000003 + b);
          std::string& out = bufs[w];
          out.reserve(block * 130);
          std::string last;
          for (std::size_t i = b * block; i < std::min(rows, (b + 1) * block); ++i) append_row(out, i, rng, last);
        });
      }
      for (auto& t : ts) t.join();
      for (const auto& b : bufs) {
        std::fwrite(b.data(), 1, b.size(), f);
        // The sample: first field of every sample_every-th row of the block.
        std::size_t pos = 0, row = 0;
        while (pos < b.size()) {
          const std::size_t nl = b.find('\n', pos);
          if (row++ % sample_every == 0) {
            const std::size_t comma = b.find(',', pos);
            std::fwrite(b.data() + pos, 1, comma - pos, s);
            std::fputc('\n', s);
          }
          pos = nl + 1;
        }
      }
    }
    _exit(std::fclose(f) == 0 && std::fclose(s) == 0 ? 0 : 3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("generator failed");
  return secs(Clock::now() - t0);
}

// ---------------------------------------------------------------- lookups

struct Probe {
  std::vector<std::string> hits;    // canonical, listed
  std::vector<std::string> misses;  // canonical, not listed
  std::size_t twin_hits = 0;        // hits that are derived twins of sampled entries
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct LookupResult {
  double seconds = 0;
  double cpu = 0;  // of the lookup thread: unaffected by time spent waiting for a CPU
  std::uint64_t lookups = 0;
  std::uint64_t found = 0;
  double per_second() const { return seconds > 0 ? static_cast<double>(lookups) / seconds : 0; }
  double per_cpu_second() const { return cpu > 0 ? static_cast<double>(lookups) / cpu : 0; }
};

// Looks up hits and misses alternately (1:1) until `stop` is set, or for
// `seconds` when stop is null: Holder::current() then Snapshot::find, and the
// overlay (when there is one), as the matcher does per address.
template <class OverlayFind>
LookupResult run_lookups(const watchlist::Holder& holder, const Probe& p, double seconds,
                         const std::atomic<bool>* stop, OverlayFind&& overlay_find) {
  LookupResult r;
  const double c0 = thread_cpu_seconds();
  const auto t0 = Clock::now();
  const auto until = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::size_t i = 0, j = 0;
  for (;;) {
    for (int k = 0; k < 1024; ++k) {
      auto snap = holder.current();
      const std::string& h = p.hits[i];
      const std::string& m = p.misses[j];
      if (++i == p.hits.size()) i = 0;
      if (++j == p.misses.size()) j = 0;
      r.found += snap->find(h) != nullptr;
      r.found += overlay_find(h);
      r.found += snap->find(m) != nullptr;
      r.found += overlay_find(m);
      r.lookups += 2;
    }
    const auto now = Clock::now();
    if (stop ? stop->load(std::memory_order_relaxed) : now >= until) {
      r.seconds = secs(now - t0);
      r.cpu = thread_cpu_seconds() - c0;
      return r;
    }
  }
}

// Per wall second (what a reader got, including time it waited for a CPU)
// and per CPU second of the lookup thread (the cost of one lookup).
void print_lookup(const char* what, const LookupResult& r, const LookupResult* base) {
  std::printf("  %-42s %5.2f M/s wall, %5.2f M/s per thread-CPU s (%.0f ns/lookup), %.0f %% on CPU, %.1f s",
              what, r.per_second() / 1e6, r.per_cpu_second() / 1e6, r.cpu / static_cast<double>(r.lookups) * 1e9,
              100.0 * r.cpu / r.seconds, r.seconds);
  if (base && base->per_second() > 0) {
    std::printf("  [%+.1f %% wall, %+.1f %% CPU vs %s]", 100.0 * (r.per_second() / base->per_second() - 1),
                100.0 * (r.per_cpu_second() / base->per_cpu_second() - 1), base == nullptr ? "" : "ref");
  }
  std::printf("\n");
}

Options parse_options(int argc, char** argv) {
  Options o;
  if (const char* env = std::getenv("FW_BENCH_WATCHLIST_ROWS")) o.rows = std::strtoull(env, nullptr, 10);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* key) -> const char* {
      const std::size_t n = std::strlen(key);
      return a.compare(0, n, key) == 0 ? a.c_str() + n : nullptr;
    };
    if (a == "--quick") {
      o.rows = 1'000'000;
    } else if (a == "--load-only") {
      o.load_only = true;
    } else if (const char* v = value("--csv=")) {
      o.csv = v;
    } else if (a == "--no-twins") {
      o.twins = false;
    } else if (a == "--keep-dir") {
      o.keep_dir = true;
    } else if (const char* v = value("--threads=")) {
      o.threads = static_cast<unsigned>(std::atoi(v));
    } else if (const char* v = value("--lookup-seconds=")) {
      o.lookup_seconds = std::atof(v);
    } else if (const char* v = value("--reloads=")) {
      o.reloads = std::max(1, std::atoi(v));
    } else if (const char* v = value("--seed=")) {
      o.seed = std::strtoull(v, nullptr, 10);
    } else if (!a.empty() && a[0] >= '0' && a[0] <= '9') {
      o.rows = std::strtoull(a.c_str(), nullptr, 10);
    } else {
      std::printf(
          "usage: watchlist_bench [ROWS] [--quick] [--threads=N] [--lookup-seconds=S] [--reloads=N] [--keep-dir] "
          "[--seed=N] [--load-only] [--csv=FILE] [--no-twins]\n  ROWS default 10000000 (or FW_BENCH_WATCHLIST_ROWS); --quick = 1000000\n");
      std::exit(a == "--help" ? 0 : 2);
    }
  }
  if (o.rows == 0) o.rows = 1;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when redirected too
  const Options o = parse_options(argc, argv);
  const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());

  std::string tmpl = (std::filesystem::temp_directory_path() / "fw-watchlist-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  std::string csv = o.csv.empty() ? dir + "/watchlist.csv" : o.csv;
  // A CSV kept by --keep-dir has its lookup sample beside it.
  const std::string sample_path =
      o.csv.empty() ? dir + "/sample.txt" : (std::filesystem::path(o.csv).parent_path() / "sample.txt").string();
  if (!o.csv.empty() && !o.load_only && !std::filesystem::exists(sample_path)) {
    std::fprintf(stderr, "no %s for the lookups (a directory kept by --keep-dir has one); or use --load-only\n",
                 sample_path.c_str());
    return 2;
  }

  std::printf("watchlist_bench: %zu rows, %u load thread%s for the initial load, twins evm_tron %s\n", o.rows,
              threads, threads == 1 ? "" : "s", o.twins ? "on" : "off");
  std::printf("  machine: %u hardware threads, load average %s at start\n", std::thread::hardware_concurrency(),
              loadavg().c_str());

  // --- 1. generate ----------------------------------------------------------
  if (o.csv.empty()) {
    const double gen_s = generate(csv, sample_path, o.rows, o.seed);
    const double csv_mb = static_cast<double>(std::filesystem::file_size(csv)) / 1e6;
    std::printf("[generate] %.1f MB CSV in %.1f s (child process; not counted)\n", csv_mb, gen_s);
  }
  {  // Read the file once so that the load measures parsing, not the disk.
    std::ifstream in(csv, std::ios::binary);
    std::vector<char> buf(1 << 20);
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    }
  }

  config::WatchlistsConfig cfg;  // twins: defaults (evm_tron on) unless --no-twins
  if (!o.twins) cfg.twins = config::TwinsConfig{false, false};
  config::WatchlistFile wf;
  wf.name = "bench";
  wf.path = csv;
  wf.format = config::WatchlistFile::Format::csv;
  cfg.files.push_back(wf);

  // --- 2. initial load ------------------------------------------------------
  const double rss0 = rss_mb();
  const bool hwm_reset = reset_hwm();
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  auto loaded = watchlist::load(cfg, "", threads);
  const double load_s = secs(Clock::now() - t0);
  const double load_cpu = cpu_seconds() - cpu0;
  if (!loaded.snapshot) {
    std::fprintf(stderr, "load failed: %s\n", loaded.error.c_str());
    return 1;
  }
  const double rss_after = rss_mb();
  const double hwm_load = hwm_mb();
  const std::size_t entries = loaded.snapshot->size();
  const std::size_t rows = loaded.snapshot->files().empty() ? 0 : loaded.snapshot->files()[0].rows;
  std::printf("[load] %zu rows -> %zu entries (distinct listed addresses + derived twins), %zu issues\n", rows,
              entries, loaded.issue_count);
  std::printf("  wall %.2f s, CPU %.2f s (%u threads), %.0f rows/s\n", load_s, load_cpu, threads,
              static_cast<double>(rows) / load_s);
  std::printf("  RSS %.0f MB before, %.0f MB after (+%.0f MB), peak during the load %.0f MB%s\n", rss0, rss_after,
              rss_after - rss0, hwm_load, hwm_reset ? "" : " (VmHWM not reset: process peak)");
  std::printf("  version %s\n", loaded.snapshot->version().c_str());

  if (o.load_only) {
    std::error_code ec;
    if (!o.keep_dir) std::filesystem::remove_all(dir, ec);
    return 0;
  }
  watchlist::Holder holder(std::move(loaded.snapshot));
  loaded = {};

  // --- 3. lookup probes -----------------------------------------------------
  Probe probe;
  {
    auto snap = holder.current();
    std::ifstream in(sample_path);
    std::string line;
    while (std::getline(in, line)) {
      auto a = address::parse_any(line);
      if (!a || !snap->find(a->canonical)) {
        std::fprintf(stderr, "sample address not found: %s\n", line.c_str());
        return 1;
      }
      probe.hits.push_back(a->canonical);
      // Its twin, as a transfer on the other chain would ask for it.
      if (auto t = watchlist::twin_of(*a, cfg.twins); t && snap->find(t->canonical)) {
        probe.hits.push_back(t->canonical);
        ++probe.twin_hits;
      }
    }
    std::mt19937_64 rng(o.seed ^ 0x5eed);
    const Kind kinds[] = {Kind::evm_lower, Kind::tron, Kind::btc_bech32, Kind::stacks_sp};
    for (std::size_t i = 0; probe.misses.size() < probe.hits.size(); ++i) {
      auto a = address::parse_any(make_address(kinds[i % 4], rng));
      if (a && !snap->find(a->canonical)) probe.misses.push_back(a->canonical);
    }
    std::shuffle(probe.hits.begin(), probe.hits.end(), rng);
  }
  std::printf(
      "[lookups] one thread, %zu hits (%zu of them twins) and %zu misses alternately, Holder::current() + find per "
      "lookup\n",
      probe.hits.size(), probe.twin_hits, probe.misses.size());
  auto no_overlay = [](const std::string&) { return 0; };

  run_lookups(holder, probe, 0.5, nullptr, no_overlay);  // warm-up
  const LookupResult idle = run_lookups(holder, probe, o.lookup_seconds, nullptr, no_overlay);
  print_lookup("idle", idle, nullptr);

  // During a full reload by a Reloader (1 load thread) on its own thread.
  {
    watchlist::Reloader reloader(holder, cfg, "");
    reloader.set_load_threads(1);
    std::atomic<int> done{0};
    std::atomic<bool> stop{false};
    std::vector<watchlist::ReloadEvent> events;
    std::mutex mu;
    reloader.on_reload([&](const watchlist::ReloadEvent& ev) {
      {
        std::lock_guard lk(mu);
        events.push_back(ev);
        events.back().snapshot.reset();
      }
      if (done.fetch_add(1) + 1 >= o.reloads) stop = true;
    });
    reloader.start();
    const double rss_before = rss_mb();
    reset_hwm();
    const double cpu_r0 = cpu_seconds();
    for (int k = 0; k < o.reloads; ++k) reloader.request_reload();
    // request_reload coalesces: ask again after each one until enough ran.
    std::thread asker([&] {
      int asked = 1;
      while (!stop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (done.load() >= asked && asked < o.reloads) {
          reloader.request_reload();
          ++asked;
        }
      }
    });
    const LookupResult during = run_lookups(holder, probe, 0, &stop, no_overlay);
    asker.join();
    const double cpu_r = cpu_seconds() - cpu_r0;
    reloader.stop();
    print_lookup("during a full reload (Reloader, 1 thread)", during, &idle);
    for (const auto& ev : events) {
      std::printf("    reload: %s, %.2f s, %zu entries\n", ev.ok ? "ok" : ev.error.c_str(),
                  static_cast<double>(ev.duration.count()) / 1e3, holder.current()->size());
    }
    std::printf("    process CPU during the reload phase %.2f s (lookup thread included); RSS %.0f MB before, "
                "peak %.0f MB (two snapshots live), %.0f MB after\n",
                cpu_r, rss_before, hwm_mb(), rss_mb());
  }
  const LookupResult idle2 = run_lookups(holder, probe, o.lookup_seconds, nullptr, no_overlay);
  print_lookup("idle again", idle2, &idle);

#if FW_BENCH_OVERLAY
  // During 1,000-entry overlay batches built and published in a loop.
  {
    watchlist::OverlayHolder overlays;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> batches{0};
    std::atomic<std::uint64_t> build_ns{0};
    std::thread writer([&] {
      std::mt19937_64 rng(o.seed ^ 0x0e1a);
      // Live addresses, oldest first: each batch adds 1,000 and, past
      // 20,000, removes the oldest 1,000, and is published the way the
      // registry publishes a change (Overlay::with).
      std::deque<std::string> live;
      std::shared_ptr<const watchlist::Overlay> current = overlays.current();
      while (!stop.load(std::memory_order_relaxed)) {
        const auto b0 = Clock::now();
        std::vector<std::string> changed;
        std::vector<watchlist::LiveEntry> added;
        for (int k = 0; k < 1000; ++k) {
          watchlist::LiveEntry e;
          auto a = address::parse_any(make_address(Kind::evm_lower, rng));
          e.address = a->canonical;
          e.chain = a->chain;
          e.label = "api batch";
          e.incident = "incident-live";
          e.source = "watchlist_bench";
          e.added_by = "bench";
          live.push_back(e.address);
          changed.push_back(e.address);
          added.push_back(std::move(e));
        }
        for (; live.size() > 20'000; live.pop_front()) changed.push_back(live.front());
        current = watchlist::Overlay::with(current, changed, std::move(added));
        overlays.publish(current);
        build_ns += static_cast<std::uint64_t>((Clock::now() - b0).count());
        batches.fetch_add(1);
      }
    });
    auto overlay_find = [&](const std::string& a) { return overlays.current()->find(a).empty() ? 0 : 1; };
    const LookupResult base = run_lookups(holder, probe, 0.2, nullptr, overlay_find);  // warm-up with overlay
    (void)base;
    const LookupResult during = run_lookups(holder, probe, o.lookup_seconds, nullptr, overlay_find);
    stop = true;
    writer.join();
    // The same lookups (snapshot + overlay) with the overlay left alone.
    const LookupResult quiet = run_lookups(holder, probe, o.lookup_seconds, nullptr, overlay_find);
    print_lookup("snapshot + overlay, overlay idle", quiet, &idle);
    print_lookup("snapshot + overlay, 1,000-entry batches", during, &quiet);
    const auto n = batches.load();
    std::printf("    %" PRIu64 " batches published (overlay up to %zu entries), %.2f ms each to build + publish\n", n,
                overlays.current()->size(), n ? static_cast<double>(build_ns.load()) / 1e6 / static_cast<double>(n) : 0.0);
  }
  // What one follow-the-money derivation costs to publish (one new entry)
  // when many are live: 10,000 single-entry changes from 10k / 100k entries.
  for (const std::size_t live_n : {std::size_t{10'000}, std::size_t{100'000}}) {
    std::mt19937_64 rng(o.seed ^ live_n);
    auto make = [&] {
      watchlist::LiveEntry e;
      e.address = address::parse_any(make_address(Kind::evm_lower, rng))->canonical;
      e.kind = watchlist::LiveEntry::Kind::derived;
      e.label = "derived";
      e.incident = "incident-live";
      e.source = "follow-the-money";
      e.hops = 1;
      e.seed = "0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed";
      e.path.resize(1);
      return e;
    };
    std::vector<watchlist::LiveEntry> start;
    for (std::size_t k = 0; k < live_n; ++k) start.push_back(make());
    std::shared_ptr<const watchlist::Overlay> cur = std::make_shared<const watchlist::Overlay>(std::move(start));
    std::vector<double> ms;
    for (int k = 0; k < 10'000; ++k) {
      watchlist::LiveEntry e = make();
      std::vector<std::string> changed{e.address};
      const auto c0 = Clock::now();
      std::vector<watchlist::LiveEntry> now;
      now.push_back(std::move(e));
      cur = watchlist::Overlay::with(cur, changed, std::move(now));
      ms.push_back(secs(Clock::now() - c0) * 1e3);
    }
    std::sort(ms.begin(), ms.end());
    double sum = 0;
    for (double v : ms) sum += v;
    std::printf("  one-entry change from %zu live entries: mean %.3f ms, median %.3f ms, p99 %.3f ms, max %.1f ms "
                "(10,000 changes; the slowest fold the changes into a new base)\n",
                live_n, sum / static_cast<double>(ms.size()), ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back());
  }
#else
  std::printf("  (overlay phase not built: daemon/watchlist/overlay.cpp was missing at configure time)\n");
#endif

  std::printf("[end] RSS %.0f MB, load average %s\n", rss_mb(), loadavg().c_str());
  if (!o.keep_dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  } else {
    std::printf("  kept %s\n", dir.c_str());
  }
  return 0;
}
