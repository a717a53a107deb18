#include "decode/deposit.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "address/address.hpp"
#include "decode/names.hpp"
#include "decode/units.hpp"

namespace fw::decode {

const char* to_string(Reject r) noexcept {
  switch (r) {
    case Reject::none: return "none";
    case Reject::not_json: return "not_json";
    case Reject::not_object: return "not_object";
    case Reject::missing_field: return "missing_field";
    case Reject::bad_field: return "bad_field";
    case Reject::bad_chain: return "bad_chain";
    case Reject::bad_address: return "bad_address";
    case Reject::bad_amount: return "bad_amount";
  }
  return "unknown";
}

namespace {

namespace od = simdjson::ondemand;

// Canonical field slots. The first 20 are config::deposit_fields (mappable);
// `type` is the deposit/not-a-deposit discriminator.
enum Field : std::uint8_t {
  f_deposit_id, f_account_id, f_chain, f_network, f_asset_symbol, f_asset_contract,
  f_asset_decimals, f_sender, f_senders, f_recipient, f_deposit_address, f_amount,
  f_amount_decimal, f_tx_id, f_event_index, f_block_height, f_status, f_memo,
  f_credited, f_timestamp, f_type, f_count
};

constexpr std::string_view field_names[f_count] = {
    "deposit_id",     "account_id",  "chain",        "network",      "asset_symbol", "asset_contract",
    "asset_decimals", "sender",      "senders",      "recipient",    "deposit_address", "amount",
    "amount_decimal", "tx_id",       "event_index",  "block_height", "status",       "memo",
    "credited",       "timestamp",   "type"};

constexpr std::uint32_t bit(Field f) noexcept { return 1u << f; }

std::optional<Field> field_from_name(std::string_view name) noexcept {
  for (std::uint8_t i = 0; i < f_count; ++i)
    if (field_names[i] == name) return static_cast<Field>(i);
  return std::nullopt;
}

constexpr std::size_t max_id_bytes = 256;
constexpr std::size_t max_memo_bytes = 4096;
constexpr std::size_t max_symbol_bytes = 64;
constexpr std::size_t max_senders = 1000;
constexpr std::size_t max_depth = 64;
constexpr std::size_t initial_capacity = 64 * 1024;

// One JSON value as seen during the walk. `text` is the unescaped string,
// the number token exactly as written, or "true"/"false"; it points into the
// parser's buffers and is valid until the next decode().
struct Raw {
  enum class Kind : std::uint8_t { absent, null, string, number, boolean, object, array };
  Kind kind = Kind::absent;
  std::string_view text;

