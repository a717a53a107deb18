#include "watchlist/chunks.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <span>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <unistd.h>

#include "watchlist/csv.hpp"
#include "watchlist/twins.hpp"

namespace fw::watchlist::detail {

namespace {

// One of the five severities as a static name (it outlives the row the
// lower-cased cell came from), or an empty view.
std::string_view severity_name(std::string_view lower) noexcept {
  for (std::string_view name : {"info", "low", "medium", "high", "critical"}) {
    if (lower == name) return name;
  }
  return {};
}

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
        if (buf.size() - last_start > LineReader::max_line + 1) break;  // too long anyway
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
      if (line.size() > LineReader::max_line) {
        bad("line longer than " + std::to_string(LineReader::max_line) + " bytes", line);
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
      out_.issues.push_back(ChunkIssue{line_, std::move(reason), excerpt(line)});
    }
  }

  bool parse(const std::optional<Chain>& chain, std::string_view text) {
    const std::optional<Chain> c = chain ? chain : address::detect_chain(text);
    if (!c) {
      w_.parse_error = "unrecognised address syntax";
      return false;
    }
    if (*c == Chain::tron && parse_tron_base58(text, w_.scratch)) return true;
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
    r.hash = hash_address(a);
    r.chain = w_.scratch.chain;
    out_.addrs += a;
    out_.rows.push_back(r);
    if (job_.can_store_twin(r.chain)) ++out_.twin_rows;
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
      if (!split_csv(line, w_.fields, count, w_.why)) {
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
      to_lower_ascii(w_.lower);
      chain = chain_from_string(w_.lower);
      if (!chain) {
        bad("unknown chain '" + w_.lower + "' (expected stacks, evm, tron or bitcoin)", line);
        return;
      }
    }
    // The file's configured default (config-checked) outlives the load.
    std::string_view severity = job_.file->severity;
    if (!cell(FileJob::severity_col).empty()) {
      w_.lower.assign(cell(FileJob::severity_col));
      to_lower_ascii(w_.lower);
      severity = severity_name(w_.lower);
      if (severity.empty()) {
        bad("unknown severity '" + w_.lower + "' (expected info, low, medium, high or critical)", line);
        return;
      }
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
    p.text[0] = severity;
    p.text[1] = source.empty() ? std::string_view(job_.file->source) : source;
    p.text[2] = incident.empty() ? std::string_view(job_.file->incident) : incident;
    p.text[3] = cell(FileJob::label_col);
    p.text[4] = cell(FileJob::added_at_col);
    p.text[5] = cell(FileJob::notes_col);
    for (int i = 0; i < Pending::fields; ++i) {
      p.key[i] = InternTable::key_of(p.text[i]);
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

  const FileJob& job_;
  Worker& w_;
  ChunkOut& out_;
  std::uint32_t line_ = 0;
  std::optional<std::uint32_t> default_origin_;
  std::array<std::vector<std::string>, Pending::batch>& owned_ = w_.owned;
};

}  // namespace

void parse_chunk(const FileJob& job, Worker& w, ChunkOut& out, std::size_t k) { ChunkParser(job, w, out).run(k); }

}  // namespace fw::watchlist::detail
