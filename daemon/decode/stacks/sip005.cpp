#include "decode/stacks/sip005.hpp"

#include <algorithm>

#include "address/address.hpp"
#include "address/hash.hpp"
#include "core/hex.hpp"
#include "decode/stacks/detail/clarity_read.hpp"

namespace fw::decode::stacks {

const char* to_string(PayloadType t) noexcept {
  switch (t) {
    case PayloadType::token_transfer: return "token_transfer";
    case PayloadType::smart_contract: return "smart_contract";
    case PayloadType::contract_call: return "contract_call";
    case PayloadType::poison_microblock: return "poison_microblock";
    case PayloadType::coinbase: return "coinbase";
    case PayloadType::coinbase_to_alt_recipient: return "coinbase_to_alt_recipient";
    case PayloadType::versioned_smart_contract: return "versioned_smart_contract";
    case PayloadType::tenure_change: return "tenure_change";
    case PayloadType::nakamoto_coinbase: return "nakamoto_coinbase";
  }
  return "unknown";
}

namespace {

using detail::ByteReader;
using detail::short_read;

constexpr std::uint8_t version_mainnet = 0x00;
constexpr std::uint8_t version_testnet = 0x80;
constexpr std::uint8_t auth_standard = 0x04;
constexpr std::uint8_t auth_sponsored = 0x05;
constexpr std::size_t microblock_header_bytes = 1 + 2 + 32 + 32 + 65;
constexpr std::size_t tenure_change_bytes = 20 + 20 + 20 + 32 + 4 + 1 + 20;
constexpr std::size_t vrf_proof_bytes = 80;

std::string hex_byte(std::uint8_t b) { return "0x" + hex_encode(&b, 1); }

// One pass over a transaction; each step returns false with `error` set.
class TxParser {
 public:
  TxParser(std::span<const std::uint8_t> raw, const ClarityLimits& limits) : r_(raw), budget_{limits} {}

  bool parse(StacksTx& tx) {
    if (!r_.u8(tx.version)) return fail(short_read(r_, 1, "version"));
    if (tx.version != version_mainnet && tx.version != version_testnet)
      return fail_at(r_.offset() - 1, "unknown transaction version " + hex_byte(tx.version));
    tx.network = tx.version == version_mainnet ? Network::mainnet : Network::testnet;
    if (!r_.u32(tx.chain_id)) return fail(short_read(r_, 4, "chain id"));

    std::uint8_t auth;
    if (!r_.u8(auth)) return fail(short_read(r_, 1, "authorization type"));
    if (auth != auth_standard && auth != auth_sponsored)
      return fail_at(r_.offset() - 1, "unknown authorization type " + hex_byte(auth));
    if (!spending_condition(tx.origin, tx.version)) return false;
    if (auth == auth_sponsored) {
      tx.sponsor.emplace();
      if (!spending_condition(*tx.sponsor, tx.version)) return false;
    }

    if (!r_.u8(tx.anchor_mode)) return fail(short_read(r_, 1, "anchor mode"));
    if (!r_.u8(tx.post_condition_mode)) return fail(short_read(r_, 1, "post-condition mode"));
    if (!r_.u32(tx.post_condition_count)) return fail(short_read(r_, 4, "post-condition count"));
    // Each post condition takes at least 11 bytes (STX, origin principal).
    if (static_cast<std::uint64_t>(tx.post_condition_count) * 11 > r_.remaining())
      return fail(std::to_string(tx.post_condition_count) + " post conditions but only " +
                  std::to_string(r_.remaining()) + " bytes left");
    for (std::uint32_t i = 0; i < tx.post_condition_count; ++i)
      if (!post_condition(i)) return false;

    if (!payload(tx)) return false;
    if (!r_.at_end())
      return fail(std::to_string(r_.remaining()) + " bytes after the " + to_string(tx.payload_type) + " payload");
    return true;
  }

  std::string& error() { return error_; }

 private:
  bool fail(std::string why) {
    error_ = why.starts_with("byte ") ? std::move(why) : "byte " + std::to_string(r_.offset()) + ": " + why;
    return false;
  }
  bool fail_at(std::size_t offset, std::string why) {
    error_ = "byte " + std::to_string(offset) + ": " + why;
    return false;
  }

