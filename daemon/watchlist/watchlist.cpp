#include "watchlist/watchlist.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <span>
#include <thread>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/unordered/unordered_flat_map.hpp>

#include "watchlist/csv.hpp"
#include "watchlist/intern.hpp"
#include "watchlist/store.hpp"
#include "watchlist/twins.hpp"

namespace fw::watchlist {

namespace {

// Files are parsed in chunks of about this size; at most `window` chunks per
// worker are parsed ahead of the merge, which bounds the memory they hold.
constexpr std::size_t chunk_bytes = std::size_t{4} << 20;
constexpr std::size_t window_per_worker = 3;
// Twins are derived in blocks of this many entries (bounds their buffers).
constexpr std::size_t twin_block = 1 << 18;
// Index slots are prefetched this many insertions ahead.
constexpr std::size_t prefetch_distance = 16;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view strip_bom(std::string_view s) noexcept {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

void to_lower(std::string& s) noexcept {  // ASCII only (std::tolower asks the locale per character)
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool known_severity(std::string_view s) noexcept {
  return s == "info" || s == "low" || s == "medium" || s == "high" || s == "critical";
}

unsigned resolve_threads(unsigned t) noexcept {
  if (t == 0) t = std::thread::hardware_concurrency();
  return std::clamp(t, 1u, 64u);
}

// Runs fn(t) for t in [0, threads) on `threads` threads (the caller is t = 0).
template <class Fn>
void run_on_threads(unsigned threads, Fn&& fn) {
  if (threads <= 1) {
    fn(0u);
    return;
  }
  std::vector<std::thread> ts;
  std::exception_ptr failure;
  std::mutex mu;
  ts.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) {
    ts.emplace_back([&, t] {
      try {
        fn(t);
      } catch (...) {
        std::lock_guard lk(mu);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  try {
    fn(0u);
  } catch (...) {
    std::lock_guard lk(mu);
    if (!failure) failure = std::current_exception();
  }
  for (auto& t : ts) t.join();
  if (failure) std::rethrow_exception(failure);
}

// Interning tables: the address hash (8 bytes a step) beats the default
// byte-wise string hash on the short provenance strings.
struct StringHash {
  using is_avalanching = void;
  std::size_t operator()(std::string_view s) const noexcept { return detail::hash_address(s); }
};
using StringIds = boost::unordered_flat_map<std::string_view, std::uint32_t, StringHash>;

struct OriginHash {
  std::size_t operator()(const detail::Origin& o) const noexcept {
    std::size_t seed = 0;
    for (std::uint32_t v : {o.file, o.list, o.source, o.incident, o.severity}) {
      seed ^= std::hash<std::uint32_t>()(v) + 0x9e3779b97f4a7c15ull + (seed << 6) + (seed >> 2);
    }
    return seed;
  }
};

// ---------------------------------------------------------------- store registry

constexpr std::uint32_t max_stores = 1u << 18;
std::atomic<const detail::Store*> store_table[max_stores];  // zero-initialised (.bss)
std::mutex store_table_mu;
std::vector<std::uint32_t> free_store_ids;
std::uint32_t next_store_id = 1;  // 0 names no store

std::uint32_t register_store(const detail::Store* s) {
  std::lock_guard lk(store_table_mu);
  std::uint32_t id = 0;
  if (!free_store_ids.empty()) {
    id = free_store_ids.back();
    free_store_ids.pop_back();
  } else {
    if (next_store_id >= max_stores) throw std::runtime_error("watchlist: too many live snapshots");
    id = next_store_id++;
  }
  store_table[id].store(s, std::memory_order_release);
  return id;
}

void unregister_store(std::uint32_t id) noexcept {
  std::lock_guard lk(store_table_mu);
  store_table[id].store(nullptr, std::memory_order_release);
  free_store_ids.push_back(id);
}

}  // namespace

// ---------------------------------------------------------------- storage

namespace detail {

char* Arena::allocate(std::size_t n) {
  if (n > left_) {
    // Large blocks get a chunk of their own so a chunk's tail is not wasted.
    const std::size_t size = std::max(chunk_size, n);
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    reserved_ += size;
    if (size != chunk_size) return chunks_.back().get();
    cur_ = chunks_.back().get();
    left_ = size;
  }
  char* out = cur_;
  cur_ += n;
  left_ -= n;
  return out;
}

std::string_view Arena::copy(std::string_view s) {
  if (s.empty()) return {};
  char* out = allocate(s.size());
  std::memcpy(out, s.data(), s.size());
  return {out, s.size()};
}

std::uint64_t hash_address(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size();
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (static_cast<std::uint64_t>(n) * 0xC2B2AE3D27D4EB4Full);
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  std::uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0x94D049BB133111EBull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return h;
}

const Store* store_by_id(std::uint32_t id) noexcept {
  return id < max_stores ? store_table[id].load(std::memory_order_acquire) : nullptr;
}

Store::Store() {
  strings.emplace_back();
  origins.emplace_back();
  id = register_store(this);
}

Store::~Store() { unregister_store(id); }

std::string_view Store::derived_notes_of(std::uint32_t record, std::uint32_t original) const {
  std::lock_guard lk(derived_mu);
  if (auto it = derived_notes.find(record); it != derived_notes.end()) return it->second;
  const std::string notes = watchlist::derived_notes(entries[original].address, strings[records[record].notes]);
  const std::string_view kept = derived_arena.copy(notes);
  derived_notes.emplace(record, kept);
  return kept;
}

Provenance Store::provenance(std::uint32_t record, std::uint32_t original) const {
  const Record& r = records[record];
  const Origin& o = origins[r.origin];
  Provenance p{strings[o.file],     r.line,           strings[o.list],
               strings[r.label],    strings[o.incident], strings[o.source],
               strings[o.severity], strings[r.added_at], strings[r.notes]};
  if (original != no_original) p.notes = derived_notes_of(record, original);
  return p;
}

}  // namespace detail

Provenance ProvenanceList::iterator::operator*() const { return store_->provenance(pos_, original_); }

ProvenanceList::iterator ProvenanceList::begin() const noexcept {
  const detail::Store* s = detail::store_by_id(store_);
  if (count_ & detail::derived_bit) return {s, s->entries[first_].provenance.first_, first_};
  return {s, first_, detail::no_original};
}

ProvenanceList::iterator ProvenanceList::end() const noexcept {
  iterator it = begin();
  it.pos_ += static_cast<std::uint32_t>(size());
  return it;
}

Provenance ProvenanceList::operator[](std::size_t i) const {
  iterator it = begin();
  it.pos_ += static_cast<std::uint32_t>(i);
  return *it;
}

// ---------------------------------------------------------------- helpers

std::string format_issue(const LoadIssue& issue) {
  std::string out = issue.file;
  if (issue.line != 0) out += ":" + std::to_string(issue.line);
  out += ": ";
  out += issue.reason;
  if (!issue.text.empty()) {
    out += ": '";
    out += issue.text;
    out += "'";
  }
  return out;
}

FileStamp stamp_file(const std::string& path) noexcept {
  FileStamp s;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return s;
  s.exists = true;
  s.mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  s.ctime_ns = std::int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.inode = static_cast<std::uint64_t>(st.st_ino);
  return s;
}

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / p).string();
}

// ---------------------------------------------------------------- Snapshot

Snapshot::Snapshot() : store_(std::make_unique<detail::Store>()), version_(detail::compute_version(*store_)) {}

Snapshot::~Snapshot() = default;

const Entry* Snapshot::find(std::string_view canonical) const noexcept { return store_->find(canonical); }

const Entry* Snapshot::lookup(std::string_view any_spelling) const {
  auto parsed = address::parse_any(trim(any_spelling));
  return parsed ? find(parsed->canonical) : nullptr;
}

const Entry* Snapshot::lookup(Chain chain, std::string_view text) const {
  auto parsed = address::parse(chain, trim(text));
  return parsed ? find(parsed->canonical) : nullptr;
}

std::size_t Snapshot::size() const noexcept { return store_->entries.size(); }

const std::vector<Entry>& Snapshot::entries() const noexcept { return store_->entries; }

// ---------------------------------------------------------------- parsing a chunk

namespace {

// One accepted row, as a worker parsed it. String and origin ids are the
// worker's own (translated to the snapshot's when merged); line is relative
// to the chunk.
struct Row {
  std::uint32_t line = 0;
  std::uint32_t origin = 0;
  std::uint32_t label = 0;
  std::uint32_t added_at = 0;
  std::uint32_t notes = 0;
  std::uint32_t addr_off = 0;
  std::uint64_t hash = 0;
  std::uint16_t addr_len = 0;
  Chain chain = Chain::evm;
};

struct ChunkIssue {
  std::uint32_t line = 0;  // relative to the chunk
  std::string reason;
  std::string text;  // excerpt
};

struct ChunkOut {
  unsigned worker = 0;
  std::vector<Row> rows;
  std::string addrs;
  std::vector<std::string_view> new_strings;              // the worker's ids first_new.. in order
  std::vector<std::array<std::uint32_t, 3>> new_origins;  // (source, incident, severity) worker string ids
  std::uint32_t lines = 0;
  std::vector<ChunkIssue> issues;  // at most max_stored_issues_per_file
  std::size_t issue_count = 0;
  std::size_t twin_rows = 0;  // rows whose chain can have a twin (for reserving)
  std::uint64_t bytes = 0;
  std::string error;  // fatal: read error
};

struct OriginKey {
  std::uint32_t source = 0, incident = 0, severity = 0;
  friend bool operator==(const OriginKey&, const OriginKey&) = default;
};

// What one worker keeps across the chunks of a file: its string and origin
// ids (ChunkOut::new_* tell the merger about new ones) and scratch space.
// A parsed row whose provenance is not interned yet (ChunkParser::resolve):
// strings are severity, source, incident, label, added_at, notes.
struct Pending {
  static constexpr int fields = 6;
  static constexpr std::size_t batch = 16;  // rows interned together
  std::size_t row = 0;                      // in ChunkOut::rows
  std::string_view text[fields];
  detail::InternTable::Key key[fields];
  std::uint32_t id[fields];
};

struct Worker {
  detail::Arena arena;
  std::array<Pending, Pending::batch> pending;  // [0, pending_count): parsed rows not interned yet
  std::size_t pending_count = 0;
  std::array<std::vector<std::string>, Pending::batch> owned;  // quoted fields of pending rows
  detail::InternTable string_ids;
  std::uint32_t strings = 1;  // id 0 = ""
  detail::TripleTable origin_ids;
  std::uint32_t origins = 0;
  address::Address scratch;
  std::string parse_error;
  std::vector<std::string> fields;
  std::vector<std::string_view> views;
  std::string lower, why;
  std::string buf;

  std::uint32_t intern(std::string_view s, ChunkOut& out) { return intern(s, detail::InternTable::key_of(s), out); }
  std::uint32_t intern(std::string_view s, const detail::InternTable::Key& k, ChunkOut& out) {
    if (s.empty()) return 0;
    if (const std::uint32_t id = string_ids.find(s, k); id != detail::InternTable::none) return id;
    const std::string_view kept = arena.copy(s);
    string_ids.insert(kept, k, strings);
    out.new_strings.push_back(kept);
    return strings++;
  }
  std::uint32_t origin(const OriginKey& k, ChunkOut& out) {
    const std::uint32_t id = origin_ids.find(k.source, k.incident, k.severity);
    if (id != detail::TripleTable::none) return id;
    origin_ids.insert(k.source, k.incident, k.severity, origins);
    out.new_origins.push_back({k.source, k.incident, k.severity});
    return origins++;
  }
};

// A file being loaded in chunks.
struct FileJob {
  const config::WatchlistFile* file = nullptr;
  std::string path;
  int fd = -1;
  std::uint64_t size = 0;
  std::uint64_t start = 0;     // first byte after the header
  std::uint32_t base_line = 0; // lines before `start`
  bool csv = true;
  config::TwinsConfig twins{false, false};
  // CSV columns (index into the row's fields, -1 = absent).
  enum Col { address_col, chain_col, label_col, incident_col, source_col, severity_col, added_at_col, notes_col, n_cols };
  int col[n_cols] = {-1, -1, -1, -1, -1, -1, -1, -1};
  std::size_t header_fields = 0;
  std::size_t chunks = 0;

  std::uint64_t chunk_begin(std::size_t k) const noexcept {
    return k >= chunks ? size : start + static_cast<std::uint64_t>(k) * chunk_bytes;
  }
  bool can_twin(Chain c) const noexcept {
    return ((c == Chain::evm || c == Chain::tron) && twins.evm_tron) ||
           ((c == Chain::stacks || c == Chain::bitcoin) && twins.stacks_bitcoin);
  }
};

bool read_at(int fd, std::uint64_t off, std::size_t n, std::string& buf, std::string& error) {
  const std::size_t at = buf.size();
  buf.resize(at + n);
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, buf.data() + at + got, n - got, static_cast<off_t>(off + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      return false;
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  buf.resize(at + got);
  return true;
}

// Splits a line without quotes into views (split_csv's rules for unquoted
// fields). Commas are found 16 bytes at a time: a byte-by-byte scan of every
// line was a sixth of a worker's time on a 10M-row list.
void split_plain(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  const char* p = line.data();
  const std::size_t n = line.size();
  auto field = [&](std::size_t b, std::size_t e) {
    while (b < e && (p[b] == ' ' || p[b] == '\t')) ++b;
    while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t')) --e;
    out.emplace_back(p + b, e - b);
  };
  std::size_t start = 0, i = 0;
#ifdef __SSE2__
  const __m128i comma = _mm_set1_epi8(',');
  for (; i + 16 <= n; i += 16) {
    auto mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), comma)));
    while (mask != 0) {
      const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(mask));
      field(start, at);
      start = at + 1;
      mask &= mask - 1;
    }
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == ',') {
      field(start, i);
      start = i + 1;
    }
  }
  field(start, n);
}

