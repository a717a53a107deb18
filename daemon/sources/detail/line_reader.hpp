// Reads a file line by line into one reused buffer: no allocation per line.
// Lines end at '\n' (a trailing '\r' is dropped); the last line may lack its
// newline. A line longer than max_line is skipped as a whole and reported as
// too_long with an excerpt of its start, without ever buffering all of it.
// Not thread-safe; views returned stay valid until the next call.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace fw::sources::detail {

class LineReader {
 public:
  enum class Status { line, too_long, eof, error };

  explicit LineReader(std::size_t max_line, std::size_t chunk = std::size_t{1} << 20);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // False with a message ("cannot open x: No such file or directory").
  bool open(const std::string& path, std::string& error);
  // Back to the first line (for looping replays). False on a seek error.
  bool rewind();

  // line: `out` is the line. too_long: `out` is an excerpt of its start.
  // error: error() says why.
  Status next(std::string_view& out);
  const std::string& error() const noexcept { return error_; }

 private:
  bool fill();

  std::size_t max_line_;
  std::FILE* file_ = nullptr;
  std::string path_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  bool skipping_ = false;   // inside an overlong line, discarding up to its newline
  std::string too_long_excerpt_;
  std::string error_;
};

}  // namespace fw::sources::detail
