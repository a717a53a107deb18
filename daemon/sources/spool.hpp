// A durable directory spool: bodies accepted over the network are written
// here before they are acknowledged, and removed once their effects are
// durable elsewhere. The stacks_node source spools every event-observer POST
// before answering 200, so a crash after the answer loses nothing.
//
// Layout of `dir`:
//   <seq:20 digits>.<route>.json        one entry (the raw body, byte for byte)
//   <seq>.<route>.json.tmp              a put() cut short by a crash: deleted by open()/list()
//   failed/<seq>.<route>.json           quarantined entry (never retried)
//   failed/<seq>.<route>.json.reason    why (one line of text)
// Other files are left alone and ignored.
//
// Invariants:
// - put() makes an entry visible only complete: it writes <name>.tmp, then
//   (fsync) fdatasync()s it, renames it to <name> and fsync()s the directory.
//   Without fsync an entry survives a process crash (the page cache holds it)
//   but maybe not a power loss; with fsync it survives both once put() returns.
// - seq increases by one per put() and continues after a restart from the
//   highest seq present in dir/ or failed/ (an empty spool may restart at 1:
//   order only matters between entries that exist).
// - list() returns entries in seq order, i.e. the order put() accepted them.
//
// Pure POSIX, no Asio, no logging. Thread: one thread uses a Spool (the io
// thread); pending_entries()/pending_bytes()/quarantined() may be read from
// any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::sources {

struct SpoolOptions {
  std::string dir;     // created (with failed/) when missing
  bool fsync = false;  // true when storage.sync = full: fdatasync the file, fsync the directory
};

struct SpoolEntry {
  std::uint64_t seq = 0;
  std::string route;  // sanitized token, e.g. "new_block"
  std::string path;   // full path of the entry file
  std::uint64_t bytes = 0;
};

class Spool {
 public:
  // Creates `dir` and `dir/failed` when missing, deletes *.json.tmp
  // leftovers and finds the next seq. nullptr + `error` (naming the path and
  // the system error) when the directory is unusable.
  static std::unique_ptr<Spool> open(const SpoolOptions& options, std::string& error);

  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Writes `body` as the next entry. `route` is sanitized with
  // route_from_path() (so "/new_block" and "new_block" are the same). On
  // failure (disk full, I/O error) nothing is left behind and `error` says why;
  // the seq is consumed anyway.
  std::optional<SpoolEntry> put(std::string_view route, std::string_view body, std::string& error);

  // Entries in seq order. Deletes *.json.tmp leftovers it meets. Resets the
  // pending counters from what it found. `error` (if given) is set when the
  // directory cannot be read (an empty list is returned then).
  std::vector<SpoolEntry> list(std::string* error = nullptr);

  // The entry's body; nullopt + `error` when it cannot be read.
  std::optional<std::string> read(const SpoolEntry& entry, std::string& error) const;

  // Deletes the entry. An entry that is already gone is not an error.
  bool remove(const SpoolEntry& entry, std::string& error);

  // Moves the entry to failed/ and writes failed/<name>.reason with `reason`
  // (CR/LF replaced by spaces). It is never listed again.
  bool quarantine(const SpoolEntry& entry, std::string_view reason, std::string& error);

  // "/new_block" -> "new_block", "/attachments/new" -> "attachments_new":
  // lower case [a-z0-9_-], anything else becomes '_', runs of '_' collapse,
  // leading/trailing '_' dropped, at most 48 characters, "" -> "body".
  static std::string route_from_path(std::string_view path);

  const std::string& dir() const noexcept { return dir_; }
  std::uint64_t next_seq() const noexcept { return next_seq_; }
  std::uint64_t pending_entries() const noexcept { return pending_entries_.load(std::memory_order_relaxed); }
  std::uint64_t pending_bytes() const noexcept { return pending_bytes_.load(std::memory_order_relaxed); }
  std::uint64_t quarantined() const noexcept { return quarantined_.load(std::memory_order_relaxed); }

 private:
  explicit Spool(const SpoolOptions& options);
  bool sync_dir(int fd, std::string& error) const;
  void add_pending(std::int64_t entries, std::int64_t bytes) noexcept;

  std::string dir_;
  std::string failed_dir_;
  bool fsync_ = false;
  int dir_fd_ = -1;
  int failed_fd_ = -1;
  std::uint64_t next_seq_ = 1;
  std::atomic<std::uint64_t> pending_entries_{0};
  std::atomic<std::uint64_t> pending_bytes_{0};
  std::atomic<std::uint64_t> quarantined_{0};
};

}  // namespace fw::sources