class ChunkParser {
 public:
  ChunkParser(const FileJob& job, Worker& w, ChunkOut& out) : job_(job), w_(w), out_(out) {}

  void run(std::size_t k) {
    parse_chunk(k);
    resolve();
  }

 private:
  void parse_chunk(std::size_t k) {
    const std::uint64_t begin = job_.chunk_begin(k), end = job_.chunk_begin(k + 1);
    std::string& buf = w_.buf;
    buf.clear();
    // Read from one byte before the chunk: a line belongs to the chunk its first byte is in.
    const std::uint64_t from = k == 0 ? begin : begin - 1;
    if (!read_at(job_.fd, from, static_cast<std::size_t>(end - from), buf, out_.error)) {
      out_.error = "read error: " + out_.error;
      return;
    }
    std::size_t p = 0;
    if (k != 0) {
      const void* nl = std::memchr(buf.data(), '\n', buf.size());
      if (nl == nullptr) return;  // no line starts in this chunk
      p = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) + 1;
    }
    const std::size_t owned_end = static_cast<std::size_t>(end - from);
    if (p >= owned_end) return;
    // Complete the last line: read on until its line break (or the end of
    // the file, or far enough to know it is too long).
    if (end < job_.size && buf.back() != '\n') {
      const std::size_t last_start = [&] {
        const char* b = buf.data();
        for (std::size_t i = buf.size(); i > p; --i)
          if (b[i - 1] == '\n') return i;
        return p;
      }();
      std::uint64_t at = end;
      while (at < job_.size) {
        const std::size_t before = buf.size();
        if (!read_at(job_.fd, at, 64 * 1024, buf, out_.error)) {
          out_.error = "read error: " + out_.error;
          return;
        }
        if (buf.size() == before) break;
        at += buf.size() - before;
        const void* nl = std::memchr(buf.data() + before, '\n', buf.size() - before);
        if (nl != nullptr) {
          buf.resize(static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) + 1);
          break;
        }
        if (buf.size() - last_start > detail::LineReader::max_line + 1) break;  // too long anyway
      }
    }
    out_.bytes = owned_end - p;
    while (p < owned_end && p < buf.size()) {
      const void* nlp = std::memchr(buf.data() + p, '\n', buf.size() - p);
      const std::size_t nl = nlp ? static_cast<std::size_t>(static_cast<const char*>(nlp) - buf.data()) : buf.size();
      std::string_view line(buf.data() + p, nl - p);
      p = nl + 1;
      ++out_.lines;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      line_ = out_.lines;
      if (line.size() > detail::LineReader::max_line) {
        bad("line longer than " + std::to_string(detail::LineReader::max_line) + " bytes", line);
        continue;
      }
      if (job_.base_line == 0 && k == 0 && out_.lines == 1) line = strip_bom(line);
      const std::string_view t = trim(line);
      if (t.empty() || t.front() == '#') continue;
      if (job_.csv) {
        csv_row(line);
      } else {
        text_row(line, t);
      }
    }
  }

  void bad(std::string reason, std::string_view line) {
    ++out_.issue_count;
    if (out_.issues.size() < Builder::max_stored_issues_per_file) {
      out_.issues.push_back(ChunkIssue{line_, std::move(reason), detail::excerpt(line)});
    }
  }

  bool parse(const std::optional<Chain>& chain, std::string_view text) {
    const std::optional<Chain> c = chain ? chain : address::detect_chain(text);
    if (!c) {
      w_.parse_error = "unrecognised address syntax";
      return false;
    }
    if (*c == Chain::tron && detail::parse_tron_base58(text, w_.scratch)) return true;
    if (address::parse_into(*c, text, w_.scratch, w_.parse_error)) return true;
    w_.parse_error = std::string(to_string(*c)) + " address: " + w_.parse_error;
    return false;
  }

  void reserve_rows() {
    if (out_.rows.capacity() == 0) {
      out_.rows.reserve(chunk_bytes / 64);
      out_.addrs.reserve(chunk_bytes / 3);
    }
  }

  void accept(std::uint32_t origin, std::uint32_t label, std::uint32_t added_at, std::uint32_t notes) {
    const std::string& a = w_.scratch.canonical;
    reserve_rows();
    Row r;
    r.line = line_;
    r.origin = origin;
    r.label = label;
    r.added_at = added_at;
    r.notes = notes;
    r.addr_off = static_cast<std::uint32_t>(out_.addrs.size());
    r.addr_len = static_cast<std::uint16_t>(a.size());
    r.hash = detail::hash_address(a);
    r.chain = w_.scratch.chain;
    out_.addrs += a;
    out_.rows.push_back(r);
    if (job_.can_twin(r.chain)) ++out_.twin_rows;
  }

  std::uint32_t default_origin() {
    if (!default_origin_) {
      const config::WatchlistFile& f = *job_.file;
      default_origin_ = w_.origin(OriginKey{w_.intern(f.source, out_), w_.intern(f.incident, out_),
                                            w_.intern(f.severity, out_)},
                                  out_);
    }
    return *default_origin_;
  }

  void text_row(std::string_view line, std::string_view t) {
    if (auto hash = t.find('#'); hash != std::string_view::npos) t = trim(t.substr(0, hash));
    if (t.find_first_of(" \t,;") != std::string_view::npos) {
      bad("expected one address per line", line);
      return;
    }
    if (!parse(job_.file->chain, t)) {
      bad(w_.parse_error, line);
      return;
    }
    accept(default_origin(), 0, 0, 0);
  }

  std::string_view cell(FileJob::Col c) const noexcept {
    const int i = job_.col[c];
    return i >= 0 ? w_.views[static_cast<std::size_t>(i)] : std::string_view();
  }

  void csv_row(std::string_view line) {
    auto& views = w_.views;
    const bool quoted = line.find('"') != std::string_view::npos;
    if (!quoted) {
      split_plain(line, views);
    } else {
      std::size_t count = 0;
      if (!detail::split_csv(line, w_.fields, count, w_.why)) {
        bad(w_.why, line);
        return;
      }
      views.assign(w_.fields.begin(), w_.fields.begin() + static_cast<std::ptrdiff_t>(count));
    }
    if (std::all_of(views.begin(), views.end(), [](std::string_view f) { return f.empty(); })) return;
    if (views.size() != job_.header_fields) {
      bad(std::to_string(views.size()) + " fields where the header has " + std::to_string(job_.header_fields) +
              " (quote fields that contain commas)",
          line);
      return;
    }
    const std::string_view text = cell(FileJob::address_col);
    if (text.empty()) {
      bad("empty address", line);
      return;
    }
    std::optional<Chain> chain = job_.file->chain;
    if (!cell(FileJob::chain_col).empty()) {
      w_.lower.assign(cell(FileJob::chain_col));
      to_lower(w_.lower);
      chain = chain_from_string(w_.lower);
      if (!chain) {
        bad("unknown chain '" + w_.lower + "' (expected stacks, evm, tron or bitcoin)", line);
        return;
      }
    }
    std::string_view severity = job_.file->severity;
    if (!cell(FileJob::severity_col).empty()) {
      w_.lower.assign(cell(FileJob::severity_col));
      to_lower(w_.lower);
      if (!known_severity(w_.lower)) {
        bad("unknown severity '" + w_.lower + "' (expected info, low, medium, high or critical)", line);
        return;
      }
      severity = w_.lower;
    }
    if (!parse(chain, text)) {
      bad(w_.parse_error, line);
      return;
    }
    // The row is accepted; its provenance strings are interned with the
    // next rows' (resolve()). Quoted fields live in w_.fields, which the
    // next quoted row overwrites: keep them with the pending row.
    const std::size_t slot = w_.pending_count;
    if (quoted) {
      owned_[slot].swap(w_.fields);
      for (std::size_t i = 0; i < views.size(); ++i) views[i] = owned_[slot][i];
    }
    const std::string_view source = cell(FileJob::source_col), incident = cell(FileJob::incident_col);
    Pending& p = w_.pending[w_.pending_count++];  // reused: no per-row initialisation
    p.row = out_.rows.size();
    p.text[0] = canonical_severity(severity);
    p.text[1] = source.empty() ? std::string_view(job_.file->source) : source;
    p.text[2] = incident.empty() ? std::string_view(job_.file->incident) : incident;
    p.text[3] = cell(FileJob::label_col);
    p.text[4] = cell(FileJob::added_at_col);
    p.text[5] = cell(FileJob::notes_col);
    for (int i = 0; i < Pending::fields; ++i) {
      p.key[i] = detail::InternTable::key_of(p.text[i]);
      if (!p.text[i].empty()) w_.string_ids.prefetch(p.key[i]);
    }
    accept(0, 0, 0, 0);
    if (w_.pending_count == Pending::batch) resolve();
  }

  // Interns the provenance of the pending rows: their table slots were
  // prefetched when the rows were parsed, and the origins' slots are
  // prefetched before any is looked up, so the cache misses of a batch
  // overlap instead of queueing one after another.
  void resolve() {
    const std::span<Pending> pending(w_.pending.data(), w_.pending_count);
    for (Pending& p : pending) {
      for (int i = 0; i < Pending::fields; ++i) p.id[i] = w_.intern(p.text[i], p.key[i], out_);
      w_.origin_ids.prefetch(p.id[1], p.id[2], p.id[0]);
    }
    for (const Pending& p : pending) {
      Row& r = out_.rows[p.row];
      r.origin = w_.origin(OriginKey{p.id[1], p.id[2], p.id[0]}, out_);
      r.label = p.id[3];
      r.added_at = p.id[4];
      r.notes = p.id[5];
    }
    w_.pending_count = 0;
  }

  // The severity as one of the five static names (the cell's lower-cased
  // copy in w_.lower does not outlive the row).
  static std::string_view canonical_severity(std::string_view s) noexcept {
    for (std::string_view name : {"info", "low", "medium", "high", "critical"}) {
      if (s == name) return name;
    }
    return s;  // the file's configured default (config-checked), which outlives the load
  }

  const FileJob& job_;
  Worker& w_;
  ChunkOut& out_;
  std::uint32_t line_ = 0;
  std::optional<std::uint32_t> default_origin_;
  std::array<std::vector<std::string>, Pending::batch>& owned_ = w_.owned;
};

}  // namespace