  bool present() const noexcept { return kind != Kind::absent && kind != Kind::null; }
};

const char* kind_name(Raw::Kind k) noexcept {
  switch (k) {
    case Raw::Kind::absent: return "absent";
    case Raw::Kind::null: return "null";
    case Raw::Kind::string: return "a string";
    case Raw::Kind::number: return "a number";
    case Raw::Kind::boolean: return "a boolean";
    case Raw::Kind::object: return "an object";
    case Raw::Kind::array: return "an array";
  }
  return "?";
}

// JSON number grammar (RFC 8259): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool valid_number(std::string_view t) noexcept {
  std::size_t i = 0, n = t.size();
  auto digits = [&] {
    std::size_t s = i;
    while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
    return i > s;
  };
  if (i < n && t[i] == '-') ++i;
  if (i < n && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < n && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

std::string_view trim_ws(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A short, printable excerpt of a value for a detail message.
std::string excerpt(std::string_view v) {
  constexpr std::size_t max = 32;
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (v.size() > max) out += "...";
  return out;
}

// RFC 6901 pointer -> reference tokens. "" is the whole document.
bool split_pointer(std::string_view ptr, std::vector<std::string>& tokens, std::string& error) {
  tokens.clear();
  if (ptr.empty()) return true;
  if (ptr[0] != '/') {
    error = "JSON pointer must be empty or start with '/'";
    return false;
  }
  std::string cur;
  for (std::size_t i = 1; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      if (i + 1 < ptr.size() && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
        cur.push_back(ptr[i + 1] == '0' ? '~' : '/');
        ++i;
        continue;
      }
      error = "'~' in a JSON pointer must be followed by 0 or 1";
      return false;
    }
    cur.push_back(ptr[i]);
  }
  return true;
}

}  // namespace

std::string check_mapping(const config::DepositMapping& mapping) {
  std::vector<std::string> tokens;
  std::string error;
  if (!mapping.type_pointer.empty() && !split_pointer(mapping.type_pointer, tokens, error))
    return "type_pointer: " + error;
  for (const auto& [name, ptr] : mapping.fields) {
    auto f = field_from_name(name);
    if (!f || *f == f_type) return "fields." + name + ": not a canonical deposit field";
    if (!split_pointer(ptr, tokens, error)) return "fields." + name + ": " + error;
  }
  return {};
}

struct DepositDecoder::Impl {
  // A trie of the mapped pointers: walking the document, a key (or array
  // index) leads from a node to a child; a node whose `fields` is non-zero is
  // where those canonical fields are read. Canonical events are the trie
  // {"/deposit_id", "/chain", ...}, so one walk serves both shapes.
  struct Node {
    std::vector<std::pair<std::string, std::uint32_t>> children;
    std::uint32_t fields = 0;
  };

  bool canonical = true;
  bool type_filter = false;  // mapped with a type_pointer
  std::string type_value;
  std::array<std::string, f_count> pointers;  // as configured, for details
  std::vector<Node> nodes;
  std::string mapping_error;

  od::parser parser;
  std::unique_ptr<char[]> buf;
  std::size_t cap = 0;

  // Per-frame state.
  std::array<Raw, f_count> raw{};
  std::vector<std::string_view> senders;  // elements of the "senders" array
  std::ptrdiff_t senders_bad_index = -1;
  Raw::Kind senders_bad_kind = Raw::Kind::absent;
  bool senders_overflow = false;

  struct ContractCacheSlot {
    bool used = false;
    Chain chain = Chain::evm;
    std::string text;       // as received
    std::string canonical;  // as normalised
  };
  std::array<ContractCacheSlot, 16> contract_cache;

  explicit Impl(const std::optional<config::DepositMapping>& mapping) {
    nodes.emplace_back();
    std::vector<std::string> tokens;
    if (!mapping) {
      for (std::uint8_t i = 0; i < f_count; ++i) add({std::string(field_names[i])}, static_cast<Field>(i));
    } else {
      canonical = false;
      mapping_error = check_mapping(*mapping);
      if (mapping_error.empty()) {
        std::string ignored_error;
        for (const auto& [name, ptr] : mapping->fields) {
          Field f = *field_from_name(name);
          split_pointer(ptr, tokens, ignored_error);
          add(tokens, f);
          pointers[f] = ptr;
        }
        if (!mapping->type_pointer.empty()) {
          type_filter = true;
          type_value = mapping->type_value;
          split_pointer(mapping->type_pointer, tokens, ignored_error);
          add(tokens, f_type);
          pointers[f_type] = mapping->type_pointer;
        }
      }
    }
    // On failure iterate() allocates again and reports the error there.
    simdjson::error_code e = parser.allocate(initial_capacity);
    (void)e;
  }

  void add(const std::vector<std::string>& tokens, Field f) {
    std::uint32_t n = 0;
    for (const auto& t : tokens) {
      std::int32_t c = child(n, t);
      if (c < 0) {
        nodes.emplace_back();
        c = static_cast<std::int32_t>(nodes.size() - 1);
        nodes[n].children.emplace_back(t, static_cast<std::uint32_t>(c));
      }
      n = static_cast<std::uint32_t>(c);
    }
    nodes[n].fields |= bit(f);
  }

