#include "delivery/signing.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace fw::delivery {
namespace {

constexpr std::string_view kPrefix = "whsec_";
std::string position(std::size_t i) { return "secret " + std::to_string(i) + ": "; }

}  // namespace

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
