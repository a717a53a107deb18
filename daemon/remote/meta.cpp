#include "remote/meta.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace fw::remote {

namespace {

std::optional<std::int64_t> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

}  // namespace

std::optional<CacheMeta> load_meta(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  CacheMeta m;
  std::string line;
  while (std::getline(in, line)) {
    std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    const auto sp = l.find(' ');
    const std::string_view key = l.substr(0, sp);
    const std::string_view value = sp == std::string_view::npos ? std::string_view{} : trim(l.substr(sp + 1));
    if (key == "url_sha256") {
      m.url_sha256 = value;
    } else if (key == "etag") {
      m.etag = value;
    } else if (key == "last_modified") {
      m.last_modified = value;
    } else if (key == "changed_at_ms") {
      m.changed_at_ms = parse_int(value).value_or(0);
    } else if (key == "checked_at_ms") {
      m.checked_at_ms = parse_int(value).value_or(0);
    } else if (key == "body_sha256") {
      m.body_sha256 = value;
    }
  }
  if (in.bad()) return std::nullopt;
  return m;
}

std::string save_meta(const std::string& path, const CacheMeta& meta, bool sync) {
  std::ostringstream out;
  out << "# freezewatch remote list cache metadata\n"
      << "url_sha256 " << meta.url_sha256 << '\n'
      << "etag " << meta.etag << '\n'
      << "last_modified " << meta.last_modified << '\n'
      << "changed_at_ms " << meta.changed_at_ms << '\n'
      << "checked_at_ms " << meta.checked_at_ms << '\n'
      << "body_sha256 " << meta.body_sha256 << '\n';
  const std::string text = out.str();
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string e = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return "cannot write " + tmp + ": " + e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (sync && ::fsync(fd) != 0) {
    const std::string e = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return "cannot fsync " + tmp + ": " + e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string e = std::strerror(errno);
    ::unlink(tmp.c_str());
    return "cannot rename " + tmp + ": " + e;
  }
  return {};
}

namespace {

std::string to_hex(const unsigned char* md, unsigned int len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string url_fingerprint(std::string_view url) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(url.data(), url.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  return to_hex(md, len);
}

std::string file_sha256(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  std::vector<char> buf(1 << 20);
  while (ok) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    ok = EVP_DigestUpdate(ctx, buf.data(), static_cast<std::size_t>(n)) == 1;
  }
  ::close(fd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, md, &len) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? to_hex(md, len) : std::string();
}

}  // namespace fw::remote