  std::int32_t child(std::uint32_t node, std::string_view key) const noexcept {
    for (const auto& [k, c] : nodes[node].children)
      if (k.size() == key.size() && std::memcmp(k.data(), key.data(), key.size()) == 0)
        return static_cast<std::int32_t>(c);
    return -1;
  }

  std::int32_t index_child(std::uint32_t node, std::size_t index) const noexcept {
    char tmp[24];
    int len = std::snprintf(tmp, sizeof tmp, "%zu", index);
    return child(node, std::string_view(tmp, static_cast<std::size_t>(len)));
  }

  // ---- the walk: validates the whole document and captures mapped values ----

  simdjson::error_code walk_object(od::object& obj, std::int32_t node, std::size_t depth) {
    if (depth > max_depth) return simdjson::DEPTH_ERROR;
    for (auto fr : obj) {
      od::field f;
      if (auto e = std::move(fr).get(f)) return e;
      std::string_view key;
      if (auto e = f.unescaped_key().get(key)) return e;
      std::int32_t c = node >= 0 ? child(static_cast<std::uint32_t>(node), key) : -1;
      if (auto e = walk_value(f.value(), c, nullptr, depth)) return e;
    }
    return simdjson::SUCCESS;
  }

  simdjson::error_code walk_array(od::array& arr, std::int32_t node, bool collect_senders, std::size_t depth) {
    if (depth > max_depth) return simdjson::DEPTH_ERROR;
    if (collect_senders) {
      senders.clear();
      senders_bad_index = -1;
      senders_overflow = false;
    }
    std::size_t i = 0;
    for (auto er : arr) {
      od::value v;
      if (auto e = std::move(er).get(v)) return e;
      std::int32_t c = node >= 0 ? index_child(static_cast<std::uint32_t>(node), i) : -1;
      Raw r;
      if (auto e = walk_value(v, c, &r, depth)) return e;
      if (collect_senders) {
        if (r.kind != Raw::Kind::string) {
          if (senders_bad_index < 0) {
            senders_bad_index = static_cast<std::ptrdiff_t>(i);
            senders_bad_kind = r.kind;
          }
        } else if (senders.size() < max_senders) {
          senders.push_back(r.text);
        } else {
          senders_overflow = true;
        }
      }
      ++i;
    }
    return simdjson::SUCCESS;
  }

  // `depth` is that of the enclosing container.
  simdjson::error_code walk_value(od::value& v, std::int32_t node, Raw* out, std::size_t depth) {
    od::json_type t;
    if (auto e = v.type().get(t)) return e;
    const std::uint32_t fields = node >= 0 ? nodes[static_cast<std::size_t>(node)].fields : 0;
    const bool descend = node >= 0 && !nodes[static_cast<std::size_t>(node)].children.empty();
    Raw r;
    switch (t) {
      case od::json_type::object: {
        r.kind = Raw::Kind::object;
        od::object o;
        if (auto e = v.get_object().get(o)) return e;
        if (auto e = walk_object(o, descend ? node : -1, depth + 1)) return e;
        break;
      }
      case od::json_type::array: {
        r.kind = Raw::Kind::array;
        od::array a;
        if (auto e = v.get_array().get(a)) return e;
        if (auto e = walk_array(a, descend ? node : -1, (fields & bit(f_senders)) != 0, depth + 1)) return e;
        break;
      }
      case od::json_type::string:
        r.kind = Raw::Kind::string;
        if (auto e = v.get_string().get(r.text)) return e;
        break;
      case od::json_type::number:
        r.kind = Raw::Kind::number;
        r.text = trim_ws(v.raw_json_token());
        if (!valid_number(r.text)) return simdjson::NUMBER_ERROR;
        break;
      case od::json_type::boolean:
        r.kind = Raw::Kind::boolean;
        r.text = trim_ws(v.raw_json_token());
        if (r.text != "true" && r.text != "false") return simdjson::T_ATOM_ERROR;
        break;
      case od::json_type::null:
        r.kind = Raw::Kind::null;
        if (trim_ws(v.raw_json_token()) != "null") return simdjson::N_ATOM_ERROR;
        break;
    }
    for (std::uint32_t bits = fields; bits; bits &= bits - 1) raw[static_cast<std::size_t>(std::countr_zero(bits))] = r;
    if (out) *out = r;
    return simdjson::SUCCESS;
  }

