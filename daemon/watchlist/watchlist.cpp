#include "watchlist/watchlist.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <optional>

#include <sys/stat.h>

#include <boost/unordered/unordered_flat_map.hpp>

#include "watchlist/csv.hpp"
#include "watchlist/store.hpp"
#include "watchlist/twins.hpp"

namespace fw::watchlist {

namespace {

constexpr std::size_t reserve_threshold_bytes = 256 * 1024;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view strip_bom(std::string_view s) noexcept {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

void to_lower(std::string& s) noexcept {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool known_severity(std::string_view s) noexcept {
  return s == "info" || s == "low" || s == "medium" || s == "high" || s == "critical";
}

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

// ---------------------------------------------------------------- storage

namespace detail {

std::string_view Arena::copy(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > left_) {
    // Large strings get a chunk of their own so a chunk's tail is not wasted.
    const std::size_t size = std::max(chunk_size, s.size());
    chunks_.push_back(std::make_unique<char[]>(size));
    reserved_ += size;
    if (size == chunk_size) {
      cur_ = chunks_.back().get();
      left_ = size;
    } else {
      std::memcpy(chunks_.back().get(), s.data(), s.size());
      return {chunks_.back().get(), s.size()};
    }
  }
  char* out = cur_;
  std::memcpy(out, s.data(), s.size());
  cur_ += s.size();
  left_ -= s.size();
  return {out, s.size()};
}

Store::Store() : index(0, IndexHash{this}, IndexEq{this}) {
  strings.emplace_back();
  origins.emplace_back();
}

}  // namespace detail

Provenance ProvenanceList::iterator::operator*() const { return store_->provenance(pos_); }

Provenance ProvenanceList::operator[](std::size_t i) const {
  return store_->provenance(first_ + static_cast<std::uint32_t>(i));
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

// ---------------------------------------------------------------- Builder

struct Builder::Impl {
  std::unique_ptr<detail::Store> store = std::make_unique<detail::Store>();
  boost::unordered_flat_map<std::string_view, std::uint32_t> interned;  // keys live in store->arena
  boost::unordered_flat_map<detail::Origin, std::uint32_t, OriginHash> origin_ids;
  // Record -> entry. Stays empty while no address was listed twice, because
  // until then record i belongs to entry i; filled on the first duplicate.
  std::vector<std::uint32_t> owner;

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

  void reserve(std::size_t more) {
    auto& s = *store;
    s.entries.reserve(s.entries.size() + more);
    s.records.reserve(s.records.size() + more);
    s.index.reserve(s.entries.size() + more);
  }

  void add(Chain chain, std::string_view canonical, const detail::Record& r) {
    auto& s = *store;
    const auto record = static_cast<std::uint32_t>(s.records.size());
    if (auto it = s.index.find(canonical); it != s.index.end()) {
      Entry& e = s.entries[*it];
      detail::Store::set_range(e.provenance, 0, static_cast<std::uint32_t>(e.provenance.size() + 1));
      if (owner.empty()) {
        owner.resize(s.records.size());
        for (std::uint32_t i = 0; i < owner.size(); ++i) owner[i] = i;
      }
      owner.push_back(*it);
    } else {
      const auto idx = static_cast<std::uint32_t>(s.entries.size());
      s.entries.push_back(Entry{s.arena.copy(canonical), chain, detail::Store::make_list(&s, record, 1)});
      s.index.insert(idx);
      if (!owner.empty()) owner.push_back(idx);
    }
    s.records.push_back(r);
  }

  // Adds the twins of the entries listed so far as derived entries
  // (twins.hpp): each record of a listed entry gets a copy for the twin,
  // whose notes say where it was derived from. Runs before group_records():
  // record r belongs to entry r while no address was listed twice, else to
  // owner[r]. A twin that is listed itself is left alone.
  void add_twins(const config::TwinsConfig& twins) {
    if (!twins.evm_tron && !twins.stacks_bitcoin) return;
    auto& s = *store;
    const auto listed = static_cast<std::uint32_t>(s.entries.size());
    const auto records = static_cast<std::uint32_t>(s.records.size());
    const bool record_is_entry = owner.empty();
    // Room for a twin of every record that can have one: no rehash midway.
    std::size_t candidates = 0;
    for (const Entry& e : s.entries)
      if (twins.stacks_bitcoin || e.chain == Chain::evm || e.chain == Chain::tron) candidates += e.provenance.size();
    reserve(candidates);
    address::Address scratch;
    std::optional<address::Address> twin;
    std::uint32_t current = listed;  // no entry yet
    std::string_view original;
    for (std::uint32_t r = 0; r < records; ++r) {
      const std::uint32_t e = record_is_entry ? r : owner[r];
      if (e != current) {
        current = e;
        original = s.entries[e].address;  // in the arena: stays valid
        twin = twin_of(s.entries[e].chain, original, twins, scratch);
        if (twin) {
          auto it = s.index.find(std::string_view(twin->canonical));
          if (it != s.index.end() && *it < listed) twin.reset();
        }
      }
      if (!twin) continue;
      detail::Record d = s.records[r];
      // Unique per original address: stored without the interning map.
      const std::string notes = derived_notes(original, s.strings[d.notes]);
      d.notes = static_cast<std::uint32_t>(s.strings.size());
      s.strings.push_back(s.arena.copy(notes));
      add(twin->chain, twin->canonical, d);
    }
  }

  // Lays each entry's records out contiguously, in arrival order.
  void group_records() {
    auto& s = *store;
    if (owner.empty()) return;  // record i already belongs to entry i
    std::vector<std::uint32_t> next(s.entries.size() + 1, 0);
    for (std::uint32_t o : owner) ++next[o + 1];
    for (std::size_t i = 1; i < next.size(); ++i) next[i] += next[i - 1];
    for (std::size_t e = 0; e < s.entries.size(); ++e) {
      detail::Store::set_range(s.entries[e].provenance, next[e], next[e + 1] - next[e]);
    }
    std::vector<detail::Record> grouped(s.records.size());
    for (std::size_t i = 0; i < owner.size(); ++i) grouped[next[owner[i]]++] = s.records[i];
    s.records.swap(grouped);
    owner.clear();
    owner.shrink_to_fit();
  }

  // Interning a CSV column whose value is often the same as on the row before.
  struct Cached {
    std::string last;
    std::uint32_t id = 0;
    bool valid = false;
    std::uint32_t get(Impl& im, std::string_view s) {
      if (!valid || s != last) {
        last.assign(s);
        id = im.intern(s);
        valid = true;
      }
      return id;
    }
  };

  struct FileContext {
    const config::WatchlistFile& file;
    const std::string& path;  // resolved
    std::string who;          // "watchlist 'x' (path)"
    detail::Origin defaults;
    std::uint32_t default_origin = 0;
    FileSummary summary;
    std::size_t stored_issues = 0;
  };

  // Parses one address without allocating in the common case (the scratch
  // Address keeps its capacity). Reasons read like address::parse_any's.
  address::Address scratch;
  std::string parse_error;
  bool parse(const std::optional<Chain>& chain, std::string_view text) {
    const std::optional<Chain> c = chain ? chain : address::detect_chain(text);
    if (!c) {
      parse_error = "unrecognised address syntax";
      return false;
    }
    if (address::parse_into(*c, text, scratch, parse_error)) return true;
    parse_error = std::string(to_string(*c)) + " address: " + parse_error;
    return false;
  }

  // Common read loop; `row` handles one non-blank, non-comment line and
  // returns false for a fatal (file-level) error already put in `error`.
  template <class Row>
  bool read_lines(Builder& b, detail::LineReader& reader, FileContext& cx, std::string& error, Row&& row) {
    std::string_view line;
    for (;;) {
      const auto status = reader.next(line);
      if (status == detail::LineReader::Status::end) return true;
      if (status == detail::LineReader::Status::error) {
        error = cx.who + ": read error: " + reader.error();
        return false;
      }
      const std::uint32_t n = reader.line_number();
      if (status == detail::LineReader::Status::too_long) {
        ++cx.summary.issues;
        b.note_issue(cx.path, n, "line longer than " + std::to_string(detail::LineReader::max_line) + " bytes", line,
                     cx.stored_issues);
        continue;
      }
      if (n == 1) line = strip_bom(line);
      const std::string_view t = trim(line);
      if (t.empty() || t.front() == '#') continue;
      if (!row(n, line, t)) return false;
    }
  }

  bool load_text(Builder& b, detail::LineReader& reader, FileContext& cx, std::string& error) {
    return read_lines(b, reader, cx, error, [&](std::uint32_t n, std::string_view line, std::string_view t) {
      if (auto hash = t.find('#'); hash != std::string_view::npos) t = trim(t.substr(0, hash));
      if (t.find_first_of(" \t,;") != std::string_view::npos) {
        ++cx.summary.issues;
        b.note_issue(cx.path, n, "expected one address per line", line, cx.stored_issues);
        return true;
      }
      if (!parse(cx.file.chain, t)) {
        ++cx.summary.issues;
        b.note_issue(cx.path, n, parse_error, line, cx.stored_issues);
        return true;
      }
      add(scratch.chain, scratch.canonical, detail::Record{n, cx.default_origin, 0, 0, 0});
      ++cx.summary.rows;
      return true;
    });
  }

  bool load_csv(Builder& b, detail::LineReader& reader, FileContext& cx, std::string& error) {
    enum Col { address_col, chain_col, label_col, incident_col, source_col, severity_col, added_at_col, notes_col, n_cols };
    static constexpr std::string_view names[n_cols] = {"address", "chain",    "label",    "incident",
                                                       "source",  "severity", "added_at", "notes"};
    int col[n_cols];
    std::fill(std::begin(col), std::end(col), -1);
    std::size_t header_fields = 0;
    bool have_header = false;
    std::vector<std::string> fields;
    std::size_t count = 0;
    std::string why, chain_text, severity_text;
    Cached label, added_at, notes, source, incident, severity;
    detail::Origin last_origin = cx.defaults;
    std::uint32_t last_origin_id = cx.default_origin;

    auto bad = [&](std::uint32_t n, std::string reason, std::string_view line) {
      ++cx.summary.issues;
      b.note_issue(cx.path, n, std::move(reason), line, cx.stored_issues);
    };
    auto cell = [&](Col c) -> std::string_view {
      return col[c] >= 0 ? std::string_view(fields[static_cast<std::size_t>(col[c])]) : std::string_view();
    };

    return read_lines(b, reader, cx, error, [&](std::uint32_t n, std::string_view line, std::string_view) {
      if (!detail::split_csv(line, fields, count, why)) {
        if (!have_header) {
          error = cx.who + ":" + std::to_string(n) + ": bad header: " + why;
          return false;
        }
        bad(n, why, line);
        return true;
      }
      if (!have_header) {
        std::string all;
        for (std::size_t i = 0; i < count; ++i) {
          std::string name = fields[i];
          to_lower(name);
          all += (i ? ", " : "") + name;
          for (int c = 0; c < n_cols; ++c) {
            if (name != names[c]) continue;
            if (col[c] >= 0) {
              error = cx.who + ":" + std::to_string(n) + ": column '" + name + "' appears twice in the header";
              return false;
            }
            col[c] = static_cast<int>(i);
          }
        }
        if (col[address_col] < 0) {
          error = cx.who + ":" + std::to_string(n) + ": the header names no 'address' column (found: " +
                  detail::excerpt(all) + ")";
          return false;
        }
        header_fields = count;
        have_header = true;
        return true;
      }
      if (std::all_of(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(count),
                      [](const std::string& f) { return f.empty(); })) {
        return true;  // ",,,," left by a spreadsheet
      }
      if (count != header_fields) {
        bad(n,
            std::to_string(count) + " fields where the header has " + std::to_string(header_fields) +
                " (quote fields that contain commas)",
            line);
        return true;
      }
      const std::string_view text = cell(address_col);
      if (text.empty()) {
        bad(n, "empty address", line);
        return true;
      }
      std::optional<Chain> chain = cx.file.chain;
      if (!cell(chain_col).empty()) {
        chain_text.assign(cell(chain_col));
        to_lower(chain_text);
        chain = chain_from_string(chain_text);
        if (!chain) {
          bad(n, "unknown chain '" + chain_text + "' (expected stacks, evm, tron or bitcoin)", line);
          return true;
        }
      }
      std::uint32_t severity_id = cx.defaults.severity;
      if (!cell(severity_col).empty()) {
        severity_text.assign(cell(severity_col));
        to_lower(severity_text);
        if (!known_severity(severity_text)) {
          bad(n, "unknown severity '" + severity_text + "' (expected info, low, medium, high or critical)", line);
          return true;
        }
        severity_id = severity.get(*this, severity_text);
      }
      if (!parse(chain, text)) {
        bad(n, parse_error, line);
        return true;
      }
      detail::Origin o = cx.defaults;
      if (!cell(source_col).empty()) o.source = source.get(*this, cell(source_col));
      if (!cell(incident_col).empty()) o.incident = incident.get(*this, cell(incident_col));
      o.severity = severity_id;
      if (!(o == last_origin)) {
        last_origin = o;
        last_origin_id = origin(o);
      }
      add(scratch.chain, scratch.canonical,
          detail::Record{n, last_origin_id, label.get(*this, cell(label_col)), added_at.get(*this, cell(added_at_col)),
                         notes.get(*this, cell(notes_col))});
      ++cx.summary.rows;
      return true;
    });
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
  im.add(a.chain, a.canonical,
         detail::Record{p.line, im.origin(o), im.intern(p.label), im.intern(p.added_at), im.intern(p.notes)});
}

bool Builder::add_file(const config::WatchlistFile& f, const std::string& base_dir, std::string& error) {
  auto& im = *impl_;
  const std::string path = resolve_path(f.path, base_dir);
  Impl::FileContext cx{f, path, "watchlist '" + f.name + "' (" + path + ")", {}, 0, {}, 0};
  detail::LineReader reader;
  std::string why;
  if (!reader.open(path, why)) {
    error = cx.who + ": cannot read: " + why;
    return false;
  }
  if (reader.stamp().size >= reserve_threshold_bytes) {
    std::size_t lines = 0;
    if (!reader.count_lines(lines, why)) {
      error = cx.who + ": read error: " + why;
      return false;
    }
    im.reserve(lines);
  }
  cx.summary = FileSummary{f.name, path, 0, 0, reader.stamp()};
  cx.defaults = detail::Origin{im.intern(f.path), im.intern(f.name), im.intern(f.source), im.intern(f.incident),
                               im.intern(f.severity)};
  cx.default_origin = im.origin(cx.defaults);
  const std::size_t first_issue = issues_.size();

  const bool ok = f.format == config::WatchlistFile::Format::text ? im.load_text(*this, reader, cx, error)
                                                                  : im.load_csv(*this, reader, cx, error);
  if (!ok) return false;
  if (f.strict && cx.summary.issues > 0) {
    error = cx.who + " is strict and has " + std::to_string(cx.summary.issues) + " bad line" +
            (cx.summary.issues == 1 ? "" : "s");
    if (first_issue < issues_.size()) error += "; first: " + format_issue(issues_[first_issue]);
    return false;
  }
  files_.push_back(std::move(cx.summary));
  return true;
}

void Builder::set_twins(const config::TwinsConfig& twins) { twins_ = twins; }

std::shared_ptr<const Snapshot> Builder::build() {
  auto& im = *impl_;
  im.add_twins(twins_);
  im.group_records();
  im.interned = {};
  im.origin_ids = {};
  auto& s = *im.store;
  // Reserving from line counts can overshoot (comments, duplicates, bad lines).
  if (s.entries.capacity() > s.entries.size() + s.entries.size() / 4 + 1024) s.entries.shrink_to_fit();
  if (s.records.capacity() > s.records.size() + s.records.size() / 4 + 1024) s.records.shrink_to_fit();

  auto snap = std::make_shared<Snapshot>();
  snap->version_ = detail::compute_version(s);
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

LoadOutcome load(const config::WatchlistsConfig& cfg, const std::string& base_dir) {
  Builder b;
  b.set_twins(cfg.twins);
  LoadOutcome out;
  for (const auto& f : cfg.files) {
    if (!b.add_file(f, base_dir, out.error)) {
      out.issues = b.issues();
      out.issue_count = b.issue_count();
      return out;
    }
  }
  out.snapshot = b.build();
  out.issues = out.snapshot->issues();
  out.issue_count = out.snapshot->issue_count();
  return out;
}

Holder::Holder(std::shared_ptr<const Snapshot> initial) : current_(std::move(initial)) {}

}  // namespace fw::watchlist
