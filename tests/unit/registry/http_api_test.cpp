#include "registry/http_api.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sqlite3.h>

#include <fstream>
#include <map>

#include "admin/router.hpp"
#include "registry/json.hpp"
#include "test_util.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::registry {
namespace {

using test::evm;
using Kind = LiveEntry::Kind;

constexpr const char* kToken = "alice-secret-token-0123456789";
constexpr std::int64_t kNow = 1'715'853'600'000;  // 2024-05-16T10:00:00Z

// Valid addresses from docs/watchlists.md.
constexpr const char* kEvmMixed = "0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed";
constexpr const char* kEvmCanonical = "0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed";
constexpr const char* kEvmBadChecksum = "0x3e8c9490687dFC26c5621dd63CE9C3d415b405ed";
constexpr const char* kStacks = "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS";
constexpr const char* kTron = "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm";

class ApiTest : public ::testing::Test {
 protected:
  ApiTest() {
    std::string error;
    registry_ = Registry::open(dir_.file("watchlist.db"), false, holder_, error);
    EXPECT_TRUE(registry_) << error;
    api_ = std::make_unique<Api>(*registry_, admin::TokenSet({{"alice", config::Secret(kToken)}}),
                                 [this] { return now_; });
    add_routes([this](std::string m, std::string p, admin::Handler h,
                      admin::PathMatch pm) { router_.add(std::move(m), std::move(p), std::move(h), pm); },
               *api_);
  }

  admin::Response call(std::string method, std::string target, std::string body = "", const char* token = kToken) {
    admin::Request r;
    r.method = std::move(method);
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    if (token) r.headers.push_back({"Authorization", std::string("Bearer ") + token});
    r.body = std::move(body);
    r.peer = "127.0.0.1:40000";
    return router_.dispatch(r);
  }

  static simdjson::dom::element parse(simdjson::dom::parser& p, const admin::Response& r) {
    simdjson::dom::element e;
    EXPECT_FALSE(p.parse(r.body).get(e)) << r.body;
    return e;
  }

  static std::string header(const admin::Response& r, std::string_view name) {
    for (const auto& h : r.headers)
      if (h.name == name) return h.value;
    return "";
  }

  test::TempDir dir_;
  watchlist::OverlayHolder holder_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<Api> api_;
  admin::Router router_;
  std::int64_t now_ = kNow;
};

// ---- auth -------------------------------------------------------------------

TEST_F(ApiTest, EveryRouteAnswers401WithoutAValidTokenAndNeverEchoesIt) {
  const std::pair<const char*, const char*> routes[] = {
      {"POST", "/api/v1/watchlist/entries"},
      {"GET", "/api/v1/watchlist/entries"},
      {"GET", "/api/v1/watchlist/entries/0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed"},
      {"DELETE", "/api/v1/watchlist/entries/0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed"},
      {"GET", "/api/v1/watchlist/export"},
      {"POST", "/api/v1/watchlist/derived/0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed/approve"},
      {"DELETE", "/api/v1/watchlist/derived/0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed"},
      {"GET", "/api/v1/watchlist/audit"},
  };
  const std::string body = std::string(R"({"entries":[{"address":")") + kEvmMixed + "\"}]}";
  for (const auto& [method, path] : routes) {
    for (const char* token : {static_cast<const char*>(nullptr), "wrong-token-but-long-enough", "alice-secret-token-012345678"}) {
      const auto r = call(method, path, body, token);
      EXPECT_EQ(r.status, 401) << method << " " << path;
      EXPECT_EQ(header(r, "WWW-Authenticate").rfind("Bearer", 0), 0u) << method << " " << path;
      if (token) {
        EXPECT_EQ(r.body.find(token), std::string::npos) << r.body;
      }
    }
  }
  EXPECT_TRUE(holder_.current()->empty());
  EXPECT_TRUE(registry_->audit_log(0, 10).records.empty());
}

TEST_F(ApiTest, NoConfiguredTokensMeans401ForEverything) {
  Api api(*registry_, admin::TokenSet{}, [] { return kNow; });
  admin::Request r;
  r.method = "GET";
  r.path = "/api/v1/watchlist/entries";
  r.headers.push_back({"Authorization", "Bearer anything-0123456789"});
  EXPECT_EQ(api.list_entries(r).status, 401);
}

TEST_F(ApiTest, TheTokenNameIsTheAuditWho) {
  ASSERT_EQ(call("POST", "/api/v1/watchlist/entries", std::string(R"({"entries":[{"address":")") + kEvmMixed + "\"}]}")
                .status,
            200);
  const auto audit = registry_->audit_log(0, 10).records;
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].who, "alice");
  EXPECT_EQ(audit[0].peer, "127.0.0.1:40000");
}