  // A root that is not an object: is it at least valid JSON?
  // `end` is the end of the frame in the padded buffer.
  simdjson::error_code validate_root(od::document& doc, od::json_type t, const char* end) {
    switch (t) {
      case od::json_type::array: {
        od::array a;
        if (auto e = doc.get_array().get(a)) return e;
        return walk_array(a, -1, false, 1);
      }
      case od::json_type::string: {
        std::string_view s;
        return doc.get_string().get(s);
      }
      default: {
        std::string_view tok;
        if (auto e = doc.raw_json_token().get(tok)) return e;
        tok = trim_ws(tok);
        for (const char* p = tok.data() + tok.size(); p < end; ++p)
          if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return simdjson::TRAILING_CONTENT;
        if (t == od::json_type::number) return valid_number(tok) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
        if (t == od::json_type::boolean)
          return tok == "true" || tok == "false" ? simdjson::SUCCESS : simdjson::T_ATOM_ERROR;
        return tok == "null" ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
      }
    }
  }

  // ---- results ----

  static DecodeResult reject(Reject why, std::string detail) {
    DecodeResult r;
    r.status = DecodeResult::Status::rejected;
    r.reason = why;
    r.detail = std::move(detail);
    return r;
  }

  static DecodeResult not_json(simdjson::error_code e) {
    if (e == simdjson::DEPTH_ERROR)
      return reject(Reject::not_json, "invalid JSON: nested deeper than " + std::to_string(max_depth) + " levels");
    return reject(Reject::not_json, std::string("invalid JSON: ") + simdjson::error_message(e));
  }

  // "sender" for canonical events; "sender (/data/from)" for mapped ones.
  std::string label(Field f) const {
    std::string s(field_names[f]);
    if (!canonical) s += " (" + pointers[f] + ")";
    return s;
  }

  DecodeResult missing(Field f) const { return reject(Reject::missing_field, "missing field " + label(f)); }

  DecodeResult bad(Field f, Reject why, std::string_view what) const {
    return reject(why, label(f) + ": " + std::string(what));
  }

  DecodeResult expected(Field f, const char* what) const {
    return reject(Reject::bad_field,
                  label(f) + ": expected " + what + ", got " + kind_name(raw[f].kind));
  }

  // ---- field conversions ----

  // A string, or an integer written as a JSON number (exchanges use both for ids).
  bool id_text(Field f, std::string_view& out, DecodeResult& err, std::size_t max = max_id_bytes) const {
    const Raw& r = raw[f];
    if (r.kind == Raw::Kind::string ||
        (r.kind == Raw::Kind::number && r.text.find_first_of(".eE") == std::string_view::npos)) {
      if (r.text.size() > max) {
        err = bad(f, Reject::bad_field, "longer than " + std::to_string(max) + " bytes");
        return false;
      }
      out = r.text;
      return true;
    }
    err = expected(f, "a string");
    return false;
  }

  bool string_text(Field f, std::string_view& out, DecodeResult& err, std::size_t max) const {
    if (raw[f].kind != Raw::Kind::string) {
      err = expected(f, "a string");
      return false;
    }
    if (raw[f].text.size() > max) {
      err = bad(f, Reject::bad_field, "longer than " + std::to_string(max) + " bytes");
      return false;
    }
    out = raw[f].text;
    return true;
  }

