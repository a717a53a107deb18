// Replays the real Stacks mainnet fork recorded in
// fixtures/stacks/event-observer/mainnet-reorg-scenario2.tsv through a Tracker.
// The bodies are decoded minimally here (the real decoder lives in
// decode/stacks); only what the tracker needs.
#include "lifecycle/tracker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <simdjson.h>

#include "helpers.hpp"

namespace fw::lifecycle {
namespace {

struct Body {
  std::string path;
  BlockRef ref;  // /new_block only
  std::vector<Transfer> transfers;
  std::vector<std::string> txids;
  std::vector<std::pair<std::string, std::string>> failed;
};

std::string str(simdjson::simdjson_result<simdjson::dom::element> e) { return std::string(e.get_string().value()); }

// stx_transfer_event / ft_transfer_event, committed, of successful txs.
Body decode(const std::string& path, const std::string& json) {
  Body b;
  b.path = path;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json).value();
  if (path == "/new_block") {
    b.ref.height = doc["block_height"].get_uint64().value();
    b.ref.hash = str(doc["index_block_hash"]);
    b.ref.parent_hash = str(doc["parent_index_block_hash"]);
  }
  std::map<std::string, std::string> status;
  const simdjson::dom::array txs = doc["transactions"].get_array().value();
  for (simdjson::dom::element tx : txs) {
    const std::string txid = str(tx["txid"]), st = str(tx["status"]);
    status[txid] = st;
    b.txids.push_back(txid);
    if (st != "success") b.failed.emplace_back(txid, st);
  }
  const simdjson::dom::array events = doc["events"].get_array().value();
  for (simdjson::dom::element ev : events) {
    const std::string type = str(ev["type"]);
    if (type != "stx_transfer_event" && type != "ft_transfer_event") continue;
    bool committed = true;
    if (auto c = ev["committed"]; !c.error()) committed = c.get_bool().value();
    const std::string txid = str(ev["txid"]);
    if (!committed || status[txid] != "success") continue;
    simdjson::dom::element body = ev[type].value();
    Transfer t;
    t.chain = Chain::stacks;
    t.chain_name = "stacks";
    t.source = "fixture";
    t.tx_id = txid;
    t.event_index = static_cast<std::uint32_t>(ev["event_index"].get_uint64().value());
    t.senders = {str(body["sender"])};
    t.recipient = str(body["recipient"]);
    t.amount = *Amount::from_decimal(str(body["amount"]));
    if (type == "ft_transfer_event") {
      t.asset.contract = str(body["asset_identifier"]);
    } else {
      t.asset.symbol = "STX";
      t.asset.decimals = 6;
      if (auto m = body["memo"]; !m.error()) t.memo = str(m);
    }
    for (const auto& o : b.transfers)
      if (o.tx_id == t.tx_id && o.asset.contract == t.asset.contract && o.senders == t.senders &&
          o.recipient == t.recipient && o.amount == t.amount)
        ++t.occurrence;
    b.transfers.push_back(std::move(t));
  }
  return b;
}

std::vector<Body> load() {
  std::ifstream in(std::string(FW_FIXTURES_DIR) + "/stacks/event-observer/mainnet-reorg-scenario2.tsv");
  EXPECT_TRUE(in) << "fixture missing";
  std::vector<Body> out;
  std::string line;
  while (std::getline(in, line)) {
    // id \t time \t path \t body
    const auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1), t3 = line.find('\t', t2 + 1);
    out.push_back(decode(line.substr(t2 + 1, t3 - t2 - 1), line.substr(t3 + 1)));
  }
  return out;
}

std::set<std::string> keys(const std::vector<Transfer>& ts) {
  std::set<std::string> k;
  for (const auto& t : ts) k.insert(transfer_key(t));
  return k;
}

std::set<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> d;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(d, d.end()));
  return d;
}

std::set<std::string> keys_with(const Step& s, TransferStatus st) {
  std::set<std::string> k;
  for (const auto& t : s.out)
    if (t.status == st) k.insert(transfer_key(t));
  return k;
}

const std::string first_hash = "0xd4e86b872a4799fe275f4a759257400cadc60b3e6b9382bd1ff2a1c7473aff7a";
const std::string second_hash = "0x9f79f0a8ec99fea9e49e7324c1802c2282ed5c435c1752503f3e8678804f4f68";

TEST(TrackerFixture, RecordingHoldsTwoBlocksAtHeightTwoOnTheSameParent) {
  const std::vector<Body> bodies = load();
  ASSERT_EQ(bodies.size(), 6u);
  EXPECT_EQ(bodies[1].path, "/new_microblocks");
  const Body& first = bodies[2];
  const Body& second = bodies[3];
  EXPECT_EQ(first.ref.hash, first_hash);
  EXPECT_EQ(second.ref.hash, second_hash);
  EXPECT_EQ(first.ref.height, 2u);
  EXPECT_EQ(second.ref.height, 2u);
  EXPECT_EQ(first.ref.parent_hash, second.ref.parent_hash);
  EXPECT_EQ(first.ref.parent_hash, bodies[0].ref.hash);
  EXPECT_EQ(bodies[4].ref.parent_hash, second_hash);  // the chain continued on the replacement
}