// ---- POST /entries ------------------------------------------------------------

TEST_F(ApiTest, PostAddsABatchWithProvenanceVisibleAtOnce) {
  const std::string body = std::string(R"({"entries":[
    {"address":")") + kEvmMixed + R"(","label":"ALEX Lab exploiter","incident":"alex-lab-2024","source":"ALEX Lab statement",
     "severity":"CRITICAL","notes":"n","expires_at":"2024-06-01T00:00:00Z","follow":true},
    {"address":")" + kStacks + R"(","chain":"stacks","incident":"alex-lab-2024"},
    {"address":"  )" + kTron + R"( ","expires_at":1893456000}]})";
  const auto r = call("POST", "/api/v1/watchlist/entries", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  simdjson::dom::parser p;
  const auto j = parse(p, r);
  EXPECT_EQ(j["added"].get_int64().value(), 3);
  EXPECT_EQ(j["updated"].get_int64().value(), 0);
  EXPECT_EQ(std::string_view(j["entries"].at(0).get_string().value()), kEvmCanonical);

  const auto e = holder_.current()->find(kEvmCanonical);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].label, "ALEX Lab exploiter");
  EXPECT_EQ(e[0].incident, "alex-lab-2024");
  EXPECT_EQ(e[0].source, "ALEX Lab statement");
  EXPECT_EQ(e[0].severity, "critical");
  EXPECT_EQ(e[0].notes, "n");
  EXPECT_TRUE(e[0].follow);
  EXPECT_EQ(e[0].expires_at_ms, 1717200000000);
  EXPECT_EQ(e[0].added_by, "alice");
  EXPECT_EQ(e[0].added_at_ms, kNow);
  EXPECT_EQ(holder_.current()->find(kStacks).size(), 1u);
  const auto tron = holder_.current()->find(kTron);
  ASSERT_EQ(tron.size(), 1u);
  EXPECT_EQ(tron[0].chain, Chain::tron);
  EXPECT_EQ(tron[0].expires_at_ms, 1893456000000);
  EXPECT_EQ(tron[0].severity, "high");  // default
}

TEST_F(ApiTest, PostReportsUpdates) {
  const std::string body = std::string(R"({"entries":[{"address":")") + kEvmMixed + "\"}]}";
  ASSERT_EQ(call("POST", "/api/v1/watchlist/entries", body).status, 200);
  const auto r = call("POST", "/api/v1/watchlist/entries", body);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"added\":0,\"updated\":1"), std::string::npos) << r.body;
}

TEST_F(ApiTest, ABadEntryRejectsTheWholeBatchWithEveryProblem) {
  const std::string body = std::string(R"({"entries":[
    {"address":")") + kStacks + R"("},
    {"address":")" + kEvmBadChecksum + R"("},
    {"address":")" + kEvmMixed + R"(","severity":"urgent","colour":"red"},
    {"label":"no address"},
    {"address":")" + kTron + R"(","chain":"solana"},
    {"address":"hello"},
    {"address":")" + kEvmMixed + R"(","follow":"yes","expires_at":"2020-01-01T00:00:00Z"},
    "not an object",
    {"address":"0xnope","severity":"urgent"}]})";
  const auto r = call("POST", "/api/v1/watchlist/entries", body);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(holder_.current()->empty());
  EXPECT_TRUE(registry_->audit_log(0, 10).records.empty());
  simdjson::dom::parser p;
  const auto j = parse(p, r);
  std::multimap<std::int64_t, std::pair<std::string, std::string>> problems;
  const simdjson::dom::array list = j["problems"].get_array().value();
  for (auto pr : list)
    problems.emplace(pr["index"].get_int64().value(),
                     std::pair{std::string(pr["field"].get_string().value()), std::string(pr["reason"].get_string().value())});
  auto reason = [&](std::int64_t index, const std::string& field) -> std::string {
    for (auto [it, end] = problems.equal_range(index); it != end; ++it)
      if (it->second.first == field) return it->second.second;
    return "<none>";
  };
  EXPECT_EQ(problems.count(0), 0u);
  EXPECT_NE(reason(1, "address").find("checksum"), std::string::npos) << reason(1, "address");
  EXPECT_NE(reason(2, "severity").find("unknown severity 'urgent'"), std::string::npos);
  EXPECT_EQ(reason(2, "colour"), "unknown field");
  EXPECT_EQ(reason(3, "address"), "missing");
  EXPECT_NE(reason(4, "chain").find("unknown chain 'solana'"), std::string::npos);
  EXPECT_NE(reason(5, "address"), "<none>");
  EXPECT_EQ(reason(6, "follow"), "expected true or false");
  EXPECT_EQ(reason(6, "expires_at"), "in the past");
  EXPECT_EQ(reason(7, ""), "expected an object");
  // Every problem of one entry is reported, the address included.
  EXPECT_NE(reason(8, "severity"), "<none>");
  EXPECT_NE(reason(8, "address"), "<none>");
  EXPECT_EQ(j["problem_count"].get_int64().value(), static_cast<std::int64_t>(problems.size()));
}