  // Non-negative integer from a JSON number or a decimal (or 0x hex) string.
  bool unsigned_value(Field f, std::uint64_t limit, std::uint64_t& out, DecodeResult& err) const {
    const Raw& r = raw[f];
    if (r.kind != Raw::Kind::number && r.kind != Raw::Kind::string) {
      err = expected(f, "a non-negative integer");
      return false;
    }
    std::string_view text = r.text;
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      text.remove_prefix(2);
      base = 16;
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    if (text.empty() || text[0] == '-' || text[0] == '+' || end != text.data() + text.size()) {
      err = bad(f, Reject::bad_field, "expected a non-negative integer");
      return false;
    }
    if (ec == std::errc::result_out_of_range || out > limit) {
      err = bad(f, Reject::bad_field, "larger than " + std::to_string(limit));
      return false;
    }
    return true;
  }

  bool parse_address(Field f, std::string_view text, Chain chain, std::string& out, DecodeResult& err,
                     std::ptrdiff_t index = -1, Network* network = nullptr) const {
    address::ParseResult p = address::parse(chain, text);
    if (!p) {
      std::string where = index < 0 ? label(f) : std::string(field_names[f]) + "[" + std::to_string(index) + "]" +
                                                     (canonical ? "" : " (" + pointers[f] + ")");
      err = reject(Reject::bad_address, where + ": " + p.error);
      return false;
    }
    out = std::move(p.address->canonical);
    if (network) *network = p.address->network;
    return true;
  }

  // Stacks fungible tokens are "SP...contract::asset-name": the principal is
  // normalised, the asset name kept. A stream carries few distinct contracts,
  // so recent results are cached (checksums cost about a microsecond each).
  bool parse_contract(std::string_view text, Chain chain, std::string& out, DecodeResult& err) {
    if (chain == Chain::bitcoin) {
      out.assign(text);
      return true;
    }
    ContractCacheSlot& slot = contract_cache[std::hash<std::string_view>{}(text) % contract_cache.size()];
    if (slot.used && slot.chain == chain && slot.text == text) {
      out.assign(slot.canonical);
      return true;
    }
    if (!parse_contract_uncached(text, chain, out, err)) return false;
    slot.used = true;
    slot.chain = chain;
    slot.text.assign(text);
    slot.canonical.assign(out);
    return true;
  }

  bool parse_contract_uncached(std::string_view text, Chain chain, std::string& out, DecodeResult& err) const {
    std::string_view principal = text, suffix;
    if (chain == Chain::stacks) {
      std::size_t sep = text.find("::");
      if (sep != std::string_view::npos) {
        principal = text.substr(0, sep);
        suffix = text.substr(sep);
      }
    }
    if (!parse_address(f_asset_contract, principal, chain, out, err)) return false;
    out.append(suffix);
    return true;
  }

