#include "decode/stacks/observer.hpp"

#include <unordered_map>

#include "decode/stacks/detail/json.hpp"
#include "decode/stacks/sip005.hpp"
#include "decode/stacks/transfers.hpp"

namespace fw::decode::stacks {

ObserverPath observer_path(std::string_view path) noexcept {
  if (path == "/new_block") return ObserverPath::new_block;
  if (path == "/new_microblocks") return ObserverPath::new_microblocks;
  if (path == "/new_mempool_tx") return ObserverPath::new_mempool_tx;
  if (path == "/drop_mempool_tx") return ObserverPath::drop_mempool_tx;
  if (path == "/new_burn_block") return ObserverPath::new_burn_block;
  return ObserverPath::other;
}

const char* to_string(ObserverPath p) noexcept {
  switch (p) {
    case ObserverPath::new_block: return "new_block";
    case ObserverPath::new_microblocks: return "new_microblocks";
    case ObserverPath::new_mempool_tx: return "new_mempool_tx";
    case ObserverPath::drop_mempool_tx: return "drop_mempool_tx";
    case ObserverPath::new_burn_block: return "new_burn_block";
    case ObserverPath::other: return "other";
  }
  return "other";
}

namespace {

using namespace detail;

constexpr std::string_view stx_event = "stx_transfer_event";
constexpr std::string_view ft_event = "ft_transfer_event";

}  // namespace

struct ObserverDecoder::Impl {
  TokenRegistry tokens;
  Network network;
  std::string source;
  std::string chain_name;
  dom::parser parser;
  std::string scratch;  // parse_body's rewrite buffer, reused
  std::unordered_map<std::string, std::string> status_by_txid;  // per body, reused

  Transfer base(TransferStatus status, const BlockHeader* header) const {
    Transfer t;
    t.chain = Chain::stacks;
    t.network = network;
    t.chain_name = chain_name;
    t.status = status;
    t.source = source;
    if (header) {
      t.block_height = header->height;
      t.block_hash = header->hash;
      t.block_time = header->block_time;
    }
    return t;
  }

  // transactions[] -> included txids, failed (txid, status), status_by_txid.
  Problem read_transactions(dom::object root, std::vector<std::string>& included,
                            std::vector<std::pair<std::string, std::string>>& failed, IssueList& issues) {
    status_by_txid.clear();
    dom::array txs;
    switch (get_array(root, "transactions", txs)) {
      case Got::absent: return missing("transactions");
      case Got::wrong: return wrong_type("transactions", "an array", root, "transactions");
      case Got::ok: break;
    }
    std::size_t i = 0;
    for (dom::element el : txs) {
      std::string path = index_path("transactions", i++);
      dom::object tx;
      if (el.get_object().get(tx)) {
        issues.add({Error::bad_field, path + ": expected an object, got " + type_name(el)});
        continue;
      }
      std::string txid;
      if (Problem p = require_hash(tx, "txid", path, txid)) {
        issues.add(std::move(p));
        continue;
      }
      std::string_view status;
      if (Problem p = require_string(tx, "status", path, status)) {
        issues.add(std::move(p));
        continue;
      }
      included.push_back(txid);
      if (status != "success") failed.emplace_back(txid, std::string(status));
      status_by_txid[std::move(txid)] = std::string(status.substr(0, 64));
    }
    return {};
  }

  // events[] -> transfers (see the header for the rules).
  Problem read_events(dom::object root, TransferStatus status, const BlockHeader* header, std::vector<Transfer>& out,
                      IssueList& issues) {
    dom::array events;
    switch (get_array(root, "events", events)) {
      case Got::absent: return missing("events");
      case Got::wrong: return wrong_type("events", "an array", root, "events");
      case Got::ok: break;
    }
    std::size_t i = 0;
    for (dom::element el : events) {
      std::size_t position = i++;
      dom::object ev;
      if (el.get_object().get(ev)) {
        issues.add({Error::bad_field, index_path("events", position) + ": expected an object, got " + type_name(el)});
        continue;
      }
      read_event(ev, position, status, header, out, issues);
    }
    assign_occurrences(out);
    return {};
  }