TEST_F(ApiTest, MalformedJsonGets400WithTheByteOffset) {
  const auto r = call("POST", "/api/v1/watchlist/entries", R"({"entries": [{"address": "0x1"},, ]})");
  ASSERT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("malformed JSON"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"offset\":32"), std::string::npos) << r.body;
  EXPECT_EQ(call("POST", "/api/v1/watchlist/entries", "").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/watchlist/entries", "{\"entries\":[").status, 400);
}

TEST_F(ApiTest, WrongShapesAndTypesGet400WithAReason) {
  struct Case {
    const char* body;
    const char* reason;
  } cases[] = {
      {"[]", "must be a JSON object"},
      {R"({})", R"(missing \"entries\")"},
      {R"({"entries":{}})", "must be an array"},
      {R"({"entries":[]})", "empty"},
      {R"({"entries":[],"dry_run":true})", "unknown field 'dry_run'"},
      {R"({"entries":[{"address":7}]})", "expected a string"},
      {R"({"entries":[{"address":"0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed","expires_at":true}]})", "expires_at"},
      {R"({"entries":[{"address":"0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed","expires_at":"2030-01-01T00:00:00"}]})", "zone"},
      {R"({"entries":[{"address":"0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed","address":"x"}]})", "given twice"},
  };
  for (const auto& c : cases) {
    const auto r = call("POST", "/api/v1/watchlist/entries", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(r.body.find(c.reason), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_TRUE(holder_.current()->empty());
}

TEST_F(ApiTest, BatchesLargerThanTheMaximumAreRefused) {
  auto batch = [](std::size_t n) {
    std::string body = "{\"entries\":[";
    for (std::size_t i = 0; i < n; ++i) {
      if (i) body += ',';
      body += "{\"address\":\"" + evm(static_cast<unsigned>(i + 1)) + "\"}";
    }
    return body + "]}";
  };
  auto r = call("POST", "/api/v1/watchlist/entries", batch(kMaxBatch + 1));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("exceeds the maximum of 10000"), std::string::npos) << r.body.substr(0, 200);
  EXPECT_TRUE(holder_.current()->empty());
  r = call("POST", "/api/v1/watchlist/entries", batch(kMaxBatch));
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(holder_.current()->size(), kMaxBatch);
}

TEST_F(ApiTest, OnAddedHookFiresWithNewAddresses) {
  std::vector<std::string> got;
  registry_->set_on_added([&](const std::vector<std::string>& a, Kind) { got = a; });
  ASSERT_EQ(call("POST", "/api/v1/watchlist/entries", std::string(R"({"entries":[{"address":")") + kEvmMixed + "\"}]}")
                .status,
            200);
  EXPECT_EQ(got, std::vector<std::string>{kEvmCanonical});
}

TEST_F(ApiTest, StorageFailureGets500AndChangesNothing) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.file("watchlist.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE audit", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  const auto r = call("POST", "/api/v1/watchlist/entries", std::string(R"({"entries":[{"address":")") + kEvmMixed + "\"}]}");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("nothing was added"), std::string::npos);
  EXPECT_TRUE(holder_.current()->empty());
}

// ---- GET / DELETE /entries/{address} ---------------------------------------------

TEST_F(ApiTest, GetOneAcceptsAnySpellingAndAddsFileListings) {
  ASSERT_EQ(call("POST", "/api/v1/watchlist/entries",
                 std::string(R"({"entries":[{"address":")") + kEvmMixed + R"(","label":"L","incident":"i"}]})")
                .status,
            200);
  api_->set_file_lookup([](const address::Address& a) {
    return std::vector<std::string>{R"({"kind":"file","list":"ofac","address":")" + a.canonical + "\"}"};
  });
  const auto r = call("GET", std::string("/api/v1/watchlist/entries/") + kEvmCanonical);
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser p;
  const auto j = parse(p, r);
  EXPECT_EQ(std::string_view(j["address"].get_string().value()), kEvmCanonical);
  EXPECT_EQ(j["live"].get_array().value().size(), 1u);
  EXPECT_EQ(std::string_view(j["live"].at(0)["label"].get_string().value()), "L");
  EXPECT_EQ(std::string_view(j["files"].at(0)["list"].get_string().value()), "ofac");
  EXPECT_TRUE(j["listed"].get_bool().value());
}

TEST_F(ApiTest, GetOneIs404WhenNotListedAnywhereAnd400ForABadAddress) {
  EXPECT_EQ(call("GET", std::string("/api/v1/watchlist/entries/") + kEvmMixed).status, 404);
  api_->set_file_lookup([](const address::Address&) { return std::vector<std::string>{"{\"kind\":\"file\"}"}; });
  EXPECT_EQ(call("GET", std::string("/api/v1/watchlist/entries/") + kEvmMixed).status, 200);
  const auto bad = call("GET", std::string("/api/v1/watchlist/entries/") + kEvmBadChecksum);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("checksum"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/v1/watchlist/entries/").status, 400);
  EXPECT_EQ(call("GET", std::string("/api/v1/watchlist/entries/") + kEvmMixed + "?colour=red").status, 400);
}

TEST_F(ApiTest, ChainQueryParameterSelectsTronForHexAddresses) {
  ASSERT_EQ(call("POST", "/api/v1/watchlist/entries",
                 R"({"entries":[{"address":"0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed","chain":"tron"}]})")
                .status,
            200);
  const auto r = call("GET", "/api/v1/watchlist/entries/0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed?chain=tron");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"chain\":\"tron\""), std::string::npos);
  EXPECT_EQ(call("GET", "/api/v1/watchlist/entries/0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed").status, 404);
}