  DecodeResult convert(std::string_view source, Transfer& out) {
    DecodeResult err;

    // Type filter first: a frame of another type is ignored, not rejected.
    const Raw& type = raw[f_type];
    if (canonical) {
      if (type.present() && !(type.kind == Raw::Kind::string && iequals(type.text, "deposit"))) {
        DecodeResult r;
        r.status = DecodeResult::Status::ignored;
        r.detail = "type is not \"deposit\"";
        return r;
      }
    } else if (type_filter) {
      bool match = (type.kind == Raw::Kind::string || type.kind == Raw::Kind::number ||
                    type.kind == Raw::Kind::boolean) &&
                   type.text == type_value;
      if (!match) {
        DecodeResult r;
        r.status = DecodeResult::Status::ignored;
        r.detail = "type at " + pointers[f_type] + " is not \"" + excerpt(type_value) + "\"";
        return r;
      }
    }

    // deposit_id
    if (!raw[f_deposit_id].present()) return missing(f_deposit_id);
    std::string_view deposit_id;
    if (!id_text(f_deposit_id, deposit_id, err)) return err;
    if (deposit_id.empty()) return bad(f_deposit_id, Reject::bad_field, "empty");

    // chain (+ network)
    if (!raw[f_chain].present()) return missing(f_chain);
    if (raw[f_chain].kind != Raw::Kind::string) return expected(f_chain, "a string");
    auto chain = chain_from_name(raw[f_chain].text);
    if (!chain) return bad(f_chain, Reject::bad_chain, "unknown chain '" + excerpt(raw[f_chain].text) + "'");
    std::optional<Network> network;
    if (raw[f_network].present()) {
      if (raw[f_network].kind != Raw::Kind::string) return expected(f_network, "a string");
      network = network_from_name(raw[f_network].text);
      if (!network)
        return bad(f_network, Reject::bad_field, "unknown network '" + excerpt(raw[f_network].text) + "'");
    }

    // senders: "senders" array (or a single string there) and/or "sender"
    out.senders.clear();
    bool have_sender = false;
    Network sender_network = Network::mainnet;  // of the first sender: the default network
    if (raw[f_senders].present()) {
      have_sender = true;
      if (raw[f_senders].kind == Raw::Kind::string) {
        senders.clear();
        senders.push_back(raw[f_senders].text);
        senders_bad_index = -1;
        senders_overflow = false;
      } else if (raw[f_senders].kind != Raw::Kind::array) {
        return expected(f_senders, "an array of strings");
      }
      if (senders_bad_index >= 0)
        return reject(Reject::bad_field, std::string("senders[") + std::to_string(senders_bad_index) + "]" +
                                             (canonical ? "" : " (" + pointers[f_senders] + ")") +
                                             ": expected a string, got " + kind_name(senders_bad_kind));
      if (senders_overflow)
        return bad(f_senders, Reject::bad_field, "more than " + std::to_string(max_senders) + " senders");
      if (senders.empty() && !raw[f_sender].present()) return bad(f_senders, Reject::bad_field, "empty array");
      out.senders.resize(senders.size());
      for (std::size_t i = 0; i < senders.size(); ++i)
        if (!parse_address(f_senders, senders[i], chain->chain, out.senders[i], err, static_cast<std::ptrdiff_t>(i),
                           i == 0 ? &sender_network : nullptr))
          return err;
    }
    if (raw[f_sender].present()) {
      have_sender = true;
      if (raw[f_sender].kind == Raw::Kind::array)
        return bad(f_sender, Reject::bad_field, "expected a string; use senders for a list of addresses");
      if (raw[f_sender].kind != Raw::Kind::string) return expected(f_sender, "a string");
      std::string canonical_sender;
      if (!parse_address(f_sender, raw[f_sender].text, chain->chain, canonical_sender, err, -1, &sender_network))
        return err;
      out.senders.insert(out.senders.begin(), std::move(canonical_sender));
    }
    if (!have_sender) return reject(Reject::missing_field, "missing field " + label(f_sender) + " (or senders)");

    // recipient / deposit_address: each defaults to the other
    std::string_view text;
    out.recipient.clear();
    std::string deposit_address;
    if (raw[f_recipient].present()) {
      if (!string_text(f_recipient, text, err, max_id_bytes)) return err;
      if (!text.empty() && !parse_address(f_recipient, text, chain->chain, out.recipient, err)) return err;
    }
    if (raw[f_deposit_address].present()) {
      if (!string_text(f_deposit_address, text, err, max_id_bytes)) return err;
      if (!text.empty() && !parse_address(f_deposit_address, text, chain->chain, deposit_address, err)) return err;
    }
    if (out.recipient.empty()) out.recipient = deposit_address;
    if (deposit_address.empty()) deposit_address = out.recipient;

    // asset
    std::string_view symbol;
    if (raw[f_asset_symbol].present() && !string_text(f_asset_symbol, symbol, err, max_symbol_bytes)) return err;
    out.asset.contract.clear();
    if (raw[f_asset_contract].present()) {
      if (!string_text(f_asset_contract, text, err, max_id_bytes)) return err;
      if (!text.empty() && !parse_contract(text, chain->chain, out.asset.contract, err)) return err;
    }
    if (symbol.empty() && out.asset.contract.empty())
      return reject(Reject::missing_field, "missing field " + label(f_asset_symbol) + " (or asset_contract)");
    out.asset.symbol.assign(symbol);
    bool decimals_known = true;
    if (raw[f_asset_decimals].present()) {
      std::uint64_t d = 0;
      if (!unsigned_value(f_asset_decimals, 77, d, err)) return err;
      out.asset.decimals = static_cast<std::uint8_t>(d);
    } else if (auto d = default_decimals(chain->name, symbol)) {
      out.asset.decimals = *d;
    } else {
      out.asset.decimals = 0;
      decimals_known = false;
    }

    // amount: base units and/or display units; both given must agree
    const Raw& amount = raw[f_amount];
    const Raw& amount_decimal = raw[f_amount_decimal];
    if (!amount.present() && !amount_decimal.present())
      return reject(Reject::missing_field, "missing field " + label(f_amount) + " (or amount_decimal)");
    if (amount.present()) {
      if (amount.kind != Raw::Kind::string && amount.kind != Raw::Kind::number)
        return bad(f_amount, Reject::bad_amount, std::string("expected a string or an integer, got ") +
                                                     kind_name(amount.kind));
      UnitsResult u = parse_base_units(amount.text);
      if (!u.ok) return bad(f_amount, Reject::bad_amount, u.error);
      out.amount = u.value;
    }
    if (amount_decimal.present()) {
      if (amount_decimal.kind != Raw::Kind::string && amount_decimal.kind != Raw::Kind::number)
        return bad(f_amount_decimal, Reject::bad_amount,
                   std::string("expected a string or a number, got ") + kind_name(amount_decimal.kind));
      UnitsResult u = parse_display_units(amount_decimal.text, out.asset.decimals);
      if (!u.ok) {
        if (!decimals_known && amount_decimal.text.find('.') != std::string_view::npos)
          u.error += " (decimals of '" + excerpt(symbol) + "' on " + std::string(chain->name) +
                     " are not built in; send asset_decimals)";
        return bad(f_amount_decimal, Reject::bad_amount, u.error);
      }
      if (amount.present() && !(u.value == out.amount))
        return reject(Reject::bad_amount, label(f_amount) + " and " + label(f_amount_decimal) + " disagree");
      out.amount = u.value;
    }

    // status / credited
    DepositStatus status = DepositStatus::pending;
    if (raw[f_status].present()) {
      if (raw[f_status].kind != Raw::Kind::string) return expected(f_status, "a string");
      auto s = deposit_status_from_name(raw[f_status].text);
      if (!s) return bad(f_status, Reject::bad_field, "unknown status '" + excerpt(raw[f_status].text) + "'");
      status = *s;
    }
    bool credited = status == DepositStatus::credited;
    if (raw[f_credited].present()) {
      const Raw& c = raw[f_credited];
      if (c.kind == Raw::Kind::boolean || c.kind == Raw::Kind::string) {
        if (iequals(c.text, "true")) credited = true;
        else if (!iequals(c.text, "false")) return expected(f_credited, "a boolean");
      } else {
        return expected(f_credited, "a boolean");
      }
    }

    // optional scalars
    std::string_view tx_id, memo, account_id;
    if (raw[f_tx_id].present() && !string_text(f_tx_id, tx_id, err, max_id_bytes)) return err;
    if (raw[f_memo].present() && !id_text(f_memo, memo, err, max_memo_bytes)) return err;
    if (raw[f_account_id].present() && !id_text(f_account_id, account_id, err)) return err;
    std::uint64_t event_index = 0;
    if (raw[f_event_index].present() && !unsigned_value(f_event_index, UINT32_MAX, event_index, err)) return err;
    std::optional<std::uint64_t> block_height;
    if (raw[f_block_height].present()) {
      std::uint64_t h = 0;
      if (!unsigned_value(f_block_height, UINT64_MAX, h, err)) return err;
      block_height = h;
    }
    // `timestamp` is informational: accepted in any form, not used.

    // Everything is valid: fill the transfer.
    out.chain = chain->chain;
    out.chain_name.assign(chain->name);
    out.network = network.value_or(sender_network);
    out.tx_id.assign(tx_id);
    out.event_index = static_cast<std::uint32_t>(event_index);
    out.block_height = block_height;
    out.block_hash.clear();
    out.memo.assign(memo);
    out.source.assign(source);
    switch (status) {
      case DepositStatus::pending: out.status = credited ? TransferStatus::confirmed : TransferStatus::pending; break;
      case DepositStatus::confirmed:
      case DepositStatus::credited: out.status = TransferStatus::confirmed; break;
      case DepositStatus::failed:
      case DepositStatus::cancelled: out.status = TransferStatus::retracted; break;
    }
    if (!out.deposit) out.deposit.emplace();
    out.deposit->deposit_id.assign(deposit_id);
    out.deposit->account_id.assign(account_id);
    out.deposit->deposit_address = std::move(deposit_address);
    out.deposit->credited = credited;
    return {};
  }