  void read_event(dom::object ev, std::size_t position, TransferStatus status, const BlockHeader* header,
                  std::vector<Transfer>& out, IssueList& issues) {
    auto path = [&] { return index_path("events", position); };
    std::string_view type;
    if (Problem p = require_string(ev, "type", path(), type)) {
      issues.add(std::move(p));
      return;
    }
    if (type != stx_event && type != ft_event) return;

    bool committed = true;
    if (get_bool(ev, "committed", committed) == Got::wrong) {
      issues.add(wrong_type(join_path(path(), "committed"), "a boolean", ev, "committed"));
      return;
    }
    if (!committed) return;  // rolled back inside an aborted tx: nothing moved

    std::string txid;
    if (Problem p = require_hash(ev, "txid", path(), txid)) {
      issues.add(std::move(p));
      return;
    }
    auto st = status_by_txid.find(txid);
    if (st == status_by_txid.end()) {
      issues.add({Error::bad_field, join_path(path(), "txid") + ": " + txid + " is not among the transactions"});
      return;
    }
    if (st->second != "success") return;

    std::uint64_t event_index = position;
    if (Got g = get_u64(ev, "event_index", event_index); g == Got::wrong || event_index > UINT32_MAX) {
      issues.add(wrong_type(join_path(path(), "event_index"), "a 32-bit event index", ev, "event_index"));
      return;
    }

    dom::object body;
    std::string body_path = join_path(path(), type);
    if (Got g = get_object(ev, type, body); g != Got::ok) {
      issues.add(g == Got::absent ? missing(body_path) : wrong_type(body_path, "an object", ev, type));
      return;
    }
    std::string_view sender, recipient, amount_text, asset_text, memo;
    for (auto [key, value] : {std::pair{"sender", &sender}, std::pair{"recipient", &recipient},
                              std::pair{"amount", &amount_text}}) {
      if (Problem p = require_string(body, key, body_path, *value)) {
        issues.add(std::move(p));
        return;
      }
    }
    const bool is_ft = type == ft_event;
    if (is_ft) {
      if (Problem p = require_string(body, "asset_identifier", body_path, asset_text)) {
        issues.add(std::move(p));
        return;
      }
    }
    auto amount = parse_amount(amount_text);
    if (!amount) {
      issues.add({Error::bad_amount, join_path(body_path, "amount") + ": not a decimal integer: \"" + excerpt(amount_text) + "\""});
      return;
    }

    Transfer t = base(status, header);
    t.tx_id = std::move(txid);
    t.event_index = static_cast<std::uint32_t>(event_index);
    t.amount = *amount;
    std::string error;
    t.senders.emplace_back();
    if (!normalize_principal(sender, t.senders.back(), error))
      issues.add({Error::bad_address, join_path(body_path, "sender") + ": " + error + ": \"" + excerpt(sender) + "\" (kept as sent)"});
    if (!normalize_principal(recipient, t.recipient, error))
      issues.add({Error::bad_address, join_path(body_path, "recipient") + ": " + error + ": \"" + excerpt(recipient) + "\" (kept as sent)"});
    if (is_ft) {
      std::string id;
      if (!normalize_asset_identifier(asset_text, id, error))
        issues.add({Error::bad_address, join_path(body_path, "asset_identifier") + ": " + error + ": \"" + excerpt(asset_text) +
                                            "\" (kept as sent)"});
      t.asset = tokens.asset(id);
    } else {
      t.asset = stx_asset();
      if (get_string(body, "memo", memo) == Got::ok && !normalize_hex(memo, t.memo)) {
        issues.add({Error::bad_field, join_path(body_path, "memo") + ": not hex: \"" + excerpt(memo) + "\" (dropped)"});
        t.memo.clear();
      }
    }
    out.push_back(std::move(t));
  }
};

ObserverDecoder::ObserverDecoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name)
    : impl_(std::make_unique<Impl>()) {
  impl_->tokens = std::move(tokens);
  impl_->network = network;
  impl_->source = std::move(source);
  impl_->chain_name = std::move(chain_name);
}

ObserverDecoder::~ObserverDecoder() = default;
ObserverDecoder::ObserverDecoder(ObserverDecoder&&) noexcept = default;
ObserverDecoder& ObserverDecoder::operator=(ObserverDecoder&&) noexcept = default;

Decoded<NewBlock> ObserverDecoder::new_block(std::string_view body) {
  Decoded<NewBlock> r;
  dom::element doc;
  if ((r.error = parse_body(impl_->parser, impl_->scratch, body, doc))) return r;
  dom::object root = doc.get_object().value_unsafe();
  BlockHeader& h = r.value.header;
  if ((r.error = require_u64(root, "block_height", "", h.height))) return r;
  if ((r.error = require_hash(root, "index_block_hash", "", h.hash))) return r;
  if ((r.error = require_hash(root, "parent_index_block_hash", "", h.parent_hash))) return r;
  if ((r.error = require_hash(root, "block_hash", "", h.block_hash))) return r;
  std::int64_t time = 0;
  if (get_i64(root, "block_time", time) == Got::ok || get_i64(root, "burn_block_time", time) == Got::ok)
    h.block_time = time;
  (void)get_u64(root, "burn_block_height", r.value.burn_block_height);

  IssueList issues(r.issues);
  if ((r.error = impl_->read_transactions(root, r.value.included_txids, r.value.failed_txids, issues))) return r;
  if ((r.error = impl_->read_events(root, TransferStatus::confirmed, &h, r.value.transfers, issues))) return r;
  issues.finish();
  return r;
}