// ---------------------------------------------------------------- Builder

struct Builder::Impl {
  std::unique_ptr<detail::Store> store = std::make_unique<detail::Store>();
  StringIds interned;  // keys live in store->arena
  boost::unordered_flat_map<detail::Origin, std::uint32_t, OriginHash> origin_ids;
  // Second and later records of an entry, in arrival order (rare): laid out
  // next to the entry's first record by group_records().
  std::vector<std::pair<std::uint32_t, detail::Record>> extras;

  std::uint32_t intern(std::string_view s) {
    if (s.empty()) return 0;
    if (auto it = interned.find(s); it != interned.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(store->strings.size());
    const std::string_view kept = store->arena.copy(s);
    store->strings.push_back(kept);
    interned.emplace(kept, id);
    return id;
  }

  std::uint32_t origin(const detail::Origin& o) {
    if (auto it = origin_ids.find(o); it != origin_ids.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(store->origins.size());
    store->origins.push_back(o);
    origin_ids.emplace(o, id);
    return id;
  }

  // Room for `more` entries in the index (grows it by rehashing otherwise).
  void room(std::size_t more) {
    auto& s = *store;
    const std::size_t need = s.entries.size() + more;
    if (s.index.fits(need)) return;
    s.index.resize(std::max(need, s.entries.size() * 3 / 2),
                   [&s](std::uint32_t e) { return detail::hash_address(s.entries[e].address); });
  }

  void reserve(std::size_t entries, std::size_t records) {
    auto& s = *store;
    // Reserved but untouched capacity costs address space, not memory; grow
    // geometrically so that repeated calls (twin blocks, several files) do
    // not copy the vectors again and again.
    auto grow = [](auto& v, std::size_t more) {
      const std::size_t need = v.size() + more;
      if (v.capacity() < need) v.reserve(std::max(need, v.size() + v.size() / 2));
    };
    grow(s.entries, entries);
    grow(s.records, records);
    room(entries);
  }

  // Adds one listing; the caller made room() for it.
  void add(Chain chain, std::string_view canonical, std::uint64_t hash, const detail::Record& r) {
    auto& s = *store;
    const auto id = static_cast<std::uint32_t>(s.entries.size());
    const std::uint32_t found =
        s.index.find_or_insert(hash, canonical, id, [&s](std::uint32_t e) { return s.entries[e].address; });
    if (found == detail::Index::none) {
      s.entries.push_back(Entry{s.arena.copy(canonical), chain, detail::Store::make_list(&s, id, 1)});
      s.records.push_back(r);  // record id == entry id for listed entries
    } else {
      ProvenanceList& l = s.entries[found].provenance;
      detail::Store::set_range(l, detail::Store::first_of(l), detail::Store::raw_count(l) + 1);
      extras.emplace_back(found, r);
    }
  }

  // Lays the records of each entry listed more than once out contiguously,
  // in arrival order, at the end of `records` (its first record stays
  // behind, unused).
  void group_records() {
    if (extras.empty()) return;
    auto& s = *store;
    std::stable_sort(extras.begin(), extras.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t distinct = 0;
    for (std::size_t i = 0; i < extras.size(); ++i) distinct += i == 0 || extras[i].first != extras[i - 1].first;
    s.records.reserve(s.records.size() + extras.size() + distinct);
    for (std::size_t i = 0; i < extras.size();) {
      const std::uint32_t e = extras[i].first;
      const auto first = static_cast<std::uint32_t>(s.records.size());
      const detail::Record own = s.records[e];
      s.records.push_back(own);
      std::size_t j = i;
      for (; j < extras.size() && extras[j].first == e; ++j) s.records.push_back(extras[j].second);
      detail::Store::set_range(s.entries[e].provenance, first, static_cast<std::uint32_t>(1 + j - i));
      i = j;
    }
    extras.clear();
    extras.shrink_to_fit();
  }

  // How many listed entries could have a twin under `twins` (an upper bound
  // on the twins add_twins() inserts).
  std::size_t twinnable(const config::TwinsConfig& twins) const noexcept {
    std::size_t n = 0;
    for (const Entry& e : store->entries) {
      const bool evm_tron = e.chain == Chain::evm || e.chain == Chain::tron;
      n += evm_tron ? twins.evm_tron : twins.stacks_bitcoin;
    }
    return n;
  }

  // Adds the twins of the listed entries as derived entries (twins.hpp), in
  // blocks, entirely on `threads` threads: each derives the twins of its
  // share of a block and drops those listed themselves (the index is only
  // read then); ids and arena space are handed out in entry order; then each
  // writes its entries and inserts them into the index concurrently. Twins
  // are distinct from one another (a twin is a function of its original's
  // key, and distinct originals have distinct keys), so no insert needs to
  // look for another.
  void add_twins(const config::TwinsConfig& twins, unsigned threads) {
    if (!twins.evm_tron && !twins.stacks_bitcoin) return;
    auto& s = *store;
    const auto listed = static_cast<std::uint32_t>(s.entries.size());
    struct Twin {
      std::uint32_t original = 0;
      std::uint32_t off = 0;
      std::uint64_t hash = 0;
      std::uint16_t len = 0;
      Chain chain = Chain::evm;
    };
    struct Part {
      std::vector<Twin> twins;
      std::string text;
      std::uint32_t first_id = 0;
      char* region = nullptr;
    };
    std::vector<Part> parts(threads);
    std::vector<address::Address> scratch(threads);
    std::vector<std::string> text(threads);
    auto address_of = [&s](std::uint32_t e) { return s.entries[e].address; };
    for (std::uint32_t b0 = 0; b0 < listed; b0 += twin_block) {
      const std::uint32_t b1 = std::min<std::uint32_t>(listed, b0 + twin_block);
      const std::uint32_t per = (b1 - b0 + threads - 1) / threads;
      run_on_threads(threads, [&](unsigned t) {
        Part& part = parts[t];
        part.twins.clear();
        part.text.clear();
        const std::uint32_t e0 = std::min(b1, b0 + per * t), e1 = std::min(b1, e0 + per);
        for (std::uint32_t e = e0; e < e1; ++e) {
          const Entry& en = s.entries[e];
          Chain chain = Chain::evm;
          if (!detail::twin_text(en.chain, en.address, twins, scratch[t], text[t], chain)) continue;
          const std::uint64_t h = detail::hash_address(text[t]);
          if (s.index.find(h, text[t], address_of) != detail::Index::none) continue;  // listed itself
          part.twins.push_back(Twin{e, static_cast<std::uint32_t>(part.text.size()), h,
                                    static_cast<std::uint16_t>(text[t].size()), chain});
          part.text += text[t];
        }
      });
      std::size_t n = 0;
      for (const Part& p : parts) n += p.twins.size();
      if (n == 0) continue;
      reserve(n, 0);  // room in the index now: nothing may grow it while the threads insert
      for (Part& p : parts) {
        p.first_id = static_cast<std::uint32_t>(s.entries.size());
        s.entries.resize(s.entries.size() + p.twins.size());
        p.region = p.text.empty() ? nullptr : s.arena.allocate(p.text.size());
      }
      run_on_threads(threads, [&](unsigned t) {
        const Part& p = parts[t];
        if (p.twins.empty()) return;
        std::memcpy(p.region, p.text.data(), p.text.size());
        for (std::size_t i = 0; i < p.twins.size(); ++i) {
          if (i + prefetch_distance < p.twins.size()) s.index.prefetch(p.twins[i + prefetch_distance].hash);
          const Twin& tw = p.twins[i];
          const auto id = static_cast<std::uint32_t>(p.first_id + i);
          const auto count = static_cast<std::uint32_t>(s.entries[tw.original].provenance.size());
          s.entries[id] = Entry{std::string_view(p.region + tw.off, tw.len), tw.chain,
                                detail::Store::make_list(&s, tw.original, detail::derived_bit | count)};
          s.index.insert_new_concurrent(tw.hash, id);
        }
      });
      s.index.add_size(n);
    }
  }

  // ---- files

  bool parse_header(Builder& b, detail::LineReader& reader, FileJob& job, FileSummary& summary, std::size_t& stored,
                    const std::string& who, std::string& error) {
    std::vector<std::string> fields;
    std::size_t count = 0;
    std::string why;
    std::string_view line;
    for (;;) {
      const auto status = reader.next(line);
      if (status == detail::LineReader::Status::end) {
        job.start = job.size;  // no header: an empty list
        job.base_line = reader.line_number();
        return true;
      }
      if (status == detail::LineReader::Status::error) {
        error = who + ": read error: " + reader.error();
        return false;
      }
      const std::uint32_t n = reader.line_number();
      if (status == detail::LineReader::Status::too_long) {
        ++summary.issues;
        b.note_issue(job.path, n, "line longer than " + std::to_string(detail::LineReader::max_line) + " bytes", line,
                     stored);
        continue;
      }
      if (n == 1) line = strip_bom(line);
      const std::string_view t = trim(line);
      if (t.empty() || t.front() == '#') continue;
      if (!detail::split_csv(line, fields, count, why)) {
        error = who + ":" + std::to_string(n) + ": bad header: " + why;
        return false;
      }
      static constexpr std::string_view names[FileJob::n_cols] = {"address", "chain",    "label",    "incident",
                                                                  "source",  "severity", "added_at", "notes"};
      std::string all;
      for (std::size_t i = 0; i < count; ++i) {
        std::string name = fields[i];
        to_lower(name);
        all += (i ? ", " : "") + name;
        for (int c = 0; c < FileJob::n_cols; ++c) {
          if (name != names[c]) continue;
          if (job.col[c] >= 0) {
            error = who + ":" + std::to_string(n) + ": column '" + name + "' appears twice in the header";
            return false;
          }
          job.col[c] = static_cast<int>(i);
        }
      }
      if (job.col[FileJob::address_col] < 0) {
        error = who + ":" + std::to_string(n) + ": the header names no 'address' column (found: " +
                detail::excerpt(all) + ")";
        return false;
      }
      job.header_fields = count;
      job.start = reader.offset();
      job.base_line = n;
      return true;
    }
  }

  // Parses job's chunks on `threads` workers and merges them in order.
  bool load_chunks(Builder& b, FileJob& job, FileSummary& summary, std::size_t& stored, const std::string& who,
                   unsigned threads, std::string& error) {
    job.chunks = job.start >= job.size ? 0 : static_cast<std::size_t>((job.size - job.start + chunk_bytes - 1) / chunk_bytes);
    if (job.chunks == 0) return true;
    const unsigned workers = static_cast<unsigned>(std::min<std::size_t>(threads, job.chunks));
    std::vector<Worker> ws(workers);
    std::vector<std::vector<std::uint32_t>> string_ids(workers), origin_ids(workers);
    const std::uint32_t file_id = intern(job.file->path), list_id = intern(job.file->name);
    std::uint32_t line_base = job.base_line;
    bool estimated = false;
    auto& s = *store;

    auto merge = [&](ChunkOut& out) -> bool {
      if (!out.error.empty()) {
        error = who + ": " + out.error;
        return false;
      }
      if (!estimated && !out.rows.empty()) {
        // Reserve for the whole file from the first chunk's density.
        estimated = true;
        const double scale = out.bytes ? static_cast<double>(job.size - job.start) / static_cast<double>(out.bytes) : 1.0;
        const auto rows = static_cast<std::size_t>(static_cast<double>(out.rows.size()) * scale * 1.05) + 1024;
        const auto twins = static_cast<std::size_t>(static_cast<double>(out.twin_rows) * scale * 1.05);
        reserve(rows + twins, rows);
      }
      auto& xs = string_ids[out.worker];
      for (std::string_view str : out.new_strings) xs.push_back(intern(str));
      auto& xo = origin_ids[out.worker];
      for (const auto& o : out.new_origins) {
        // Worker string id 0 is "" (ids start at 1, xs[0] is the first new string).
        auto gid = [&](std::uint32_t local) { return local == 0 ? 0u : xs[local - 1]; };
        xo.push_back(origin(detail::Origin{file_id, list_id, gid(o[0]), gid(o[1]), gid(o[2])}));
      }
      auto gid = [&](std::uint32_t local) { return local == 0 ? 0u : xs[local - 1]; };
      room(out.rows.size());
      const std::size_t n_rows = out.rows.size();
      for (std::size_t i = 0; i < n_rows; ++i) {
        if (i + prefetch_distance < n_rows) s.index.prefetch(out.rows[i + prefetch_distance].hash);
        const Row& r = out.rows[i];
        add(r.chain, std::string_view(out.addrs.data() + r.addr_off, r.addr_len), r.hash,
            detail::Record{line_base + r.line, xo[r.origin], gid(r.label), gid(r.added_at), gid(r.notes)});
      }
      summary.rows += out.rows.size();
      summary.issues += out.issue_count;
      for (auto& i : out.issues) b.note_issue(job.path, line_base + i.line, std::move(i.reason), i.text, stored);
      b.issue_count_ += out.issue_count - out.issues.size();
      line_base += out.lines;
      return true;
    };

    if (workers <= 1) {
      for (std::size_t k = 0; k < job.chunks; ++k) {
        ChunkOut out;
        ChunkParser(job, ws[0], out).run(k);
        if (!merge(out)) return false;
      }
      return true;
    }

    // Workers parse chunks ahead (bounded); this thread merges them in order.
    std::mutex mu;
    std::condition_variable ready, space;
    std::vector<std::unique_ptr<ChunkOut>> slots(job.chunks);
    std::size_t next = 0, merged = 0;
    bool abort = false;
    const std::size_t window = window_per_worker * workers;
    std::vector<std::thread> ts;
    ts.reserve(workers);
    for (unsigned w = 0; w < workers; ++w) {
      ts.emplace_back([&, w] {
        for (;;) {
          std::size_t k = 0;
          {
            std::unique_lock lk(mu);
            space.wait(lk, [&] { return abort || next < merged + window; });
            if (abort || next >= job.chunks) return;
            k = next++;
          }
          auto out = std::make_unique<ChunkOut>();
          out->worker = w;
          try {
            ChunkParser(job, ws[w], *out).run(k);
          } catch (const std::exception& e) {
            out->error = std::string("parse failed: ") + e.what();
          }
          std::lock_guard lk(mu);
          slots[k] = std::move(out);
          ready.notify_all();
        }
      });
    }
    bool ok = true;
    try {
      for (std::size_t k = 0; k < job.chunks && ok; ++k) {
        std::unique_ptr<ChunkOut> out;
        {
          std::unique_lock lk(mu);
          ready.wait(lk, [&] { return slots[k] != nullptr; });
          out = std::move(slots[k]);
          merged = k + 1;
        }
        space.notify_all();
        ok = merge(*out);
      }
    } catch (...) {
      {
        std::lock_guard lk(mu);
        abort = true;
      }
      space.notify_all();
      for (auto& t : ts) t.join();
      throw;
    }
    {
      std::lock_guard lk(mu);
      abort = true;
    }
    space.notify_all();
    for (auto& t : ts) t.join();
    return ok;
  }
};

Builder::Builder() : impl_(std::make_unique<Impl>()) {}

Builder::~Builder() = default;

void Builder::note_issue(const std::string& file, std::uint32_t line, std::string reason, std::string_view text,
                         std::size_t& stored_for_file) {
  ++issue_count_;
  if (stored_for_file >= max_stored_issues_per_file) return;
  ++stored_for_file;
  issues_.push_back(LoadIssue{file, line, std::move(reason), detail::excerpt(text)});
}

void Builder::add(const address::Address& a, const Provenance& p) {
  auto& im = *impl_;
  const detail::Origin o{im.intern(p.file), im.intern(p.list), im.intern(p.source), im.intern(p.incident),
                         im.intern(p.severity)};
  im.room(1);
  im.add(a.chain, a.canonical, detail::hash_address(a.canonical),
         detail::Record{p.line, im.origin(o), im.intern(p.label), im.intern(p.added_at), im.intern(p.notes)});
}

bool Builder::add_file(const config::WatchlistFile& f, const std::string& base_dir, std::string& error) {
  auto& im = *impl_;
  const std::string path = resolve_path(f.path, base_dir);
  const std::string who = "watchlist '" + f.name + "' (" + path + ")";
  FileSummary summary{f.name, path, 0, 0, {}};
  std::size_t stored = 0;

  if (f.remote && !stamp_file(path).exists) {
    // A remote list before its first successful fetch: empty, not an error.
    note_issue(path, 0, "remote list not fetched yet", "", stored);
    summary.issues = 1;
    files_.push_back(std::move(summary));
    return true;
  }

  detail::LineReader reader;
  std::string why;
  if (!reader.open(path, why)) {
    error = who + ": cannot read: " + why;
    return false;
  }
  summary.stamp = reader.stamp();
  FileJob job;
  job.file = &f;
  job.path = path;
  job.size = reader.stamp().size;
  job.csv = f.format != config::WatchlistFile::Format::text;
  job.twins = twins_;
  if (job.csv && !im.parse_header(*this, reader, job, summary, stored, who, error)) return false;
  // A second descriptor for the workers' pread()s (the reader's stays put).
  job.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (job.fd < 0) {
    error = who + ": cannot read: " + std::strerror(errno);
    return false;
  }
  const std::size_t first_issue = issues_.size();
  bool ok = false;
  try {
    ok = im.load_chunks(*this, job, summary, stored, who, resolve_threads(threads_), error);
  } catch (...) {
    ::close(job.fd);
    throw;
  }
  ::close(job.fd);
  if (!ok) return false;
  if (f.strict && summary.issues > 0) {
    error = who + " is strict and has " + std::to_string(summary.issues) + " bad line" +
            (summary.issues == 1 ? "" : "s");
    if (first_issue < issues_.size()) error += "; first: " + format_issue(issues_[first_issue]);
    return false;
  }
  files_.push_back(std::move(summary));
  return true;
}

void Builder::set_twins(const config::TwinsConfig& twins) { twins_ = twins; }

void Builder::set_threads(unsigned threads) { threads_ = threads; }

std::shared_ptr<const Snapshot> Builder::build() {
  auto& im = *impl_;
  const unsigned threads = resolve_threads(threads_);
  im.interned = {};
  im.origin_ids = {};
  im.group_records();
  im.store->listed = im.store->entries.size();
  im.store->twins = twins_;
  auto snap = std::make_shared<Snapshot>();
  // The version hashes the listed entries only, so with more than one thread
  // a thread starts on it while the twins are derived and inserted on all of
  // them, and this one joins it when the twins are done. Entries must not
  // move meanwhile: room for every possible twin is reserved first.
  const std::size_t twinnable = im.twinnable(twins_);
  if (threads > 1 && twinnable > 0) {
    im.reserve(twinnable, 0);
    detail::VersionJob job(*im.store);
    std::exception_ptr failed;
    std::thread hasher([&] {
      try {
        job.work();
      } catch (...) {
        failed = std::current_exception();
      }
    });
    try {
      im.add_twins(twins_, threads);
      job.work();
    } catch (...) {
      hasher.join();
      throw;
    }
    hasher.join();
    if (failed) std::rethrow_exception(failed);
    snap->version_ = job.finish();
  } else {
    im.add_twins(twins_, threads);
    snap->version_ = detail::compute_version(*im.store, threads);
  }
  snap->store_ = std::move(im.store);
  snap->loaded_at_ = std::chrono::system_clock::now();
  snap->issues_ = std::move(issues_);
  snap->issue_count_ = issue_count_;
  snap->files_ = std::move(files_);

  impl_ = std::make_unique<Impl>();
  issues_.clear();
  issue_count_ = 0;
  files_.clear();
  return snap;
}

// ---------------------------------------------------------------- load / Holder

LoadOutcome load(const config::WatchlistsConfig& cfg, const std::string& base_dir, unsigned threads) {
  Builder b;
  b.set_twins(cfg.twins);
  b.set_threads(threads);
  LoadOutcome out;
  try {
    for (const auto& f : cfg.files) {
      if (!b.add_file(f, base_dir, out.error)) {
        out.issues = b.issues();
        out.issue_count = b.issue_count();
        return out;
      }
    }
    out.snapshot = b.build();
  } catch (const std::exception& e) {  // too many entries, out of memory: a failed load, not a crash
    out.error = std::string("watchlist load failed: ") + e.what();
    out.issues = b.issues();
    out.issue_count = b.issue_count();
    return out;
  }
  out.issues = out.snapshot->issues();
  out.issue_count = out.snapshot->issue_count();
  return out;
}

Holder::Holder(std::shared_ptr<const Snapshot> initial) : current_(std::move(initial)) {}

}  // namespace fw::watchlist
