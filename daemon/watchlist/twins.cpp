#include "watchlist/twins.hpp"


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


}  // namespace fw::watchlist
