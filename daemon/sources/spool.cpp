#include "sources/spool.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fw::sources {

namespace {

constexpr std::size_t kSeqDigits = 20;
constexpr std::size_t kMaxRoute = 48;
constexpr std::string_view kSuffix = ".json";
constexpr std::string_view kTmpSuffix = ".json.tmp";

std::string sys_error(std::string_view what, const std::string& path, int err) {
  std::string out(what);
  out += ' ';
  out += path;
  out += ": ";
  out += std::strerror(err);
  return out;
}

bool route_char(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

struct ParsedName {
  std::uint64_t seq = 0;
  std::string route;
  bool tmp = false;
};

// "<20 digits>.<route>.json" or the same + ".tmp"; anything else: nullopt.
std::optional<ParsedName> parse_name(std::string_view name) {
  ParsedName p;
  if (name.size() > kTmpSuffix.size() && name.substr(name.size() - kTmpSuffix.size()) == kTmpSuffix) {
    p.tmp = true;
    name.remove_suffix(kTmpSuffix.size());
  } else if (name.size() > kSuffix.size() && name.substr(name.size() - kSuffix.size()) == kSuffix) {
    name.remove_suffix(kSuffix.size());
  } else {
    return std::nullopt;
  }
  if (name.size() < kSeqDigits + 2 || name[kSeqDigits] != '.') return std::nullopt;
  for (std::size_t i = 0; i < kSeqDigits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (p.seq > (UINT64_MAX - digit) / 10) return std::nullopt;
    p.seq = p.seq * 10 + digit;
  }
  const std::string_view route = name.substr(kSeqDigits + 1);
  if (route.empty() || route.size() > kMaxRoute || !std::all_of(route.begin(), route.end(), route_char))
    return std::nullopt;
  p.route = std::string(route);
  return p;
}

std::string entry_name(std::uint64_t seq, std::string_view route) {
  char digits[kSeqDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(seq));
  std::string out(digits, kSeqDigits);
  out += '.';
  out += route;
  out += kSuffix;
  return out;
}

std::string file_name_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool make_dir(const std::string& path, std::string& error) {
  if (::mkdir(path.c_str(), 0750) == 0) return true;
  if (errno != EEXIST) {
    error = sys_error("cannot create spool directory", path, errno);
    return false;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = sys_error("cannot stat spool directory", path, errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    error = "spool path " + path + " exists and is not a directory";
    return false;
  }
  return true;
}

// Creates every missing component of `path` (like mkdir -p).
bool make_dirs(const std::string& path, std::string& error) {
  for (std::size_t pos = 1; pos < path.size(); ++pos) {
    if (path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0750) != 0 && errno != EEXIST) {
      error = sys_error("cannot create spool directory", prefix, errno);
      return false;
    }
  }
  return make_dir(path, error);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Writes `data` to `path` (created exclusively), fdatasync'ed when asked.
bool write_file(const std::string& path, std::string_view data, bool sync, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = sys_error("cannot create", path, errno);
    return false;
  }
  bool ok = write_all(fd, data);
  if (!ok) error = sys_error("cannot write", path, errno);
  if (ok && sync && ::fdatasync(fd) != 0) {
    ok = false;
    error = sys_error("cannot fdatasync", path, errno);
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    error = sys_error("cannot close", path, errno);
  }
  if (!ok) ::unlink(path.c_str());
  return ok;
}

// Highest seq among entry names (complete or tmp) in `dir`; 0 when none.
std::uint64_t highest_seq(const std::string& dir) {
  std::uint64_t highest = 0;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    constexpr std::string_view kReason = ".reason";
    if (name.size() > kReason.size() && name.substr(name.size() - kReason.size()) == kReason)
      name.remove_suffix(kReason.size());
    if (auto p = parse_name(name)) highest = std::max(highest, p->seq);
  }
  ::closedir(d);
  return highest;
}

}  // namespace

Spool::Spool(const SpoolOptions& options)
    : dir_(options.dir), failed_dir_(options.dir + "/failed"), fsync_(options.fsync) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  failed_dir_ = dir_ + "/failed";
}

Spool::~Spool() {
  if (dir_fd_ >= 0) ::close(dir_fd_);
  if (failed_fd_ >= 0) ::close(failed_fd_);
}

std::unique_ptr<Spool> Spool::open(const SpoolOptions& options, std::string& error) {
  if (options.dir.empty()) {
    error = "spool directory is not set";
    return nullptr;
  }
  std::unique_ptr<Spool> spool(new Spool(options));
  auto& s = *spool;
  if (!make_dirs(s.dir_, error) || !make_dir(s.failed_dir_, error)) return nullptr;
  s.dir_fd_ = ::open(s.dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.dir_fd_ < 0) {
    error = sys_error("cannot open spool directory", s.dir_, errno);
    return nullptr;
  }
  s.failed_fd_ = ::open(s.failed_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.failed_fd_ < 0) {
    error = sys_error("cannot open spool directory", s.failed_dir_, errno);
    return nullptr;
  }
  // Probe writability now rather than at the first POST.
  if (::faccessat(s.dir_fd_, ".", W_OK, AT_EACCESS) != 0) {
    error = sys_error("spool directory is not writable", s.dir_, errno);
    return nullptr;
  }
  std::string list_error;
  const auto entries = s.list(&list_error);
  if (!list_error.empty()) {
    error = list_error;
    return nullptr;
  }
  // list() deleted the tmp leftovers; failed/ keeps seqs that must not be reused.
  std::uint64_t highest = entries.empty() ? 0 : entries.back().seq;
  highest = std::max(highest, highest_seq(s.failed_dir_));
  s.next_seq_ = highest + 1;
  std::uint64_t failed = 0;
  if (DIR* d = ::opendir(s.failed_dir_.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (auto p = parse_name(e->d_name); p && !p->tmp) ++failed;
    ::closedir(d);
  }
  s.quarantined_.store(failed, std::memory_order_relaxed);
  return spool;
}

std::string Spool::route_from_path(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (out.size() >= kMaxRoute) break;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!route_char(c)) c = '_';
    if (c == '_' && (out.empty() || out.back() == '_')) continue;  // no leading '_', no runs
    out += c;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty()) out = "body";
  return out;
}

