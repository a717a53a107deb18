// The documented JSON Schemas (docs/schemas) must be valid JSON and must
// describe what the code really emits (alerts) and accepts (deposit events).
#include "alert/alert.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <simdjson.h>

#include <gtest/gtest.h>

#include "json_schema.hpp"
#include "sample.hpp"

namespace fw::alert {
namespace {

using namespace std::chrono_literals;
using test::match_for;
using test::t0;
using test::tron_deposit;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Schemas : public ::testing::Test {
 protected:
  void SetUp() override {
    alert_text = read_file(FW_SOURCE_DIR "/docs/schemas/alert.schema.json");
    deposit_text = read_file(FW_SOURCE_DIR "/docs/schemas/deposit-event.schema.json");
    ASSERT_EQ(alert_parser.parse(alert_text).get(alert_schema), simdjson::SUCCESS) << "alert.schema.json";
    ASSERT_EQ(deposit_parser.parse(deposit_text).get(deposit_schema), simdjson::SUCCESS)
        << "deposit-event.schema.json";
  }

  std::vector<std::string> check(simdjson::dom::element schema, const std::string& json) {
    simdjson::dom::element doc;
    if (auto e = parser.parse(json).get(doc)) return {std::string("not JSON: ") + simdjson::error_message(e)};
    return fw::test::validate(schema, doc);
  }

  static std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) s += e + "\n";
    return s;
  }

  std::string alert_text, deposit_text;
  simdjson::dom::parser alert_parser, deposit_parser, parser;
  simdjson::dom::element alert_schema, deposit_schema;
};