TEST_F(ApiTest, DeleteRemovesApiEntriesOfAnIncidentOrAll) {
  ASSERT_EQ(call("POST", "/api/v1/watchlist/entries",
                 std::string(R"({"entries":[{"address":")") + kEvmMixed + R"(","incident":"a b"},{"address":")" +
                     kEvmMixed + R"(","incident":"c"}]})")
                .status,
            200);
  auto r = call("DELETE", std::string("/api/v1/watchlist/entries/") + kEvmMixed + "?incident=a%20b");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"removed\":1"), std::string::npos);
  EXPECT_EQ(holder_.current()->find(kEvmCanonical).size(), 1u);
  EXPECT_EQ(call("DELETE", std::string("/api/v1/watchlist/entries/") + kEvmMixed + "?incident=zzz").status, 404);
  r = call("DELETE", std::string("/api/v1/watchlist/entries/") + kEvmCanonical);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(holder_.current()->find(kEvmCanonical).empty());
  EXPECT_EQ(call("DELETE", std::string("/api/v1/watchlist/entries/") + kEvmCanonical).status, 404);
  const auto audit = registry_->audit_log(0, 10).records;
  ASSERT_EQ(audit.size(), 4u);
  EXPECT_EQ(audit[2].action, "remove");
  EXPECT_EQ(audit[2].incident, "a b");
}

TEST_F(ApiTest, UnsupportedMethodsGet405FromTheRouter) {
  const auto r = call("PUT", "/api/v1/watchlist/entries");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(call("DELETE", "/api/v1/watchlist/export").status, 405);
  EXPECT_EQ(call("POST", "/api/v1/watchlist/audit").status, 405);
}

// ---- list / export ---------------------------------------------------------------