Decoded<NewMicroblocks> ObserverDecoder::new_microblocks(std::string_view body) {
  Decoded<NewMicroblocks> r;
  dom::element doc;
  if ((r.error = parse_body(impl_->parser, impl_->scratch, body, doc))) return r;
  dom::object root = doc.get_object().value_unsafe();
  if ((r.error = require_hash(root, "parent_index_block_hash", "", r.value.parent_hash))) return r;
  IssueList issues(r.issues);
  if ((r.error = impl_->read_transactions(root, r.value.txids, r.value.failed_txids, issues))) return r;
  if ((r.error = impl_->read_events(root, TransferStatus::pending, nullptr, r.value.transfers, issues))) return r;
  issues.finish();
  return r;
}

Decoded<NewMempoolTxs> ObserverDecoder::new_mempool_tx(std::string_view body) {
  Decoded<NewMempoolTxs> r;
  dom::element doc;
  if ((r.error = parse_body(impl_->parser, impl_->scratch, body, doc, /*want_array=*/true))) return r;
  IssueList issues(r.issues);
  std::size_t i = 0;
  dom::array txs = doc.get_array().value_unsafe();  // a named copy: the result object is a temporary
  for (dom::element el : txs) {
    std::string path = index_path("", i++);
    std::string_view hex;
    if (el.get_string().get(hex)) {
      issues.add({Error::bad_field, path + ": expected a raw transaction hex string, got " + type_name(el)});
      continue;
    }
    auto tx = decode_transaction_hex(hex);
    if (!tx.ok()) {
      issues.add({tx.error.reason, path + ": " + tx.error.detail});
      continue;
    }
    r.value.txids.push_back(tx.value.txid);
    for (auto& t : to_pending_transfers(tx.value, impl_->tokens, impl_->network, impl_->source, impl_->chain_name))
      r.value.transfers.push_back(std::move(t));
  }
  issues.finish();
  return r;
}

Decoded<DroppedMempoolTxs> ObserverDecoder::drop_mempool_tx(std::string_view body) {
  Decoded<DroppedMempoolTxs> r;
  dom::element doc;
  if ((r.error = parse_body(impl_->parser, impl_->scratch, body, doc))) return r;
  dom::object root = doc.get_object().value_unsafe();
  dom::array ids;
  switch (get_array(root, "dropped_txids", ids)) {
    case Got::absent: r.error = missing("dropped_txids"); return r;
    case Got::wrong: r.error = wrong_type("dropped_txids", "an array", root, "dropped_txids"); return r;
    case Got::ok: break;
  }
  std::string_view reason;
  if ((r.error = require_string(root, "reason", "", reason))) return r;
  r.value.reason = excerpt(reason, 64);
  std::string_view new_txid;
  switch (get_string(root, "new_txid", new_txid)) {
    case Got::absent: break;
    case Got::wrong: r.error = wrong_type("new_txid", "a string or null", root, "new_txid"); return r;
    case Got::ok:
      if (!normalize_hash32(new_txid, r.value.new_txid)) {
        r.error = {Error::bad_field, "new_txid: not a 32-byte hex hash: \"" + excerpt(new_txid) + "\""};
        return r;
      }
  }
  IssueList issues(r.issues);
  std::size_t i = 0;
  for (dom::element el : ids) {
    std::string path = index_path("dropped_txids", i++);
    std::string_view text;
    std::string txid;
    if (el.get_string().get(text) || !normalize_hash32(text, txid)) {
      issues.add({Error::bad_field, path + ": not a 32-byte hex txid: " + json_excerpt(el)});
      continue;
    }
    r.value.txids.push_back(std::move(txid));
  }
  issues.finish();
  return r;
}

Decoded<NewBurnBlock> ObserverDecoder::new_burn_block(std::string_view body) {
  Decoded<NewBurnBlock> r;
  dom::element doc;
  if ((r.error = parse_body(impl_->parser, impl_->scratch, body, doc))) return r;
  dom::object root = doc.get_object().value_unsafe();
  if ((r.error = require_u64(root, "burn_block_height", "", r.value.height))) return r;
  if ((r.error = require_hash(root, "burn_block_hash", "", r.value.hash))) return r;
  return r;
}

}  // namespace fw::decode::stacks