  bool spending_condition(SpendingCondition& c, std::uint8_t tx_version) {
    if (!r_.u8(c.hash_mode)) return fail(short_read(r_, 1, "hash mode"));
    const bool single = c.hash_mode == 0x00 || c.hash_mode == 0x02;
    const bool multi = c.hash_mode == 0x01 || c.hash_mode == 0x03 || c.hash_mode == 0x05 || c.hash_mode == 0x07;
    if (!single && !multi) return fail_at(r_.offset() - 1, "unknown hash mode " + hex_byte(c.hash_mode));
    const std::uint8_t* p;
    if (!r_.bytes(20, p)) return fail(short_read(r_, 20, "signer hash160"));
    std::copy(p, p + 20, c.signer.begin());
    if (!r_.u64(c.nonce)) return fail(short_read(r_, 8, "nonce"));
    if (!r_.u64(c.fee)) return fail(short_read(r_, 8, "fee"));
    const bool mainnet = tx_version == version_mainnet;
    std::uint8_t addr_version = c.hash_mode == 0x00
                                    ? (mainnet ? address::stacks_mainnet_p2pkh : address::stacks_testnet_p2pkh)
                                    : (mainnet ? address::stacks_mainnet_p2sh : address::stacks_testnet_p2sh);
    c.address = address::stacks_address(addr_version, c.signer.data());
    if (single) {
      std::uint8_t key_encoding;
      if (!r_.u8(key_encoding)) return fail(short_read(r_, 1, "key encoding"));
      if (key_encoding > 1) return fail_at(r_.offset() - 1, "unknown key encoding " + hex_byte(key_encoding));
      if (!r_.skip(65)) return fail(short_read(r_, 65, "signature"));
      return true;
    }
    std::uint32_t n;
    if (!r_.u32(n)) return fail(short_read(r_, 4, "auth field count"));
    if (static_cast<std::uint64_t>(n) * 34 > r_.remaining())
      return fail(std::to_string(n) + " auth fields but only " + std::to_string(r_.remaining()) + " bytes left");
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint8_t type;
      if (!r_.u8(type)) return fail(short_read(r_, 1, "auth field type"));
      if (type > 3) return fail_at(r_.offset() - 1, "unknown auth field type " + hex_byte(type));
      std::size_t len = type <= 1 ? 33 : 65;  // public key | signature
      if (!r_.skip(len)) return fail(short_read(r_, len, type <= 1 ? "public key" : "signature"));
    }
    std::uint16_t required;
    if (!r_.u16(required)) return fail(short_read(r_, 2, "signatures required"));
    return true;
  }

  bool principal_address(std::string& out) {
    if (!detail::read_standard_principal(r_, out, error_)) return false;
    return true;
  }

  bool asset_info() {
    std::string s;
    if (!principal_address(s)) return false;
    if (!detail::read_contract_name(r_, s, error_)) return false;
    return detail::read_clarity_name(r_, s, "asset name", error_);
  }

  bool post_condition(std::uint32_t index) {
    std::size_t start = r_.offset();
    std::uint8_t asset_type, principal_type;
    if (!r_.u8(asset_type)) return fail(short_read(r_, 1, "post-condition type"));
    if (asset_type > 2)
      return fail_at(start, "post condition " + std::to_string(index) + ": unknown type " + hex_byte(asset_type));
    if (!r_.u8(principal_type)) return fail(short_read(r_, 1, "post-condition principal"));
    std::string s;
    switch (principal_type) {
      case 0x01: break;  // the origin
      case 0x02:
        if (!principal_address(s)) return false;
        break;
      case 0x03:
        if (!principal_address(s) || !detail::read_contract_name(r_, s, error_)) return false;
        break;
      default:
        return fail_at(r_.offset() - 1, "post condition " + std::to_string(index) + ": unknown principal type " +
                                            hex_byte(principal_type));
    }
    if (asset_type != 0x00 && !asset_info()) return false;
    if (asset_type == 0x02 && !detail::read_clarity(r_, nullptr, budget_, 0, error_)) return false;
    if (!r_.skip(1)) return fail(short_read(r_, 1, "condition code"));
    if (asset_type != 0x02 && !r_.skip(8)) return fail(short_read(r_, 8, "post-condition amount"));
    return true;
  }

  bool recipient_principal(std::string& out, const char* what) {
    ClarityValue v;
    std::size_t start = r_.offset();
    if (!detail::read_clarity(r_, &v, budget_, 0, error_)) return false;
    if (!v.is_principal())
      return fail_at(start, std::string(what) + ": expected a principal, got Clarity type " +
                                hex_byte(static_cast<std::uint8_t>(v.type)));
    out = std::move(v.data);
    return true;
  }

  bool contract_name(std::string& out) { return detail::read_contract_name(r_, out, error_); }

  bool code_body() {
    std::uint32_t len;
    if (!r_.u32(len)) return fail(short_read(r_, 4, "code length"));
    if (!r_.skip(len)) return fail(short_read(r_, len, "code body"));
    return true;
  }

