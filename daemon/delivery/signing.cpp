#include "delivery/signing.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace fw::delivery {
namespace {

constexpr std::string_view kPrefix = "whsec_";
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string position(std::size_t i) { return "secret " + std::to_string(i) + ": "; }

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                            (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) | std::uint8_t(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (rest == 2) v |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view s) {
  // Padding is optional (the Python library appends "==" before decoding, so
  // unpadded secrets work there and must work here too).
  std::size_t pad = 0;
  while (!s.empty() && s.back() == '=') {
    s.remove_suffix(1);
    ++pad;
  }
  if (pad > 2 || s.size() % 4 == 1) return std::nullopt;  // a lone sextet holds no whole byte
  if (pad > 0 && (s.size() + pad) % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(s.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    const int v = sextet(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

KeyResult decode_secret(std::string_view secret) {
  KeyResult r;
  if (secret.empty()) {
    r.error = "secret is empty";
    return r;
  }
  if (secret.substr(0, kPrefix.size()) != kPrefix) {
    r.error = "secret must start with whsec_ (Standard Webhooks format)";
    return r;
  }
  secret.remove_prefix(kPrefix.size());
  if (secret.empty()) {
    r.error = "secret has nothing after the whsec_ prefix";
    return r;
  }
  auto key = base64_decode(secret);
  if (!key) {
    r.error = "secret is not valid base64 after the whsec_ prefix";
    return r;
  }
  if (key->size() < min_key_bytes || key->size() > max_key_bytes) {
    r.error = "secret decodes to " + std::to_string(key->size()) + " bytes; Standard Webhooks keys are " +
              std::to_string(min_key_bytes) + " to " + std::to_string(max_key_bytes) + " bytes";
    return r;
  }
  r.key = std::move(*key);
  return r;
}

std::string check_message_id(std::string_view id) {
  if (id.empty()) return "webhook-id is empty";
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '.') return "webhook-id must not contain '.'";
    if (u <= 0x20 || u >= 0x7f) return "webhook-id must be printable ASCII without spaces";
  }
  return {};
}

std::string sign_with_key(std::string_view key, std::string_view id, std::int64_t timestamp_s,
                          std::string_view body) {
  std::string content;
  content.reserve(id.size() + 24 + body.size());
  content.append(id);
  content += '.';
  content += std::to_string(timestamp_s);
  content += '.';
  content.append(body);

  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(content.data()),
       content.size(), mac.data(), &mac_len);
  return "v1," + base64_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac_len));
}

SignResult sign(std::string_view secret, std::string_view id, std::int64_t timestamp_s, std::string_view body) {
  SignResult r;
  if (auto e = check_message_id(id); !e.empty()) {
    r.error = std::move(e);
    return r;
  }
  auto key = decode_secret(secret);
  if (!key) {
    r.error = std::move(key.error);
    return r;
  }
  r.value = sign_with_key(*key.key, id, timestamp_s, body);
  return r;
}

SignResult signature_header(const std::vector<std::string>& secrets, std::string_view id, std::int64_t timestamp_s,
                            std::string_view body) {
  SignResult r;
  std::string error;
  auto signer = Signer::create(secrets, error);
  if (!signer) {
    r.error = std::move(error);
    return r;
  }
  if (auto e = check_message_id(id); !e.empty()) {
    r.error = std::move(e);
    return r;
  }
  r.value = signer->header(id, timestamp_s, body);
  return r;
}

std::optional<Signer> Signer::create(const std::vector<std::string>& secrets, std::string& error) {
  if (secrets.empty()) {
    error = "no signing secret (Standard Webhooks needs at least one whsec_ secret)";
    return std::nullopt;
  }
  Signer s;
  s.keys_.reserve(secrets.size());
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    auto key = decode_secret(secrets[i]);
    if (!key) {
      error = position(i) + key.error;
      return std::nullopt;
    }
    s.keys_.push_back(std::move(*key.key));
  }
  return s;
}

std::string Signer::header(std::string_view id, std::int64_t timestamp_s, std::string_view body) const {
  std::string out;
  for (const auto& key : keys_) {
    if (!out.empty()) out += ' ';
    out += sign_with_key(key, id, timestamp_s, body);
  }
  return out;
}

bool verify(std::string_view key, std::string_view header, std::string_view id, std::int64_t timestamp_s,
            std::string_view body) {
  const std::string expected = sign_with_key(key, id, timestamp_s, body);
  bool any = false;
  while (!header.empty()) {
    const auto space = header.find(' ');
    const std::string_view entry = header.substr(0, space);
    header = space == std::string_view::npos ? std::string_view{} : header.substr(space + 1);
    if (entry.size() != expected.size() || entry.substr(0, 3) != "v1,") continue;
    if (CRYPTO_memcmp(entry.data(), expected.data(), expected.size()) == 0) any = true;
  }
  return any;
}

}  // namespace fw::delivery
