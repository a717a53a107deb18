#include "watchlist/csv.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fw::watchlist::detail {

namespace {

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim_right(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool split_csv(std::string_view line, std::vector<std::string>& fields, std::size_t& count, std::string& error) {
  count = 0;
  std::size_t i = 0;
  const std::size_t n = line.size();
  for (;;) {
    if (count == fields.size()) fields.emplace_back();
    std::string& field = fields[count++];
    field.clear();
    while (i < n && is_blank(line[i])) ++i;
    if (i < n && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        const char c = line[i++];
        if (c != '"') {
          field.push_back(c);
        } else if (i < n && line[i] == '"') {
          field.push_back('"');
          ++i;
        } else {
          closed = true;
          break;
        }
      }
      if (!closed) {
        error = "unterminated quoted field (line breaks inside fields are not supported)";
        return false;
      }
      while (i < n && is_blank(line[i])) ++i;
      if (i < n && line[i] != ',') {
        error = "text after a closing quote in field " + std::to_string(count);
        return false;
      }
    } else {
      const std::size_t start = i;
      while (i < n && line[i] != ',') ++i;
      field.assign(trim_right(line.substr(start, i - start)));
    }
    if (i >= n) break;
    ++i;  // the comma; a trailing comma yields one more (empty) field
  }
  return true;
}

LineReader::~LineReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool LineReader::open(const std::string& path, std::string& error) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error = std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
    return false;
  }
  stamp_.exists = true;
  stamp_.mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  stamp_.ctime_ns = std::int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
  stamp_.size = static_cast<std::uint64_t>(st.st_size);
  stamp_.inode = static_cast<std::uint64_t>(st.st_ino);
  buf_.resize(buffer_size);
  return true;
}

bool LineReader::fill() {
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    base_ += begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  for (;;) {
    const ssize_t got = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (got < 0) {
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      return false;
    }
    if (got == 0) eof_ = true;
    end_ += static_cast<std::size_t>(got);
    return true;
  }
}

LineReader::Status LineReader::next(std::string_view& line) {
  bool too_long = false;
  for (;;) {
    const char* base = buf_.data();
    const auto* nl = static_cast<const char*>(std::memchr(base + begin_, '\n', end_ - begin_));
    if (nl != nullptr || (eof_ && begin_ < end_)) {
      const std::size_t len = nl != nullptr ? static_cast<std::size_t>(nl - (base + begin_)) : end_ - begin_;
      line = std::string_view(base + begin_, len);
      begin_ += nl != nullptr ? len + 1 : len;
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (too_long || line.size() > max_line) return Status::too_long;
      return Status::line;
    }
    if (eof_) {
      if (too_long) {
        ++line_no_;
        return Status::too_long;
      }
      return Status::end;
    }
    if (end_ - begin_ > max_line) {
      // Drop what we have of this line and keep reading until its end.
      too_long = true;
      base_ += end_;
      begin_ = end_ = 0;
    }
    if (!fill()) return Status::error;
  }
}

std::string excerpt(std::string_view line) {
  constexpr std::size_t max = 120;
  if (line.size() <= max) return std::string(line);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  std::string out(line.substr(0, cut));
  out += "...";
  return out;
}

}  // namespace fw::watchlist::detail
