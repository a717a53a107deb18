#include "decode/tron/grid_cursor.hpp"

#include <gtest/gtest.h>

#include <tuple>

#include "fixtures.hpp"

namespace fw::decode::tron {
namespace {

using test::kUsdt;

constexpr std::int64_t kT0 = 1788431625000;  // the recorded page's block_timestamp

// A page of USDT Transfer events: (block, tx (hex digits), index) each, block_timestamp
// kT0 + 3 s per block above 100.
std::string page(const std::vector<std::tuple<std::uint64_t, std::string, std::uint32_t>>& events,
                 const std::string& fingerprint = "") {
  std::string body = R"({"data":[)";
  bool first = true;
  for (const auto& [block, tx, index] : events) {
    if (!first) body += ",";
    first = false;
    const std::string txid = std::string(64 - tx.size(), '0') + tx;
    body += R"({"block_number":)" + std::to_string(block) + R"(,"block_timestamp":)" +
            std::to_string(kT0 + static_cast<std::int64_t>(block - 100) * 3000) + R"(,"contract_address":")" + kUsdt +
            R"(","event_index":)" + std::to_string(index) +
            R"(,"event_name":"Transfer","result":{"from":"0x)" + test::kFromHex + R"(","to":"0x)" + test::kToHex +
            R"(","value":"1000000"},"transaction_id":")" + txid + R"("})";
  }
  body += R"(],"success":true,"meta":{)";
  if (!fingerprint.empty()) body += R"("fingerprint":")" + fingerprint + R"(",)";
  body += R"("page_size":200}})";
  return body;
}

struct Fixture {
  TokenRegistry tokens = TokenRegistry::defaults();
  GridDecoder decoder{tokens, Network::mainnet, "grid", "tron"};
  GridCursor cursor{tokens, LedgerContext{Network::mainnet, "tron", "grid"}};