  DecodeResult decode(std::string_view frame, std::string_view source, Transfer& out) {
    if (!mapping_error.empty()) return reject(Reject::bad_field, "mapping: " + mapping_error);
    const std::size_t need = frame.size() + simdjson::SIMDJSON_PADDING;
    if (need > cap) {
      std::size_t next = std::max(need, cap * 2);
      buf = std::make_unique<char[]>(next);
      cap = next;
    }
    std::memcpy(buf.get(), frame.data(), frame.size());
    std::memset(buf.get() + frame.size(), 0, simdjson::SIMDJSON_PADDING);

    raw.fill(Raw{});
    senders.clear();
    senders_bad_index = -1;
    senders_overflow = false;

    od::document doc;
    if (auto e = parser.iterate(buf.get(), frame.size(), cap).get(doc)) return not_json(e);
    od::json_type t;
    if (auto e = doc.type().get(t)) return not_json(e);
    if (t != od::json_type::object) {
      if (auto e = validate_root(doc, t, buf.get() + frame.size())) return not_json(e);
      // A scalar's token runs to the next structural character, so only a
      // string or array root can leave trailing bytes unread.
      if ((t == od::json_type::array || t == od::json_type::string) && !doc.current_location().error())
        return reject(Reject::not_json, "invalid JSON: trailing content");
      return reject(Reject::not_object, std::string("expected a JSON object, got ") +
                                            (t == od::json_type::array ? "an array" : "a scalar"));
    }
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return not_json(e);
    for (std::uint32_t bits = nodes[0].fields; bits; bits &= bits - 1)
      raw[static_cast<std::size_t>(std::countr_zero(bits))] = Raw{Raw::Kind::object, {}};
    if (auto e = walk_object(obj, 0, 1)) return not_json(e);
    if (!doc.current_location().error()) return reject(Reject::not_json, "invalid JSON: trailing content");
    return convert(source, out);
  }
};

DepositDecoder::DepositDecoder(const std::optional<config::DepositMapping>& mapping)
    : impl_(std::make_unique<Impl>(mapping)) {}
DepositDecoder::~DepositDecoder() = default;
DepositDecoder::DepositDecoder(DepositDecoder&&) noexcept = default;
DepositDecoder& DepositDecoder::operator=(DepositDecoder&&) noexcept = default;

DecodeResult DepositDecoder::decode(std::string_view frame, std::string_view source_name, Transfer& out) {
  return impl_->decode(frame, source_name, out);
}

const std::string& DepositDecoder::mapping_error() const noexcept { return impl_->mapping_error; }

}  // namespace fw::decode
