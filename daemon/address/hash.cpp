// OpenSSL-backed digests. SHA-256 -- two of them per base58check / c32check
// address, the bulk of loading a large list -- uses the one-shot SHA256(),
// which skips the EVP provider-context set-up that costs about a third of a
// digest this small (measured while profiling a 10M-entry load). The others
// go through EVP: each algorithm is fetched once (EVP_MD_fetch is costly: it
// takes locks and searches the provider tables) and each thread reuses one
// EVP_MD_CTX.
#include "address/hash.hpp"

#include <stdexcept>
#include <string>

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

Digest32 sha256(ByteSpan data) {
  Digest32 out;
  ::SHA256(data.data(), data.size(), out.data());
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
