// Snapshot::version(): a content hash that does not depend on file order.
//
// Every entry is serialised on its own (u32/u64 little-endian; str = u32
// length + bytes):
//   str(chain) str(address) u32(record count)
//   per provenance record, sorted by (file, line, list, label, incident,
//   source, severity, added_at, notes):
//     str(file) u32(line) str(list) str(label) str(incident) str(source)
//     str(severity) str(added_at) str(notes)
// and digested with SHA-256, of which the first 16 bytes are kept. The
// version is the hex SHA-256 of
//   str("freezewatch-watchlist-v2") u64(entry count) digest[0] digest[1] ...
// with the 16-byte entry digests sorted bytewise. Sorting digests (rather
// than entries by address) lets every pass read memory in load order: on
// ten million entries it is about twice as fast as visiting the entries in
// address order. docs/watchlists.md repeats this; change both (and the tag).
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <tuple>

#include <openssl/evp.h>

#include "core/hex.hpp"
#include "watchlist/store.hpp"

namespace fw::watchlist::detail {

namespace {

// Builds one serialisation in a reusable buffer.
class Writer {
 public:
  void clear() noexcept { buf_.clear(); }
  void u32(std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    buf_.append(b, 4);
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v));
    u32(static_cast<std::uint32_t>(v >> 32));
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    buf_.append(s);
  }
  void provenance(const Provenance& p) {
    str(p.file);
    u32(p.line);
    str(p.list);
    str(p.label);
    str(p.incident);
    str(p.source);
    str(p.severity);
    str(p.added_at);
    str(p.notes);
  }
  const std::string& bytes() const noexcept { return buf_; }

 private:
  std::string buf_;
};

class Sha256 {
 public:
  Sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free), ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (!md_ || !ctx_) throw std::runtime_error("OpenSSL: SHA-256 unavailable");
  }
  void digest(std::string_view data, unsigned char out[32]) {
    begin();
    update(data.data(), data.size());
    finish(out);
  }
  void begin() { EVP_DigestInit_ex2(ctx_.get(), md_.get(), nullptr); }
  void update(const void* p, std::size_t n) { EVP_DigestUpdate(ctx_.get(), p, n); }
  void finish(unsigned char out[32]) {
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), out, &len);
  }

 private:
  std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md_;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// The first 16 bytes of an entry's SHA-256, as two big-endian integers so
// that integer order is bytewise order.
struct Digest {
  std::uint64_t hi = 0, lo = 0;
  friend bool operator<(const Digest& a, const Digest& b) noexcept {
    return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
  }
};

std::uint64_t load_be64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

void store_be64(std::uint64_t v, unsigned char* p) noexcept {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<unsigned char>(v);
}

auto as_tuple(const Provenance& p) {
  return std::tie(p.file, p.line, p.list, p.label, p.incident, p.source, p.severity, p.added_at, p.notes);
}

}  // namespace

std::string compute_version(const Store& s) {
  Sha256 sha;
  Writer w;
  unsigned char md[32];
  std::vector<Digest> digests;
  digests.reserve(s.entries.size());
  std::vector<Provenance> several;
  for (const Entry& e : s.entries) {  // load order: entries, addresses and records are read sequentially
    w.clear();
    w.str(to_string(e.chain));
    w.str(e.address);
    w.u32(static_cast<std::uint32_t>(e.provenance.size()));
    if (e.provenance.size() == 1) {
      w.provenance(e.provenance.front());
    } else {
      several.assign(e.provenance.begin(), e.provenance.end());
      std::sort(several.begin(), several.end(),
                [](const Provenance& a, const Provenance& b) { return as_tuple(a) < as_tuple(b); });
      for (const auto& p : several) w.provenance(p);
    }
    sha.digest(w.bytes(), md);
    digests.push_back(Digest{load_be64(md), load_be64(md + 8)});
  }
  std::sort(digests.begin(), digests.end());

  w.clear();
  w.str("freezewatch-watchlist-v2");
  w.u64(s.entries.size());
  sha.begin();
  sha.update(w.bytes().data(), w.bytes().size());
  unsigned char chunk[4096];
  std::size_t used = 0;
  for (const Digest& d : digests) {
    store_be64(d.hi, chunk + used);
    store_be64(d.lo, chunk + used + 8);
    used += 16;
    if (used == sizeof chunk) {
      sha.update(chunk, used);
      used = 0;
    }
  }
  sha.update(chunk, used);
  sha.finish(md);
  return hex_encode(md, 32);
}

}  // namespace fw::watchlist::detail