TEST_F(ApiTest, ListPagesWithACursorAndFilters) {
  std::string body = "{\"entries\":[";
  for (unsigned i = 1; i <= 7; ++i) {
    if (i > 1) body += ',';
    body += "{\"address\":\"" + evm(i) + "\",\"incident\":\"" + (i % 2 ? "odd" : "even") + "\"}";
  }
  body += "]}";
  ASSERT_EQ(call("POST", "/api/v1/watchlist/entries", body).status, 200);
  ASSERT_TRUE(registry_->add_derived({test::derived_entry(evm(50), 1)}, kNow).ok);

  std::vector<std::string> seen;
  std::string target = "/api/v1/watchlist/entries?limit=3";
  simdjson::dom::parser p;
  for (int page = 0; page < 10; ++page) {
    const auto r = call("GET", target);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = parse(p, r);
    const simdjson::dom::array entries = j["entries"].get_array().value();
    for (auto e : entries) seen.emplace_back(e["address"].get_string().value());
    if (j["next"].is_null()) break;
    target = "/api/v1/watchlist/entries?limit=3&after=" + std::string(j["next"].get_string().value());
  }
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  auto r = call("GET", "/api/v1/watchlist/entries?incident=odd");
  EXPECT_EQ(parse(p, r)["entries"].get_array().value().size(), 4u);
  r = call("GET", "/api/v1/watchlist/entries?kind=derived");
  const auto d = parse(p, r);
  ASSERT_EQ(d["entries"].get_array().value().size(), 1u);
  EXPECT_TRUE(d["entries"].at(0)["suspected"].get_bool().value());
  EXPECT_EQ(d["entries"].at(0)["path"].get_array().value().size(), 1u);

  EXPECT_EQ(call("GET", "/api/v1/watchlist/entries?kind=file").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/watchlist/entries?limit=0").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/watchlist/entries?limit=1001").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/watchlist/entries?limit=ten").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/watchlist/entries?sort=desc").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/watchlist/entries?limit=1&limit=2").status, 400);
}

TEST_F(ApiTest, CsvExportLoadsBackThroughTheFileLoader) {
  const std::string body = std::string(R"({"entries":[
    {"address":")") + kEvmMixed + R"(","label":"Exploiter, \"hot\" wallet","incident":"alex-lab-2024","source":"ALEX","severity":"critical","notes":"line1\nline2"},
    {"address":")" + kStacks + R"(","label":" padded ","incident":"alex-lab-2024"},
    {"address":")" + kTron + R"(","label":"#hash","expires_at":"2024-05-16T11:00:00Z"}]})";
  ASSERT_EQ(call("POST", "/api/v1/watchlist/entries", body).status, 200);
  ASSERT_TRUE(registry_->add_derived({test::derived_entry(evm(50), 1)}, kNow).ok);
  now_ = kNow + 2 * 3600 * 1000;  // the TRON entry has expired: not exported

  const auto r = call("GET", "/api/v1/watchlist/export?format=csv");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  const auto file = dir_.file("export.csv");
  std::ofstream(file, std::ios::binary) << r.body;

  config::WatchlistsConfig cfg;
  cfg.twins = config::TwinsConfig{false, false};
  config::WatchlistFile f;
  f.name = "export";
  f.path = file;
  f.format = config::WatchlistFile::Format::csv;
  f.strict = true;
  cfg.files.push_back(f);
  const auto loaded = watchlist::load(cfg, "");
  ASSERT_TRUE(loaded.snapshot) << loaded.error << (loaded.issues.empty() ? "" : watchlist::format_issue(loaded.issues[0]));
  EXPECT_EQ(loaded.snapshot->size(), 3u);
  const auto* e = loaded.snapshot->find(kEvmCanonical);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->provenance.front().label, "Exploiter, \"hot\" wallet");
  EXPECT_EQ(e->provenance.front().incident, "alex-lab-2024");
  EXPECT_EQ(e->provenance.front().source, "ALEX");
  EXPECT_EQ(e->provenance.front().severity, "critical");
  EXPECT_EQ(e->provenance.front().notes, "line1 line2");
  const auto* s = loaded.snapshot->find(kStacks);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->chain, Chain::stacks);
  EXPECT_TRUE(loaded.snapshot->find(evm(50)));
  EXPECT_FALSE(loaded.snapshot->find(kTron));

  // ?incident= exports one incident only.
  const auto one = call("GET", "/api/v1/watchlist/export?incident=alex-lab-2024");
  ASSERT_EQ(one.status, 200);
  EXPECT_NE(one.body.find(kEvmCanonical), std::string::npos);
  EXPECT_NE(one.body.find(kStacks), std::string::npos);
  EXPECT_EQ(one.body.find(evm(50)), std::string::npos);
}

