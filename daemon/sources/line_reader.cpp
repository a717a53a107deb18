#include "sources/detail/line_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fw::sources::detail {

namespace {
constexpr std::size_t kExcerpt = 120;

std::string_view chomp(std::string_view s) {
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}
}  // namespace

LineReader::LineReader(std::size_t max_line, std::size_t chunk)
    // Room for a whole maximal line plus its "\r\n", so a line that fits is
    // always contiguous in the buffer.
    : max_line_(max_line), buf_(std::max(chunk, max_line + 2)) {}

LineReader::~LineReader() {
  if (file_) std::fclose(file_);
}

bool LineReader::open(const std::string& path, std::string& error) {
  if (file_) std::fclose(file_);
  path_ = path;
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  begin_ = end_ = 0;
  eof_ = skipping_ = false;
  return true;
}

bool LineReader::rewind() {
  if (!file_ || std::fseek(file_, 0, SEEK_SET) != 0) {
    error_ = "cannot rewind " + path_ + ": " + std::strerror(errno);
    return false;
  }
  std::clearerr(file_);
  begin_ = end_ = 0;
  eof_ = skipping_ = false;
  return true;
}

// Moves the unread tail to the front and reads more after it.
bool LineReader::fill() {
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  const std::size_t n = std::fread(buf_.data() + end_, 1, buf_.size() - end_, file_);
  end_ += n;
  if (n == 0) {
    if (std::ferror(file_)) {
      error_ = "cannot read " + path_ + ": " + std::strerror(errno);
      return false;
    }
    eof_ = true;
  }
  return true;
}

LineReader::Status LineReader::next(std::string_view& out) {
  if (!file_) {
    error_ = "no file open";
    return Status::error;
  }
  for (;;) {
    const char* start = buf_.data() + begin_;
    const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    if (nl) {
      const std::string_view line(start, static_cast<std::size_t>(nl - start));
      begin_ += line.size() + 1;
      if (skipping_) {
        skipping_ = false;
        out = too_long_excerpt_;
        return Status::too_long;
      }
      out = chomp(line);
      if (out.size() > max_line_) {
        out = out.substr(0, kExcerpt);
        return Status::too_long;
      }
      return Status::line;
    }
    if (eof_) {
      if (begin_ == end_) {
        if (skipping_) {
          skipping_ = false;
          out = too_long_excerpt_;
          return Status::too_long;
        }
        return Status::eof;
      }
      // Last line without a newline.
      const std::string_view line(start, end_ - begin_);
      begin_ = end_;
      if (skipping_) {
        skipping_ = false;
        out = too_long_excerpt_;
        return Status::too_long;
      }
      out = chomp(line);
      if (out.size() > max_line_) {
        out = out.substr(0, kExcerpt);
        return Status::too_long;
      }
      return Status::line;
    }
    // No newline yet. A partial line already past the limit (plus room for
    // "\r") is discarded now; the rest of it is skipped up to its newline.
    if (end_ - begin_ > max_line_ + 1) {
      if (!skipping_) too_long_excerpt_.assign(start, std::min(kExcerpt, end_ - begin_));
      skipping_ = true;
      begin_ = end_ = 0;
    }
    if (!fill()) return Status::error;
  }
}

}  // namespace fw::sources::detail
