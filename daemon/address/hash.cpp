// OpenSSL-backed digests.
//
// SHA-256 -- two per base58check / c32check address, one per entry of a
// watchlist's version: tens of millions when a large list loads -- uses
// OpenSSL's low-level SHA256_Init/Update/Final on a context on the stack.
// They are deprecated in OpenSSL 3 but still built (and use the same SHA-NI
// / AVX2 block functions); the alternatives cost far more for inputs this
// small. Measured on this project's 2-vCPU build machine, 25-byte input:
// SHA256_Init/Update/Final 73 ns, EVP with a prefetched EVP_MD and a reused
// EVP_MD_CTX 122 ns, and the one-shot SHA256() 865 ns -- in OpenSSL 3 it is
// EVP_Q_digest(), which fetches the algorithm (locks, provider lookup,
// allocations) on every call.
//
// The other digests go through EVP: each algorithm is fetched once and each
// thread reuses one EVP_MD_CTX.
#include "address/hash.hpp"

#include <stdexcept>
#include <string>

#define OPENSSL_SUPPRESS_DEPRECATED  // SHA256_Init/Update/Final: see above
#include <openssl/evp.h>
#include <openssl/sha.h>

namespace fw::address {
namespace {

// Intentionally never freed: the digests live for the whole process and
// freeing them from a static destructor could race OpenSSL's own atexit cleanup.
const EVP_MD* fetch(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (!md) throw std::runtime_error(std::string("OpenSSL: digest unavailable: ") + name);
  return md;
}

const EVP_MD* md_sha512_256() {
  static const EVP_MD* md = fetch("SHA512-256");
  return md;
}
const EVP_MD* md_ripemd160() {
  static const EVP_MD* md = fetch("RIPEMD160");
  return md;
}

class ThreadContext {
 public:
  ThreadContext() : ctx_(EVP_MD_CTX_new()) {}
  ~ThreadContext() { EVP_MD_CTX_free(ctx_); }
  ThreadContext(const ThreadContext&) = delete;
  ThreadContext& operator=(const ThreadContext&) = delete;
  EVP_MD_CTX* get() const noexcept { return ctx_; }

 private:
  EVP_MD_CTX* ctx_;
};

template <std::size_t N>
std::array<std::uint8_t, N> digest(const EVP_MD* md, const std::uint8_t* p, std::size_t n) {
  thread_local ThreadContext tc;
  std::array<std::uint8_t, N> out;
  unsigned int len = 0;
  EVP_MD_CTX* ctx = tc.get();
  if (!ctx || EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, p, n) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != N) {
    throw std::runtime_error("OpenSSL: digest computation failed");
  }
  return out;
}

}  // namespace

void sha256_into(const void* data, std::size_t n, std::uint8_t out[32]) noexcept {
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, data, n);
  SHA256_Final(out, &c);
}

Digest32 sha256(ByteSpan data) {
  Digest32 out;
  sha256_into(data.data(), data.size(), out.data());
  return out;
}

Digest32 double_sha256(ByteSpan data) {
  Digest32 first = sha256(data);
  return sha256(ByteSpan(first));
}

Digest32 sha512_256(ByteSpan data) { return digest<32>(md_sha512_256(), data.data(), data.size()); }

Digest20 hash160(ByteSpan data) {
  Digest32 s = sha256(data);
  return digest<20>(md_ripemd160(), s.data(), s.size());
}

}  // namespace fw::address