  bool payload(StacksTx& tx) {
    std::uint8_t type;
    if (!r_.u8(type)) return fail(short_read(r_, 1, "payload type"));
    if (type > static_cast<std::uint8_t>(PayloadType::nakamoto_coinbase))
      return fail_at(r_.offset() - 1, "unknown payload type " + hex_byte(type));
    tx.payload_type = static_cast<PayloadType>(type);
    switch (tx.payload_type) {
      case PayloadType::token_transfer: {
        auto& t = tx.token_transfer.emplace();
        if (!recipient_principal(t.recipient, "token-transfer recipient")) return false;
        if (!r_.u64(t.amount)) return fail(short_read(r_, 8, "amount"));
        const std::uint8_t* p;
        if (!r_.bytes(34, p)) return fail(short_read(r_, 34, "memo"));
        std::copy(p, p + 34, t.memo.begin());
        return true;
      }
      case PayloadType::smart_contract: {
        std::string name;
        if (!contract_name(name) || !code_body()) return false;
        tx.deployed_contract = tx.origin.address + "." + name;
        return true;
      }
      case PayloadType::versioned_smart_contract: {
        std::string name;
        if (!r_.skip(1)) return fail(short_read(r_, 1, "clarity version"));
        if (!contract_name(name) || !code_body()) return false;
        tx.deployed_contract = tx.origin.address + "." + name;
        return true;
      }
      case PayloadType::contract_call: return contract_call(tx.contract_call.emplace());
      case PayloadType::poison_microblock:
        if (!r_.skip(2 * microblock_header_bytes)) return fail(short_read(r_, 2 * microblock_header_bytes, "microblock headers"));
        return true;
      case PayloadType::coinbase:
        if (!r_.skip(32)) return fail(short_read(r_, 32, "coinbase buffer"));
        return true;
      case PayloadType::coinbase_to_alt_recipient: {
        std::string recipient;
        if (!r_.skip(32)) return fail(short_read(r_, 32, "coinbase buffer"));
        return recipient_principal(recipient, "coinbase recipient");
      }
      case PayloadType::tenure_change:
        if (!r_.skip(tenure_change_bytes)) return fail(short_read(r_, tenure_change_bytes, "tenure change"));
        return true;
      case PayloadType::nakamoto_coinbase: {
        if (!r_.skip(32)) return fail(short_read(r_, 32, "coinbase buffer"));
        std::size_t start = r_.offset();
        ClarityValue v;
        if (!detail::read_clarity(r_, &v, budget_, 0, error_)) return false;
        bool ok = v.type == ClarityType::none || (v.type == ClarityType::some && v.inner() && v.inner()->is_principal());
        if (!ok) return fail_at(start, "coinbase recipient: expected none or (some principal)");
        if (!r_.skip(vrf_proof_bytes)) return fail(short_read(r_, vrf_proof_bytes, "VRF proof"));
        return true;
      }
    }
    return false;
  }

  bool contract_call(ContractCallPayload& call) {
    std::string name;
    if (!principal_address(call.contract) || !contract_name(name)) return false;
    call.contract += '.';
    call.contract += name;
    if (!detail::read_clarity_name(r_, call.function_name, "function name", error_)) return false;
    std::uint32_t n;
    if (!r_.u32(n)) return fail(short_read(r_, 4, "argument count"));
    if (n > r_.remaining())
      return fail(std::to_string(n) + " arguments but only " + std::to_string(r_.remaining()) + " bytes left");
    const std::size_t args_start = r_.pos();
    call.args.reserve(std::min<std::uint32_t>(n, 16));  // n is attacker-controlled
    for (std::uint32_t i = 0; i < n; ++i) {
      if (detail::read_clarity(r_, &call.args.emplace_back(), budget_, 0, error_)) continue;
      if (budget_.values <= budget_.limits.max_values) return false;
      // Valid but too big to build: check the rest without building it.
      call.args.clear();
      call.args_complete = false;
      r_.seek(args_start);
      for (std::uint32_t j = 0; j < n; ++j)
        if (!detail::read_clarity(r_, nullptr, budget_, 0, error_)) return false;
      return true;
    }
    return true;
  }

  ByteReader r_;
  detail::ClarityBudget budget_;
  std::string error_;
};

}  // namespace

std::string txid_of(std::span<const std::uint8_t> raw) {
  auto digest = address::sha512_256(raw);
  return "0x" + hex_encode(digest);
}

Decoded<StacksTx> decode_transaction(std::span<const std::uint8_t> raw, const ClarityLimits& limits) {
  Decoded<StacksTx> result;
  if (raw.size() > max_tx_bytes) {
    result.error = {Error::bad_tx, "transaction of " + std::to_string(raw.size()) + " bytes (limit " +
                                       std::to_string(max_tx_bytes) + ")"};
    return result;
  }
  TxParser parser(raw, limits);
  if (!parser.parse(result.value)) {
    result.error = {Error::bad_tx, std::move(parser.error())};
    return result;
  }
  result.value.txid = txid_of(raw);
  return result;
}

Decoded<StacksTx> decode_transaction_hex(std::string_view hex, const ClarityLimits& limits) {
  if (hex.size() > 2 * max_tx_bytes + 2) {
    Decoded<StacksTx> result;
    result.error = {Error::bad_tx, "transaction hex of " + std::to_string(hex.size()) + " characters"};
    return result;
  }
  auto bytes = hex_decode(hex);
  if (!bytes) {
    Decoded<StacksTx> result;
    result.error = {Error::bad_tx, "not hex: \"" + excerpt(hex) + "\""};
    return result;
  }
  return decode_transaction(*bytes, limits);
}

}  // namespace fw::decode::stacks