bool Spool::sync_dir(int fd, std::string& error) const {
  if (!fsync_) return true;
  if (::fsync(fd) != 0) {
    error = sys_error("cannot fsync directory", fd == dir_fd_ ? dir_ : failed_dir_, errno);
    return false;
  }
  return true;
}

void Spool::add_pending(std::int64_t entries, std::int64_t bytes) noexcept {
  // Single writer thread: load + store is enough.
  const auto e = static_cast<std::int64_t>(pending_entries_.load(std::memory_order_relaxed)) + entries;
  const auto b = static_cast<std::int64_t>(pending_bytes_.load(std::memory_order_relaxed)) + bytes;
  pending_entries_.store(static_cast<std::uint64_t>(std::max<std::int64_t>(e, 0)), std::memory_order_relaxed);
  pending_bytes_.store(static_cast<std::uint64_t>(std::max<std::int64_t>(b, 0)), std::memory_order_relaxed);
}

std::optional<SpoolEntry> Spool::put(std::string_view route, std::string_view body, std::string& error) {
  SpoolEntry entry;
  entry.seq = next_seq_++;
  entry.route = route_from_path(route);
  entry.path = dir_ + "/" + entry_name(entry.seq, entry.route);
  entry.bytes = body.size();
  const std::string tmp = entry.path + ".tmp";
  if (!write_file(tmp, body, fsync_, error)) return std::nullopt;
  if (::rename(tmp.c_str(), entry.path.c_str()) != 0) {
    error = sys_error("cannot rename into place", entry.path, errno);
    ::unlink(tmp.c_str());
    return std::nullopt;
  }
  if (!sync_dir(dir_fd_, error)) {
    // The file is complete under its final name; only its durability is in
    // doubt. Removing it keeps "acknowledged => durable" honest.
    ::unlink(entry.path.c_str());
    return std::nullopt;
  }
  add_pending(1, static_cast<std::int64_t>(entry.bytes));
  return entry;
}

std::vector<SpoolEntry> Spool::list(std::string* error) {
  std::vector<SpoolEntry> out;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) {
    if (error) *error = sys_error("cannot read spool directory", dir_, errno);
    return out;
  }
  std::vector<std::string> leftovers;
  while (const dirent* e = ::readdir(d)) {
    auto p = parse_name(e->d_name);
    if (!p) continue;
    std::string path = dir_ + "/" + e->d_name;
    if (p->tmp) {
      leftovers.push_back(std::move(path));
      continue;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    out.push_back(SpoolEntry{p->seq, std::move(p->route), std::move(path), static_cast<std::uint64_t>(st.st_size)});
  }
  ::closedir(d);
  for (const auto& path : leftovers) ::unlink(path.c_str());
  std::sort(out.begin(), out.end(), [](const SpoolEntry& a, const SpoolEntry& b) { return a.seq < b.seq; });
  std::uint64_t bytes = 0;
  for (const auto& e : out) bytes += e.bytes;
  pending_entries_.store(out.size(), std::memory_order_relaxed);
  pending_bytes_.store(bytes, std::memory_order_relaxed);
  return out;
}

std::optional<std::string> Spool::read(const SpoolEntry& entry, std::string& error) const {
  const int fd = ::open(entry.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = sys_error("cannot open", entry.path, errno);
    return std::nullopt;
  }
  std::string body;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) body.reserve(static_cast<std::size_t>(st.st_size));
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = sys_error("cannot read", entry.path, errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    body.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return body;
}

bool Spool::remove(const SpoolEntry& entry, std::string& error) {
  if (::unlink(entry.path.c_str()) != 0) {
    if (errno == ENOENT) return true;
    error = sys_error("cannot delete", entry.path, errno);
    return false;
  }
  add_pending(-1, -static_cast<std::int64_t>(entry.bytes));
  // Not fsync'ed: an entry that comes back after a power loss is processed
  // again, which the consumers tolerate (at-least-once).
  return true;
}

bool Spool::quarantine(const SpoolEntry& entry, std::string_view reason, std::string& error) {
  const std::string name = file_name_of(entry.path);
  const std::string target = failed_dir_ + "/" + name;
  if (::rename(entry.path.c_str(), target.c_str()) != 0) {
    error = sys_error("cannot move to failed/", entry.path, errno);
    return false;
  }
  add_pending(-1, -static_cast<std::int64_t>(entry.bytes));
  quarantined_.store(quarantined_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::string text(reason);
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  text += '\n';
  const std::string reason_path = target + ".reason";
  ::unlink(reason_path.c_str());  // a previous attempt's
  if (!write_file(reason_path, text, fsync_, error)) return false;
  return sync_dir(failed_fd_, error) && sync_dir(dir_fd_, error);
}

}  // namespace fw::sources
