// Internal: line reading and CSV field splitting for watchlist files.
// Not part of the public API; exposed for the unit tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "watchlist/watchlist.hpp"

namespace fw::watchlist::detail {

// Splits one CSV record held on one physical line (line break removed) into
// `fields[0..count)`, RFC 4180 style: fields are separated by commas; a field
// may be enclosed in double quotes, and then may contain commas and "" (one
// quote). Spaces around a field are dropped (addresses never carry any); a
// quote inside an unquoted field is kept as is. Line breaks inside quoted
// fields are NOT supported: an unclosed quote is an error ("unterminated
// quoted field"), so one stray quote cannot swallow the rest of a file.
// `fields` is reused across calls (strings keep their capacity) and never shrinks.
bool split_csv(std::string_view line, std::vector<std::string>& fields, std::size_t& count, std::string& error);

// Reads a file line by line through a 1 MiB buffer, without holding the file
// in memory. Lines are returned without "\n" / "\r\n", as views valid until
// the next call. Lines longer than max_line are reported and skipped.
class LineReader {
 public:
  static constexpr std::size_t buffer_size = std::size_t{1} << 20;
  static constexpr std::size_t max_line = 64 * 1024;

  enum class Status { line, end, too_long, error };

  LineReader() = default;
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Opens a regular file; on failure `error` says why ("No such file or directory").
  bool open(const std::string& path, std::string& error);
  // The opened file as fstat() saw it.
  const FileStamp& stamp() const noexcept { return stamp_; }

  Status next(std::string_view& line);
  std::uint32_t line_number() const noexcept { return line_no_; }
  // File offset just past the last line returned (its line break included).
  std::uint64_t offset() const noexcept { return base_ + begin_; }
  const std::string& error() const noexcept { return error_; }

 private:
  bool fill();
  int fd_ = -1;
  FileStamp stamp_;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;
  std::uint64_t base_ = 0;  // file offset of buf_[0]
  bool eof_ = false;
  std::uint32_t line_no_ = 0;
  std::string error_;
};

// Spaces and tabs around a field or line removed.
inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A UTF-8 byte order mark at the start of a file removed.
inline std::string_view strip_bom(std::string_view s) noexcept {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

// ASCII only: std::tolower asks the locale for every character.
inline void to_lower_ascii(std::string& s) noexcept {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// The excerpt of a line shown in a LoadIssue: at most 120 bytes, cut on a
// UTF-8 boundary, with "..." when cut.
std::string excerpt(std::string_view line);

}  // namespace fw::watchlist::detail