  Fixture() { cursor.begin(kT0, 0, 1'000'000'000); }

  std::vector<Transfer> feed(GridView view, const std::string& body, GridApplied* applied = nullptr) {
    auto r = decoder.events_page(body);
    EXPECT_TRUE(r.ok()) << r.error.detail;
    std::vector<Transfer> out;
    auto a = cursor.apply(kUsdt, view, r.value, out);
    if (applied) *applied = a;
    return out;
  }
};

std::string stages(const std::vector<Transfer>& out) {
  std::string s;
  for (const auto& t : out) {
    if (!s.empty()) s += ",";
    std::string tx = t.tx_id;
    tx.erase(0, tx.find_first_not_of('0'));
    s += tx + "." + std::to_string(t.event_index) + ":" + to_string(t.status);
  }
  return s;
}

TEST(TronGridCursor, UnconfirmedThenSolidifiedGivesConfirmedThenFinalOnce) {
  Fixture f;
  EXPECT_EQ(stages(f.feed(GridView::unconfirmed, page({{101, "a", 0}, {102, "b", 0}}))), "a.0:confirmed,b.0:confirmed");
  EXPECT_EQ(stages(f.feed(GridView::unconfirmed, page({{102, "b", 0}, {103, "c", 0}}))), "c.0:confirmed");
  EXPECT_EQ(stages(f.feed(GridView::solidified, page({{101, "a", 0}}))), "a.0:final");
  EXPECT_EQ(f.cursor.live(), 2u);
  EXPECT_EQ(f.cursor.tip(), 103u);
  // The unconfirmed view lags: it still lists a, which the solidified view decided.
  EXPECT_EQ(stages(f.feed(GridView::unconfirmed, page({{101, "a", 0}, {103, "c", 0}}))), "");
}

TEST(TronGridCursor, PagingAtOneTimestampNeitherRepeatsNorSkips) {
  Fixture f;
  // Block 101 has three events; the chain of pages is cut after the first
  // page and restarted at the cursor (min_block_timestamp = block 101's).
  EXPECT_EQ(stages(f.feed(GridView::solidified, page({{101, "a", 0}, {101, "a", 1}}, "fp1"))),
            "a.0:confirmed,a.0:final,a.1:confirmed,a.1:final");
  EXPECT_EQ(f.cursor.start_ms(kUsdt, GridView::solidified), kT0 + 3000);
  GridApplied a;
  // The restarted query returns block 101 again, in another order.
  EXPECT_EQ(stages(f.feed(GridView::solidified, page({{101, "a", 1}, {101, "c", 0}, {101, "a", 0}, {102, "d", 0}}), &a)),
            "c.0:confirmed,c.0:final,d.0:confirmed,d.0:final");
  EXPECT_EQ(a.repeats, 2u);
  EXPECT_EQ(a.fresh, 2u);
  EXPECT_EQ(f.cursor.start_ms(kUsdt, GridView::solidified), kT0 + 6000);
}

TEST(TronGridCursor, RestartFromSavedStateNeitherRepeatsNorSkips) {
  Fixture f;
  f.feed(GridView::unconfirmed, page({{101, "a", 0}, {102, "b", 0}}));
  f.feed(GridView::solidified, page({{101, "a", 0}}));
  const std::string saved = f.cursor.save();

  Fixture g;
  std::string error;
  ASSERT_TRUE(g.cursor.restore(saved, error)) << error;
  EXPECT_EQ(g.cursor.save(), saved);
  g.cursor.begin(kT0 + 10000, 0, 1'000'000'000);
  EXPECT_EQ(g.cursor.start_ms(kUsdt, GridView::solidified), kT0 + 3000);
  EXPECT_EQ(g.cursor.start_ms(kUsdt, GridView::unconfirmed), kT0 + 3000);  // whole window re-read
  // Both views re-read from the cursor: only what is new comes out.
  EXPECT_EQ(stages(g.feed(GridView::unconfirmed, page({{101, "a", 0}, {102, "b", 0}, {103, "c", 0}}))), "c.0:confirmed");
  EXPECT_EQ(stages(g.feed(GridView::solidified, page({{101, "a", 0}, {102, "b", 0}}))), "b.0:final");
}

TEST(TronGridCursor, SolidifiedChainPassingALiveEventRetractsIt) {
  Fixture f;
  f.feed(GridView::unconfirmed, page({{101, "a", 0}, {101, "e", 0}, {102, "b", 0}}));
  // Block 101 solidified without e (a fork dropped it); reaching 102 proves it.
  EXPECT_EQ(stages(f.feed(GridView::solidified, page({{101, "a", 0}}))), "a.0:final");
  auto out = f.feed(GridView::solidified, page({{102, "b", 0}}));
  EXPECT_EQ(stages(out), "e.0:retracted,b.0:final");
  EXPECT_NE(out[0].status_reason.find("reorg"), std::string::npos);
  // e shows up solidified later (included again): a new revision.
  out = f.feed(GridView::solidified, page({{104, "e", 0}}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].revision, 1u);
  EXPECT_EQ(stages(out), "e.0:confirmed,e.0:final");
}

TEST(TronGridCursor, EventsBeforeTheCursorAreStale) {
  Fixture f;
  f.feed(GridView::solidified, page({{105, "a", 0}}));
  GridApplied a;
  EXPECT_EQ(stages(f.feed(GridView::solidified, page({{101, "f", 0}}), &a)), "");
  EXPECT_EQ(a.stale, 1u);
}

TEST(TronGridCursor, CounterfeitEventsMoveTheCursorButEmitNothing) {
  Fixture f;
  std::string body = page({{101, "a", 0}});
  body = test::replace(body, std::string("\"contract_address\":\"") + kUsdt,
                       std::string("\"contract_address\":\"") + test::kCounterfeit);
  GridApplied a;
  EXPECT_EQ(stages(f.feed(GridView::solidified, body, &a)), "");
  EXPECT_EQ(a.fresh, 1u);
  EXPECT_EQ(f.cursor.start_ms(kUsdt, GridView::solidified), kT0 + 3000);
}

TEST(TronGridCursor, FirstStartLooksBackAndOldCursorsSkipAhead) {
  TokenRegistry tokens = TokenRegistry::defaults();
  GridCursor c(tokens, LedgerContext{});
  EXPECT_TRUE(c.begin(1'000'000, 57'000, 3'600'000).empty());
  EXPECT_EQ(c.start_ms(kUsdt, GridView::solidified), 1'000'000 - 57'000);

  std::string error;
  GridCursor d(tokens, LedgerContext{});
  ASSERT_TRUE(d.restore(c.save(), error)) << error;
  auto notes = d.begin(1'000'000 + 7'200'000, 57'000, 3'600'000);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find(kUsdt), std::string::npos);
  EXPECT_EQ(d.start_ms(kUsdt, GridView::solidified), 1'000'000 + 3'600'000);
}

TEST(TronGridCursor, StateOfAContractNoLongerConfiguredIsDropped) {
  Fixture f;
  f.feed(GridView::unconfirmed, page({{101, "a", 0}}));
  TokenRegistry other;
  other.add({test::kCounterfeit, "X", 6});
  GridCursor c(other, LedgerContext{});
  std::string error;
  ASSERT_TRUE(c.restore(f.cursor.save(), error)) << error;
  EXPECT_EQ(c.live(), 0u);
  EXPECT_FALSE(c.restore("{\"v\":2}", error));
  EXPECT_FALSE(c.restore("[]", error));
}

TEST(TronGridCursor, QueryTargetsFollowTronGridsParameters) {
  EXPECT_EQ(GridCursor::events_target(kUsdt, GridView::solidified, 1788431625000, 200, ""),
            std::string("/v1/contracts/") + kUsdt +
                "/events?event_name=Transfer&only_confirmed=true&order_by=block_timestamp,asc"
                "&min_block_timestamp=1788431625000&limit=200");
  EXPECT_EQ(GridCursor::events_target(kUsdt, GridView::unconfirmed, 5, 500, "a+b/c="),
            std::string("/v1/contracts/") + kUsdt +
                "/events?event_name=Transfer&only_unconfirmed=true&order_by=block_timestamp,asc"
                "&min_block_timestamp=5&limit=200&fingerprint=a%2Bb%2Fc%3D");
}

}  // namespace
}  // namespace fw::decode::tron