TEST(TrackerFixture, RealMainnetForkReplacesTheFirstHeightTwoBlockAndRetractsExactlyItsMissingTransfers) {
  const std::vector<Body> bodies = load();
  ASSERT_EQ(bodies.size(), 6u);

  // What the recording says should happen: the transfers of the first
  // height-2 block that are not in its replacement. Both blocks carry the
  // same four STX transfers (the microblock txs 0x87916a01, 0x2bc007d0,
  // 0x42c1da08, 0x4984fa16; only their coinbase txs differ), so none.
  const std::set<std::string> first_keys = keys(bodies[2].transfers);
  const std::set<std::string> second_keys = keys(bodies[3].transfers);
  ASSERT_EQ(first_keys.size(), 4u);
  std::set<std::string> first_txids;
  for (const auto& t : bodies[2].transfers) first_txids.insert(t.tx_id.substr(0, 10));
  EXPECT_EQ(first_txids, (std::set<std::string>{"0x87916a01", "0x2bc007d0", "0x42c1da08", "0x4984fa16"}));
  const std::set<std::string> expected_retracted = minus(first_keys, second_keys);
  const std::set<std::string> expected_confirmed = minus(second_keys, first_keys);
  EXPECT_EQ(expected_retracted.size(), 0u);
  EXPECT_EQ(expected_confirmed.size(), 0u);

  for (bool accept_unlinked : {true, false}) {  // stacks_node style, and a backfilling source
    SCOPED_TRACE(accept_unlinked ? "accept_unlinked" : "backfilling");
    Tracker t;
    std::vector<Step> steps;
    for (const Body& b : bodies) {
      if (b.path == "/new_microblocks")
        steps.push_back(t.add_pending(b.transfers));
      else
        steps.push_back(t.add_block(b.ref, b.transfers, b.txids, b.failed, accept_unlinked));
    }
    EXPECT_EQ(steps[0].kind, Step::Kind::applied);
    EXPECT_EQ(keys_with(steps[0], TransferStatus::confirmed).size(), 3u);
    EXPECT_EQ(keys_with(steps[1], TransferStatus::pending).size(), 4u);  // microblock stream

    // The first height-2 block confirms the microblock transfers, ending their pending stage.
    EXPECT_EQ(steps[2].kind, Step::Kind::applied);
    EXPECT_EQ(keys_with(steps[2], TransferStatus::confirmed), first_keys);
    for (const auto& x : steps[2].out) EXPECT_EQ(x.revision, 0u);

    // The second replaces it.
    const Step& replace = steps[3];
    EXPECT_EQ(replace.kind, Step::Kind::reorg);
    ASSERT_EQ(replace.orphaned.size(), 1u);
    EXPECT_EQ(replace.orphaned[0], bodies[2].ref);
    EXPECT_EQ(keys_with(replace, TransferStatus::retracted), expected_retracted);
    EXPECT_EQ(keys_with(replace, TransferStatus::confirmed), expected_confirmed);
    EXPECT_TRUE(replace.out.empty());

    EXPECT_EQ(steps[4].kind, Step::Kind::applied);
    EXPECT_TRUE(steps[4].out.empty());
    EXPECT_EQ(steps[5].kind, Step::Kind::applied);
    EXPECT_EQ(keys_with(steps[5], TransferStatus::confirmed).size(), 5u);  // 3 STX + 2 FT; the aborted tx has none
    EXPECT_EQ(t.tip()->hash, bodies[5].ref.hash);
    EXPECT_EQ(t.stats().pending_txs, 0u);
    EXPECT_EQ(t.stats().side_blocks, 1u);  // the replaced block
    EXPECT_FALSE(t.final_cursor());        // 4 blocks < final_depth 6
  }
}

TEST(TrackerFixture, ReplacementWithoutOneOfTheRealTransfersRetractsExactlyThatOne) {
  std::vector<Body> bodies = load();
  ASSERT_EQ(bodies.size(), 6u);
  // Variant: the replacement block lacks tx 0x2bc007d0.
  Body& second = bodies[3];
  const auto gone = [](const std::string& txid) { return txid.rfind("0x2bc007d0", 0) == 0; };
  std::erase_if(second.transfers, [&](const Transfer& x) { return gone(x.tx_id); });
  std::erase_if(second.txids, gone);
  const std::set<std::string> expected = minus(keys(bodies[2].transfers), keys(second.transfers));
  ASSERT_EQ(expected.size(), 1u);

  Tracker t;
  for (std::size_t i = 0; i < 3; ++i)
    if (bodies[i].path == "/new_block")
      t.add_block(bodies[i].ref, bodies[i].transfers, bodies[i].txids, bodies[i].failed);
  const Step s = t.add_block(second.ref, second.transfers, second.txids, second.failed);
  EXPECT_EQ(s.kind, Step::Kind::reorg);
  EXPECT_EQ(keys_with(s, TransferStatus::retracted), expected);
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_TRUE(gone(s.out[0].tx_id));
  EXPECT_EQ(s.out[0].amount, Amount(16499820));
  EXPECT_EQ(s.out[0].status_reason, "reorg: block " + first_hash + " at height 2 left the canonical chain");
}

}  // namespace
}  // namespace fw::lifecycle
