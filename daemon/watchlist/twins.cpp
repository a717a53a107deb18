#include "watchlist/twins.hpp"

#include <cstring>

#include "address/hash.hpp"
#include "core/hex.hpp"

namespace fw::watchlist {

namespace {

constexpr std::string_view kDerivedPrefix = "derived from ";

}  // namespace

std::optional<address::Address> twin_of(const address::Address& a, const config::TwinsConfig& twins) {
  using address::Kind;
  if (a.payload.size() != 20) return std::nullopt;
  // The encoders below give canonical text: nothing needs parsing again.
  address::Address t;
  t.payload = a.payload;
  t.network = a.network;
  switch (a.kind) {
    case Kind::evm:
      if (!twins.evm_tron) return std::nullopt;
      t.chain = Chain::tron;
      t.kind = Kind::tron;
      t.version = address::tron_version;
      t.network = Network::mainnet;  // TRON addresses do not tell networks apart
      t.canonical = address::tron_address(a.payload.data());
      return t;
    case Kind::tron:
      if (!twins.evm_tron) return std::nullopt;
      t.chain = Chain::evm;
      t.kind = Kind::evm;
      t.version = 0;
      t.canonical = address::evm_address(a.payload.data());
      return t;
    case Kind::stacks_standard: {
      if (!twins.stacks_bitcoin) return std::nullopt;
      auto v = address::bitcoin_version_for_stacks(a.version);
      if (!v) return std::nullopt;
      t.chain = Chain::bitcoin;
      t.kind = *v == address::bitcoin_mainnet_p2sh || *v == address::bitcoin_testnet_p2sh ? Kind::bitcoin_p2sh
                                                                                         : Kind::bitcoin_p2pkh;
      t.version = *v;
      t.canonical = address::bitcoin_base58_address(*v, a.payload.data());
      return t;
    }
    case Kind::bitcoin_p2pkh:
    case Kind::bitcoin_p2sh: {
      if (!twins.stacks_bitcoin) return std::nullopt;
      auto v = address::stacks_version_for_bitcoin(a.version);
      if (!v) return std::nullopt;
      t.chain = Chain::stacks;
      t.kind = Kind::stacks_standard;
      t.version = *v;
      t.canonical = address::stacks_address(*v, a.payload.data());
      return t;
    }
    case Kind::stacks_contract:
    case Kind::bitcoin_segwit:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<address::Address> twin_of(Chain chain, std::string_view canonical, const config::TwinsConfig& twins,
                                        address::Address& scratch) {
  std::string error;
  if (!address::parse_into(chain, canonical, scratch, error)) return std::nullopt;
  return twin_of(scratch, twins);
}

std::string derived_notes(std::string_view original_address, std::string_view original_notes) {
  std::string out(kDerivedPrefix);
  out += original_address;
  out += " (same key)";
  if (!original_notes.empty()) {
    out += "; ";
    out += original_notes;
  }
  return out;
}

bool is_derived(std::string_view notes) noexcept { return notes.starts_with(kDerivedPrefix); }

namespace detail {

bool parse_tron_base58(std::string_view text, address::Address& out) {
  if (text.size() != 34 || text[0] != 'T') return false;
  std::uint8_t b[25];
  if (!address::tron_bytes(text, b) || b[0] != address::tron_version) return false;
  if (std::memcmp(address::double_sha256(address::ByteSpan(b, 21)).data(), b + 21, 4) != 0) return false;
  out.chain = Chain::tron;
  out.network = Network::mainnet;
  out.kind = address::Kind::tron;
  out.version = address::tron_version;
  out.payload.assign(b + 1, b + 21);
  out.canonical.assign(text);
  return true;
}

bool evm_tron_twin_text(Chain chain, std::string_view canonical, std::string& out, Chain& out_chain) {
  if (chain == Chain::evm && canonical.size() == 42) {
    std::uint8_t b[20];
    if (!hex_decode_into(canonical.substr(2), b, 20)) return false;
    out.clear();
    address::append_tron_address(b, out);
    out_chain = Chain::tron;
    return true;
  }
  if (chain == Chain::tron && canonical.size() == 34) {
    std::uint8_t b[25];
    if (!address::tron_bytes(canonical, b)) return false;
    out.assign("0x");
    out.resize(42);
    hex_encode_into(b + 1, 20, out.data() + 2);
    out_chain = Chain::evm;
    return true;
  }
  return false;
}

bool twin_text(Chain chain, std::string_view canonical, const config::TwinsConfig& twins, address::Address& scratch,
               std::string& out, Chain& out_chain) {
  if (chain == Chain::evm || chain == Chain::tron)
    return twins.evm_tron && evm_tron_twin_text(chain, canonical, out, out_chain);
  if (!twins.stacks_bitcoin) return false;  // no parse for nothing
  auto t = twin_of(chain, canonical, twins, scratch);
  if (!t) return false;
  out = std::move(t->canonical);
  out_chain = t->chain;
  return true;
}

}  // namespace detail


}  // namespace fw::watchlist
