#include "watchlist/watchlist.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/unordered/unordered_flat_map.hpp>

#include "watchlist/chunks.hpp"
#include "watchlist/csv.hpp"
#include "watchlist/store.hpp"
#include "watchlist/twins.hpp"

namespace fw::watchlist {

namespace {

// At most `window` chunks (chunks.hpp) per worker are parsed ahead of the
// merge, which bounds the memory they hold.
constexpr std::size_t window_per_worker = 3;
// Twins are derived in blocks of this many entries (bounds their buffers).
constexpr std::size_t twin_block = 1 << 18;
// Index slots are prefetched this many insertions ahead.
constexpr std::size_t prefetch_distance = 16;

using detail::ChunkOut;
using detail::FileJob;
using detail::Row;
using detail::Worker;
using detail::chunk_bytes;
using detail::strip_bom;
using detail::to_lower_ascii;
using detail::trim;

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

}  // namespace

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

const Entry* Snapshot::find(std::string_view canonical) const { return store_->find(canonical); }

const Entry* Snapshot::lookup(std::string_view any_spelling) const {
  auto parsed = address::parse_any(trim(any_spelling));
  return parsed ? find(parsed->canonical) : nullptr;
}

const Entry* Snapshot::lookup(Chain chain, std::string_view text) const {
  auto parsed = address::parse(chain, trim(text));
  return parsed ? find(parsed->canonical) : nullptr;
}

std::size_t Snapshot::size() const noexcept { return store_->entries.size() + store_->lazy_twins; }

const std::vector<Entry>& Snapshot::entries() const noexcept { return store_->entries; }

std::vector<std::string> Snapshot::addresses(Chain chain) const {
  const detail::Store& s = *store_;
  std::vector<std::string> out;
  for (const Entry& e : s.entries)
    if (e.chain == chain) out.emplace_back(e.address);
  if (!s.twins.evm_tron || (chain != Chain::evm && chain != Chain::tron)) return out;
  // The lazy twins on `chain` are those of the listed entries on the other
  // chain that are not listed themselves.
  const Chain other = chain == Chain::evm ? Chain::tron : Chain::evm;
  std::string twin;
  for (std::uint32_t e = 0; e < s.listed; ++e)
    if (s.entries[e].chain == other && s.lazy_twin_text(e, twin) && !s.stored(twin)) out.push_back(twin);
  return out;
}

std::vector<std::string> Snapshot::added_since(const Snapshot* previous) const {
  const detail::Store& s = *store_;
  // When `previous` had the EVM <-> TRON twins too, an address it had (listed
  // or as a twin) had its twin there as well, so only new entries' twins can
  // be new.
  const bool all_twins = previous && !previous->store_->twins.evm_tron;
  std::vector<std::string> out;
  std::string twin;
  for (std::uint32_t e = 0; e < s.entries.size(); ++e) {
    const Entry& en = s.entries[e];
    const bool had = previous && previous->find(en.address);
    if (!had) out.emplace_back(en.address);
    if ((had && !all_twins) || e >= s.listed || !s.twins.evm_tron || !s.lazy_twin_text(e, twin)) continue;
    if (s.stored(twin) || (previous && previous->find(twin))) continue;  // listed (the loop meets it) or not new
    out.push_back(twin);
  }
  return out;
}

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

  // How many listed entries could have a stored twin under `twins` (an
  // upper bound on the twins add_twins() inserts).
  std::size_t twinnable(const config::TwinsConfig& twins) const noexcept {
    if (!twins.stacks_bitcoin) return 0;
    std::size_t n = 0;
    for (const Entry& e : store->entries) n += e.chain == Chain::stacks || e.chain == Chain::bitcoin;
    return n;
  }

  // Makes the EVM <-> TRON twins findable without storing them (store.hpp):
  // indexes the EVM spelling of every listed TRON entry whose EVM twin is
  // not listed itself, and counts the twins. On `threads` threads; the
  // main index is only read.
  void index_lazy_twins(unsigned threads) {
    auto& s = *store;
    if (!s.twins.evm_tron) return;
    struct Part {
      std::vector<std::pair<std::uint64_t, std::uint32_t>> tron;  // (hash of the EVM spelling, entry)
      std::size_t evm = 0, pairs = 0;
    };
    std::vector<Part> parts(threads);
    const auto listed = static_cast<std::uint32_t>(s.listed);
    const std::uint32_t per = (listed + threads - 1) / threads;
    run_on_threads(threads, [&](unsigned t) {
      Part& part = parts[t];
      std::string evm;
      Chain chain = Chain::evm;
      const std::uint32_t e0 = std::min(listed, per * t), e1 = std::min(listed, e0 + per);
      for (std::uint32_t e = e0; e < e1; ++e) {
        const Entry& en = s.entries[e];
        if (en.chain == Chain::evm) ++part.evm;
        if (en.chain != Chain::tron || !detail::evm_tron_twin_text(en.chain, en.address, evm, chain)) continue;
        const std::uint64_t h = detail::hash_address(evm);
        if (s.find_stored(evm, h)) {
          ++part.pairs;  // both spellings listed: neither is a twin
          continue;
        }
        part.tron.emplace_back(h, e);
      }
    });
    std::size_t tron = 0, evm = 0, pairs = 0;
    for (const Part& p : parts) {
      tron += p.tron.size();
      evm += p.evm;
      pairs += p.pairs;
    }
    s.lazy_twins = tron + (evm - pairs);  // EVM twins of TRON entries + TRON twins of EVM entries
    if (tron == 0) return;
    s.tron_by_evm.resize(tron, [](std::uint32_t) { return std::uint64_t{0}; });  // empty: nothing to rehash
    run_on_threads(threads, [&](unsigned t) {
      for (const auto& [h, e] : parts[t].tron) s.tron_by_evm.insert_new_concurrent(h, e);
    });
    s.tron_by_evm.add_size(tron);
  }

  // Adds the stored (Stacks <-> Bitcoin) twins of the listed entries as
  // derived entries (twins.hpp), in blocks, entirely on `threads` threads:
  // each derives the twins of its share of a block and drops those listed
  // themselves (the index is only read then); ids and arena space are handed
  // out in entry order; then each writes its entries and inserts them into
  // the index concurrently. Twins are distinct from one another (a twin is a
  // function of its original's key, and distinct originals have distinct
  // keys), so no insert needs to look for another.
  void add_twins(const config::TwinsConfig& all, unsigned threads) {
    const config::TwinsConfig twins{false, all.stacks_bitcoin};
    if (!twins.stacks_bitcoin) return;
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
        to_lower_ascii(name);
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
        detail::parse_chunk(job, ws[0], out, k);
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
            detail::parse_chunk(job, ws[w], *out, k);
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
  // a thread starts on it while the twins are derived (and stored or
  // indexed) on all of them, and this one joins it when the twins are done.
  // Entries must not move meanwhile: room for every possible stored twin is
  // reserved first.
  const std::size_t twinnable = im.twinnable(twins_);
  if (threads > 1 && (twinnable > 0 || twins_.evm_tron)) {
    if (twinnable > 0) im.reserve(twinnable, 0);
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
      im.index_lazy_twins(threads);
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
    im.index_lazy_twins(threads);
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