TEST_F(ApiTest, JsonlExportHasOneEntryPerLine) {
  ASSERT_EQ(call("POST", "/api/v1/watchlist/entries",
                 std::string(R"({"entries":[{"address":")") + kEvmMixed + R"("},{"address":")" + kStacks + "\"}]}")
                .status,
            200);
  const auto r = call("GET", "/api/v1/watchlist/export?format=jsonl");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/x-ndjson");
  std::size_t lines = 0;
  simdjson::dom::parser p;
  for (std::size_t pos = 0; pos < r.body.size();) {
    const auto end = r.body.find('\n', pos);
    ASSERT_NE(end, std::string::npos);
    simdjson::dom::element e;
    ASSERT_FALSE(p.parse(r.body.substr(pos, end - pos)).get(e));
    ++lines;
    pos = end + 1;
  }
  EXPECT_EQ(lines, 2u);
  EXPECT_EQ(call("GET", "/api/v1/watchlist/export?format=xml").status, 400);
}

// ---- derived ---------------------------------------------------------------------

TEST_F(ApiTest, ApproveAndDismissDerivedEntries) {
  ASSERT_TRUE(registry_->add_derived({test::derived_entry(evm(50), 1), test::derived_entry(evm(51), 2)}, kNow).ok);
  auto r = call("POST", "/api/v1/watchlist/derived/" + evm(50) + "/approve");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"approved\":1"), std::string::npos);
  EXPECT_FALSE(holder_.current()->find(evm(50))[0].suspected());
  EXPECT_EQ(holder_.current()->find(evm(50))[0].approved_by, "alice");
  EXPECT_EQ(call("POST", "/api/v1/watchlist/derived/" + evm(99) + "/approve").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/watchlist/derived/" + evm(50)).status, 404);
  EXPECT_EQ(call("POST", "/api/v1/watchlist/derived/nonsense/approve").status, 400);

  r = call("DELETE", "/api/v1/watchlist/derived/" + evm(51));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"dismissed\":1"), std::string::npos);
  EXPECT_TRUE(holder_.current()->find(evm(51)).empty());
  EXPECT_EQ(call("DELETE", "/api/v1/watchlist/derived/" + evm(51)).status, 404);
  const auto audit = registry_->audit_log(0, 10).records;
  ASSERT_EQ(audit.size(), 4u);
  EXPECT_EQ(audit[2].action, "approve");
  EXPECT_EQ(audit[2].who, "alice");
  EXPECT_EQ(audit[3].action, "dismiss");
}

// ---- audit ------------------------------------------------------------------------

TEST_F(ApiTest, AuditReturnsRecordsAfterASeq) {
  for (unsigned i = 1; i <= 3; ++i)
    ASSERT_EQ(call("POST", "/api/v1/watchlist/entries", "{\"entries\":[{\"address\":\"" + evm(i) + "\",\"label\":\"x\"}]}")
                  .status,
              200);
  simdjson::dom::parser p;
  auto r = call("GET", "/api/v1/watchlist/audit?limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = parse(p, r);
  ASSERT_EQ(j["records"].get_array().value().size(), 2u);
  EXPECT_EQ(std::string_view(j["records"].at(0)["who"].get_string().value()), "alice");
  EXPECT_EQ(std::string_view(j["records"].at(0)["action"].get_string().value()), "add");
  EXPECT_EQ(std::string_view(j["records"].at(0)["detail"]["label"].get_string().value()), "x");
  EXPECT_EQ(std::string_view(j["records"].at(0)["at"].get_string().value()), "2024-05-16T10:00:00.000Z");
  const auto next = j["next_since"].get_int64().value();
  r = call("GET", "/api/v1/watchlist/audit?since=" + std::to_string(next));
  j = parse(p, r);
  ASSERT_EQ(j["records"].get_array().value().size(), 1u);
  EXPECT_EQ(std::string_view(j["records"].at(0)["address"].get_string().value()), evm(3));
  EXPECT_EQ(call("GET", "/api/v1/watchlist/audit?since=-1").status, 400);
}

}  // namespace
}  // namespace fw::registry