TEST_F(Schemas, AreValidJsonDeclaringDraft2020) {
  EXPECT_EQ(std::string_view(alert_schema["$schema"]), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(std::string_view(deposit_schema["$schema"]), "https://json-schema.org/draft/2020-12/schema");
}

TEST_F(Schemas, DescribeEveryRenderedAlert) {
  std::vector<std::pair<std::string, std::string>> bodies;
  Transfer t = tron_deposit();
  bodies.emplace_back("pending deposit", render(match_for(t), t, t0));
  bodies.emplace_back("deposit to a listed address", render(match_for(t, match::Direction::to), t, t0));
  t.status = TransferStatus::confirmed;
  t.deposit->credited = true;
  t.block_height = 62000123;
  bodies.emplace_back("credited deposit", render(match_for(t), t, t0));
  t.status = TransferStatus::retracted;
  bodies.emplace_back("retracted deposit", render(match_for(t), t, t0));
  t = tron_deposit();
  t.deposit.reset();
  t.status = TransferStatus::final;
  t.asset = {"", "", 0};
  t.memo = "odd \x01 memo \xff";
  t.senders = {"a", "b"};
  bodies.emplace_back("chain transfer with unknown asset", render(match_for(t), t, t0));
  t = tron_deposit();
  t.deposit.reset();
  t.status = TransferStatus::confirmed;
  match::Match derived = test::derived_match_for(t);
  bodies.emplace_back("suspected (derived) match", render(derived, t, t0));
  match::Listing api;
  api.kind = "api";
  api.label = "posted by an investigator";
  api.added_at = "2024-05-14T09:00:00.000Z";
  api.added_by = "alice";
  api.expires_at = "2024-05-15T09:00:00.000Z";
  api.follow = true;
  derived.entry.provenance.insert(derived.entry.provenance.begin(), api);
  derived.entry.provenance[1].approved = true;
  derived.entry.provenance[1].approved_by = "bob";
  derived.suspected = false;
  bodies.emplace_back("api and approved derived listings", render(derived, t, t0));
  match::Match retro = match_for(t);
  retro.stage = "retro";
  retro.alert_id = retro.base_id + "_retro";
  retro.retro = match::RetroInfo{"confirmed", 3600000};
  bodies.emplace_back("retro", render(retro, t, t0));
  t.revision = 1;
  match::Match again = match_for(t);
  again.alert_id = match::alert_id(again.base_id, again.stage, 1);
  bodies.emplace_back("re-included transfer", render(again, t, t0));
  t.chain_name = "arbitrum";  // no explorer template: null links
  bodies.emplace_back("chain without explorer", render(match_for(t), t, t0));
  for (const auto& [name, body] : bodies) EXPECT_EQ(joined(check(alert_schema, body)), "") << name << "\n" << body;
}

TEST_F(Schemas, RejectAlertsThatDriftFromTheDocumentedShape) {
  Transfer t = tron_deposit();
  std::string body = render(match_for(t), t, t0);
  auto with = [&](std::string_view from, std::string_view to) {
    std::string b = body;
    std::size_t at = b.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    b.replace(at, from.size(), to);
    return check(alert_schema, b);
  };
  EXPECT_FALSE(with(R"("direction":"from")", R"("direction":"sideways")").empty());
  EXPECT_FALSE(with(R"("recommended_action":"freeze_deposit")", R"("recommended_action":"panic")").empty());
  EXPECT_FALSE(with(R"("base_units":"12500000")", R"("base_units":12500000)").empty());
  EXPECT_FALSE(with(R"("stage":"pending",)", "").empty());
  EXPECT_FALSE(with(R"("memo":"")", R"("memo":"","extra":1)").empty());
  EXPECT_FALSE(with(R"("timestamp":"2024-05-14T10:00:00.000Z")", R"("timestamp":"2024-05-14T10:00:00Z")").empty());
  EXPECT_FALSE(with(R"("classification":"listed")", R"("classification":"maybe")").empty());
  EXPECT_FALSE(with(R"("kind":"file")", R"("kind":"rumour")").empty());
  EXPECT_FALSE(with(R"("retro":null)", R"("retro":{"transfer_stage":"pending"})").empty());
  EXPECT_FALSE(with(R"("evidence":{"path":[])", R"("evidence":{"path":[{}])").empty());
  EXPECT_FALSE(with(R"("listed_address":"https:)", R"("listed_address":1,"x":"https:)").empty());
}

TEST_F(Schemas, DescribeTheBundledDemoDepositEvents) {
  std::ifstream in(FW_SOURCE_DIR "/config/demo/alex-lab-2024.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ASSERT_EQ(joined(check(deposit_schema, line)), "") << line;
    ++n;
  }
  EXPECT_GT(n, 50);
}

TEST_F(Schemas, DescribeTheDocumentedDepositEventForms) {
  const char* good[] = {
      R"({"type":"deposit","deposit_id":"d-1001","account_id":"u-42","chain":"stacks","network":"mainnet",
          "asset_symbol":"STX","asset_contract":"","asset_decimals":6,"sender":"SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS",
          "recipient":"SP15RWSKC53G1H1182HZTNV027BCQAK6T753GW081","deposit_address":"SP15RWSKC53G1H1182HZTNV027BCQAK6T753GW081",
          "amount":"1000000","tx_id":"0x01","event_index":0,"block_height":123,"status":"pending","memo":"u-42",
          "credited":false,"timestamp":"2024-05-14T10:00:00Z"})",
      R"({"deposit_id":42,"chain":"bitcoin","asset_symbol":"BTC","senders":["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"],
          "amount_decimal":"0.5","status":"credited"})",
      R"({"deposit_id":"d-2","chain":"tron","asset_contract":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
          "sender":"TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm","amount":"0x16e360","block_height":null})",
  };
  for (const char* e : good) EXPECT_EQ(joined(check(deposit_schema, e)), "") << e;
  const char* bad[] = {
      R"({"chain":"stacks","asset_symbol":"STX","sender":"SP1","amount":"1"})",               // no deposit_id
      R"({"deposit_id":"d","chain":"stacks","asset_symbol":"STX","amount":"1"})",              // no sender
      R"({"deposit_id":"d","chain":"stacks","asset_symbol":"STX","sender":"SP1"})",            // no amount
      R"({"deposit_id":"d","chain":"stacks","sender":"SP1","amount":"1"})",                    // no asset
      R"({"deposit_id":"d","chain":"stacks","asset_symbol":"STX","sender":"SP1","amount":1.5})",
      R"({"deposit_id":"d","chain":"stacks","asset_symbol":"STX","sender":"SP1","amount":"1","status":"lost"})",
      R"({"type":"withdrawal","deposit_id":"d","chain":"stacks","asset_symbol":"STX","sender":"SP1","amount":"1"})",
  };
  for (const char* e : bad) EXPECT_NE(joined(check(deposit_schema, e)), "") << e;
}

TEST_F(Schemas, ListEveryMappableDepositField) {
  std::set<std::string> in_schema;
  for (auto [key, value] : simdjson::dom::object(deposit_schema["properties"])) in_schema.emplace(key);
  std::set<std::string> expected{"type"};
  for (std::string_view f : config::deposit_fields) expected.emplace(f);
  EXPECT_EQ(in_schema, expected);
}

}  // namespace
}  // namespace fw::alert
