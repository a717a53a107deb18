#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace fw::config {
namespace {

// Valid Standard Webhooks secrets (24 and 32 key bytes).
constexpr const char* kSecretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSecretB = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* kOrigin = "/etc/freezewatch/freezewatch.yaml";

LoadResult load(const std::string& yaml, const std::string& origin = kOrigin) {
  return load_string(yaml, origin);
}

std::string dump(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += format_error("cfg", e) + "\n";
  return out;
}

// The error at `path`, or nullptr.
const Error* find(const LoadResult& r, const std::string& path) {
  for (const auto& e : r.errors)
    if (e.path == path) return &e;
  return nullptr;
}

// True when an error at `path` contains `text`.
bool has(const LoadResult& r, const std::string& path, const std::string& text) {
  for (const auto& e : r.errors)
    if (e.path == path && e.message.find(text) != std::string::npos) return true;
  return false;
}

class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~EnvGuard() { ::unsetenv(name_); }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
};

// ---- defaults -------------------------------------------------------------------

TEST(ConfigDefaults, EmptyFileYieldsValidDefaultConfig) {
  for (const char* text : {"", "# only a comment\n", "---\n", "~\n"}) {
    const auto r = load(text);
    ASSERT_TRUE(r) << "input: " << text << "\n" << dump(r);
    const Config& c = *r.config;
    EXPECT_EQ(c.path, kOrigin);
    EXPECT_EQ(c.log.level, LogLevel::info);
    EXPECT_EQ(c.log.format, LogFormat::logfmt);
    EXPECT_EQ(c.storage.dir, "/var/lib/freezewatch");
    EXPECT_TRUE(c.admin.enabled);
    EXPECT_EQ(c.admin.listen_address, "127.0.0.1");
    EXPECT_EQ(c.admin.port, 9464);
    EXPECT_TRUE(c.watchlists.watch_files);
    EXPECT_EQ(c.watchlists.poll_interval_ms, 1000u);
    EXPECT_TRUE(c.watchlists.files.empty());
    EXPECT_TRUE(c.sources.empty());
    EXPECT_TRUE(c.webhooks.empty());
  }
}

TEST(ConfigDefaults, EmptySectionsKeepStructDefaults) {
  const auto r = load("log:\nstorage: {}\nadmin:\nwatchlists:\nsources: []\nwebhooks:\n");
  ASSERT_TRUE(r) << dump(r);
  EXPECT_EQ(r.config->admin.port, 9464);
  EXPECT_EQ(r.config->storage.dir, "/var/lib/freezewatch");
}

TEST(ConfigDefaults, OmittedOptionsOfSourcesAndWebhooksKeepDefaults) {
  EnvGuard s("FW_TEST_SECRET", kSecretA);
  const auto r = load(R"(
sources:
  - {name: ex, type: deposits_ws, url: "wss://ex.example/stream"}
webhooks:
  - {name: hook, url: "https://hooks.example/x", secrets: ["${FW_TEST_SECRET}"]}
)");
  ASSERT_TRUE(r) << dump(r);
  const SourceConfig& src = r.config->sources.at(0);
  EXPECT_TRUE(src.tls_verify);
  EXPECT_EQ(src.connect_timeout_ms, 5000u);
  EXPECT_EQ(src.idle_timeout_ms, 30000u);
  EXPECT_EQ(src.ping_interval_ms, 10000u);
  EXPECT_EQ(src.stale_after_ms, 60000u);
  EXPECT_EQ(src.max_frame_bytes, 1u << 20);
  EXPECT_EQ(src.reconnect.initial_ms, 100u);
  EXPECT_EQ(src.reconnect.max_ms, 30000u);
  EXPECT_FALSE(src.mapping.has_value());
  const WebhookConfig& w = r.config->webhooks.at(0);
  EXPECT_EQ(w.type, WebhookConfig::Type::http);
  EXPECT_EQ(w.timeout_ms, 10000u);
  EXPECT_EQ(w.concurrency, 4u);
  EXPECT_EQ(w.retry.initial_ms, 1000u);
  EXPECT_EQ(w.retry.max_ms, 3600000u);
  EXPECT_EQ(w.retry_for_ms, 86400000u);
  EXPECT_EQ(w.heartbeat_interval_ms, 0u);
  EXPECT_TRUE(w.filter.chains.empty());
  EXPECT_EQ(w.filter.direction, Direction::any);
}

// ---- a complete config ------------------------------------------------------------

TEST(ConfigLoad, ReadsEveryOption) {
  EnvGuard tok("FW_TEST_TOKEN", "tok-123");
  EnvGuard sec("FW_TEST_SECRET", kSecretA);
  const auto r = load(R"(
log: {level: debug, format: json}
storage: {dir: /srv/fw}
admin: {enabled: false, listen_address: "::1", port: 9000}
watchlists:
  watch_files: false
  poll_interval_ms: 250
  files:
    - {name: ofac, path: /lists/ofac.csv, format: text, chain: eth, strict: true,
       source: "OFAC SDN", incident: lazarus, severity: critical}
sources:
  - name: exchange
    type: deposits_ws
    url: wss://deposits.example/stream
    headers: {Authorization: "Bearer ${FW_TEST_TOKEN}"}
    subscribe_message: '{"op":"subscribe","key":"${FW_TEST_TOKEN}"}'
    tls_verify: false
    connect_timeout_ms: 1000
    idle_timeout_ms: 20000
    ping_interval_ms: 5000
    stale_after_ms: 0
    max_frame_bytes: 4096
    reconnect: {initial_ms: 50, max_ms: 5000}
    mapping:
      type_pointer: /type
      type_value: deposit
      fields: {deposit_id: /id, account_id: /user, chain: /network, amount: "/a~1b", memo: ""}
  - {name: demo, type: replay, path: /data/demo.jsonl, rate_per_second: 12.5, loop: true}
webhooks:
  - name: compliance
    type: http
    url: https://hooks.example/freezewatch
    secrets: ["${FW_TEST_SECRET}", ")" +
                      std::string(kSecretB) + R"("]
    headers: {X-Team: compliance}
    tls_verify: false
    timeout_ms: 2000
    concurrency: 8
    retry: {initial_ms: 500, max_ms: 60000}
    retry_for_ms: 3600000
    heartbeat_interval_ms: 60000
    filter: {chains: [stacks, evm, eth], assets: [USDT], min_amount: "100.5", direction: from}
  - {name: logger, type: log}
)");
  ASSERT_TRUE(r) << dump(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.log.level, LogLevel::debug);
  EXPECT_EQ(c.log.format, LogFormat::json);
  EXPECT_EQ(c.storage.dir, "/srv/fw");
  EXPECT_FALSE(c.admin.enabled);
  EXPECT_EQ(c.admin.listen_address, "::1");
  EXPECT_EQ(c.admin.port, 9000);
  EXPECT_FALSE(c.watchlists.watch_files);
  EXPECT_EQ(c.watchlists.poll_interval_ms, 250u);
  ASSERT_EQ(c.watchlists.files.size(), 1u);
  const WatchlistFile& f = c.watchlists.files[0];
  EXPECT_EQ(f.name, "ofac");
  EXPECT_EQ(f.path, "/lists/ofac.csv");
  EXPECT_EQ(f.format, WatchlistFile::Format::text);
  EXPECT_EQ(f.chain, Chain::evm);  // alias "eth"
  EXPECT_TRUE(f.strict);
  EXPECT_EQ(f.source, "OFAC SDN");
  EXPECT_EQ(f.incident, "lazarus");
  EXPECT_EQ(f.severity, "critical");

  ASSERT_EQ(c.sources.size(), 2u);
  const SourceConfig& ws = c.sources[0];
  EXPECT_EQ(ws.name, "exchange");
  EXPECT_EQ(ws.type, SourceConfig::Type::deposits_ws);
  EXPECT_EQ(ws.url, "wss://deposits.example/stream");
  ASSERT_EQ(ws.headers.count("Authorization"), 1u);
  EXPECT_EQ(ws.headers.at("Authorization").reveal(), "Bearer tok-123");
  EXPECT_EQ(ws.subscribe_message, R"({"op":"subscribe","key":"tok-123"})");
  EXPECT_FALSE(ws.tls_verify);
  EXPECT_EQ(ws.connect_timeout_ms, 1000u);
  EXPECT_EQ(ws.idle_timeout_ms, 20000u);
  EXPECT_EQ(ws.ping_interval_ms, 5000u);
  EXPECT_EQ(ws.stale_after_ms, 0u);
  EXPECT_EQ(ws.max_frame_bytes, 4096u);
  EXPECT_EQ(ws.reconnect.initial_ms, 50u);
  EXPECT_EQ(ws.reconnect.max_ms, 5000u);
  ASSERT_TRUE(ws.mapping.has_value());
  EXPECT_EQ(ws.mapping->type_pointer, "/type");
  EXPECT_EQ(ws.mapping->type_value, "deposit");
  EXPECT_EQ(ws.mapping->fields.size(), 5u);
  EXPECT_EQ(ws.mapping->fields.at("deposit_id"), "/id");
  EXPECT_EQ(ws.mapping->fields.at("amount"), "/a~1b");
  EXPECT_EQ(ws.mapping->fields.at("memo"), "");
  const SourceConfig& rp = c.sources[1];
  EXPECT_EQ(rp.type, SourceConfig::Type::replay);
  EXPECT_EQ(rp.path, "/data/demo.jsonl");
  EXPECT_DOUBLE_EQ(rp.rate_per_second, 12.5);
  EXPECT_TRUE(rp.loop);

  ASSERT_EQ(c.webhooks.size(), 2u);
  const WebhookConfig& w = c.webhooks[0];
  EXPECT_EQ(w.url, "https://hooks.example/freezewatch");
  ASSERT_EQ(w.secrets.size(), 2u);
  EXPECT_EQ(w.secrets[0].reveal(), kSecretA);
  EXPECT_EQ(w.secrets[1].reveal(), kSecretB);
  EXPECT_EQ(w.headers.at("X-Team").reveal(), "compliance");
  EXPECT_FALSE(w.tls_verify);
  EXPECT_EQ(w.timeout_ms, 2000u);
  EXPECT_EQ(w.concurrency, 8u);
  EXPECT_EQ(w.retry.initial_ms, 500u);
  EXPECT_EQ(w.retry.max_ms, 60000u);
  EXPECT_EQ(w.retry_for_ms, 3600000u);
  EXPECT_EQ(w.heartbeat_interval_ms, 60000u);
  EXPECT_EQ(w.filter.chains, (std::vector<Chain>{Chain::stacks, Chain::evm}));  // "eth" folds into evm
  EXPECT_EQ(w.filter.assets, std::vector<std::string>{"USDT"});
  EXPECT_EQ(w.filter.min_amount, "100.5");
  EXPECT_EQ(w.filter.direction, Direction::from);
  EXPECT_EQ(c.webhooks[1].type, WebhookConfig::Type::log);
  EXPECT_TRUE(c.webhooks[1].secrets.empty());
}

TEST(ConfigLoad, WatchlistNameAndFormatDefaultFromThePath) {
  const auto r = load(R"(
watchlists:
  files:
    - path: lists/ofac-sdn.CSV
    - path: lists/alex-lab-2024.txt
)");
  ASSERT_TRUE(r) << dump(r);
  const auto& files = r.config->watchlists.files;
  EXPECT_EQ(files[0].name, "ofac-sdn");
  EXPECT_EQ(files[0].format, WatchlistFile::Format::csv);
  EXPECT_EQ(files[1].name, "alex-lab-2024");
  EXPECT_EQ(files[1].format, WatchlistFile::Format::text);
  EXPECT_EQ(files[1].severity, "high");
  EXPECT_FALSE(files[1].chain.has_value());
}

// ---- strict keys ----------------------------------------------------------------

TEST(ConfigStrictKeys, UnknownTopLevelKeySuggestsTheClosestKey) {
  const auto r = load("logs:\n  level: info\n");
  ASSERT_FALSE(r);
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(r.errors[0].path, "logs");
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_EQ(r.errors[0].message, "unknown key (did you mean log?)");
}

TEST(ConfigStrictKeys, UnknownNestedKeySuggestsTheKeyWithItsUnit) {
  EnvGuard sec("FW_TEST_SECRET", kSecretA);
  const auto r = load(R"(webhooks:
  - {name: a, type: log}
  - name: b
    url: https://hooks.example/b
    secrets: ["${FW_TEST_SECRET}"]
    timeout: 5000
)");
  ASSERT_FALSE(r);
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(format_error("fw.yaml", r.errors[0]),
            "fw.yaml:6: webhooks[1].timeout: unknown key (did you mean timeout_ms?)");
}

TEST(ConfigStrictKeys, UnknownKeysAreCaughtAtEveryLevel) {
  const auto r = load(R"(
admin: {listen_addr: 0.0.0.0}
sources:
  - name: ex
    type: deposits_ws
    url: wss://ex.example/s
    reconect: {initial_ms: 1}
    reconnect: {intial_ms: 5}
    mapping: {fields: {deposit_idd: /id}, type_pointr: /t}
webhooks:
  - {name: h, type: log, filter: {chain: [evm]}}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "admin.listen_addr", "did you mean listen_address?")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].reconect", "did you mean reconnect?")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].reconnect.intial_ms", "did you mean initial_ms?")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].mapping.fields.deposit_idd", "did you mean deposit_id?")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].mapping.type_pointr", "did you mean type_pointer?")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].filter.chain", "did you mean chains?")) << dump(r);
  EXPECT_EQ(r.errors.size(), 6u) << dump(r);
}

TEST(ConfigStrictKeys, UnknownKeyWithNoCloseMatchListsTheValidKeys) {
  const auto r = load("log: {colour: true}\n");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "log.colour", "unknown key (valid keys here: level, format)")) << dump(r);
}

TEST(ConfigStrictKeys, DuplicateKeyIsAnError) {
  const auto r = load("admin:\n  port: 1\n  port: 2\n");
  ASSERT_FALSE(r);
  const Error* e = find(r, "admin.port");
  ASSERT_NE(e, nullptr) << dump(r);
  EXPECT_EQ(e->line, 3);
  EXPECT_EQ(e->message, "duplicate key (first at line 2)");
}

TEST(ConfigStrictKeys, KeysOfTheOtherSourceOrWebhookTypeAreRejected) {
  const auto r = load(R"(
sources:
  - {name: demo, type: replay, path: demo.jsonl, url: "wss://x.example/"}
  - {name: ex, type: deposits_ws, url: "wss://x.example/", loop: true}
webhooks:
  - {name: l, type: log, url: "https://x.example/", timeout_ms: 5}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "sources[0].url", "not valid for a replay source")) << dump(r);
  EXPECT_TRUE(has(r, "sources[1].loop", "not valid for a deposits_ws source")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].url", "only valid for http webhooks")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].timeout_ms", "only valid for http webhooks")) << dump(r);
}

TEST(ConfigStacksSources, NodeAndApiSourcesReadTheirOptions) {
  const auto r = load(R"(
storage: {dir: /var/lib/fw}
sources:
  - name: node
    type: stacks_node
    listen: "0.0.0.0:3700"
    network: testnet
    final_depth: 3
    max_body_bytes: 1048576
    tokens:
      - {asset: "SP3Y2ZSH8P7D50B0VBTSX11S7XSG24M1VB9YFQA4K.token-aeusdc::aeUSDC", symbol: aeUSDC, decimals: 6}
  - name: hiro
    type: stacks_api
    url: "wss://api.mainnet.hiro.so/extended/v1/ws"
    api_url: "https://api.mainnet.hiro.so/"
    request_timeout_ms: 2500
    backfill_max_blocks: 500
)");
  ASSERT_TRUE(r) << dump(r);
  const SourceConfig& node = r.config->sources.at(0);
  EXPECT_EQ(node.type, SourceConfig::Type::stacks_node);
  EXPECT_EQ(node.listen_host, "0.0.0.0");
  EXPECT_EQ(node.listen_port, 3700);
  EXPECT_EQ(node.network, Network::testnet);
  EXPECT_EQ(node.final_depth, 3u);
  EXPECT_EQ(node.max_body_bytes, 1048576u);
  EXPECT_EQ(node.spool_dir, "/var/lib/fw/spool/node");  // default under storage.dir
  ASSERT_EQ(node.tokens.size(), 1u);
  EXPECT_EQ(node.tokens[0].symbol, "aeUSDC");
  EXPECT_EQ(node.tokens[0].decimals, 6);
  const SourceConfig& api = r.config->sources.at(1);
  EXPECT_EQ(api.type, SourceConfig::Type::stacks_api);
  EXPECT_EQ(api.api_url, "https://api.mainnet.hiro.so");  // trailing slash dropped
  EXPECT_EQ(api.request_timeout_ms, 2500u);
  EXPECT_EQ(api.backfill_max_blocks, 500u);
  EXPECT_EQ(api.final_depth, 6u);
  EXPECT_EQ(api.chain_name, "stacks");
}

TEST(ConfigChainSources, EvmTronAndBitcoinSourcesHaveTheirOwnKeysAndDefaults) {
  const auto r = load(R"(
storage: {dir: /var/lib/fw}
sources:
  - {name: eth, type: evm, url: "ws://127.0.0.1:8546", chain_id: 1, getlogs_max_range: 500, native_transfers: true}
  - {name: bsc, type: evm, url: "wss://bsc.example/ws", chain_id: 56, chain_name: bsc, final_depth: 15}
  - {name: trongrid, type: tron_grid, api_url: "https://api.trongrid.io", poll_interval_ms: 2000,
     headers: {TRON-PRO-API-KEY: abc}}
  - {name: tron-node, type: tron_events, listen: "127.0.0.1:3800"}
  - {name: mempool, type: mempool_space, url: "wss://mempool.space/api/v1/ws", max_tracked_addresses: 50}
)");
  ASSERT_TRUE(r) << dump(r);
  const auto& s = r.config->sources;
  EXPECT_EQ(s[0].type, SourceConfig::Type::evm);
  EXPECT_EQ(s[0].chain_name, "ethereum");
  EXPECT_EQ(s[0].final_depth, 12u);
  EXPECT_EQ(s[0].chain_id, 1u);
  EXPECT_EQ(s[0].getlogs_max_range, 500u);
  EXPECT_TRUE(s[0].native_transfers);
  EXPECT_EQ(s[1].chain_name, "bsc");
  EXPECT_EQ(s[1].final_depth, 15u);
  EXPECT_EQ(s[2].type, SourceConfig::Type::tron_grid);
  EXPECT_EQ(s[2].chain_name, "tron");
  EXPECT_EQ(s[2].final_depth, 19u);
  EXPECT_EQ(s[2].poll_interval_ms, 2000u);
  EXPECT_EQ(s[2].headers.at("TRON-PRO-API-KEY").reveal(), "abc");
  EXPECT_EQ(s[3].type, SourceConfig::Type::tron_events);
  EXPECT_EQ(s[3].spool_dir, "/var/lib/fw/spool/tron-node");
  EXPECT_EQ(s[4].type, SourceConfig::Type::mempool_space);
  EXPECT_EQ(s[4].chain_name, "bitcoin");
  EXPECT_EQ(s[4].max_tracked_addresses, 50u);
}

TEST(ConfigChainSources, EvmNeedsAChainIdAndTronGridTakesNoWebsocket) {
  const auto r = load(R"(
sources:
  - {name: eth, type: evm, url: "ws://127.0.0.1:8546"}
  - {name: tg, type: tron_grid, api_url: "https://api.trongrid.io", url: "wss://x.example/"}
  - {name: btc, type: mempool_space, url: "wss://mempool.space/api/v1/ws", listen: "127.0.0.1:1"}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "sources[0].chain_id", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "sources[1].url", "not valid for a tron_grid source")) << dump(r);
  EXPECT_TRUE(has(r, "sources[2].listen", "not valid for a mempool_space source")) << dump(r);
}

TEST(ConfigStacksSources, MissingAndMisplacedOptionsAreNamed) {
  const auto r = load(R"(
sources:
  - {name: node, type: stacks_node, listen: "3700", mapping: {}}
  - {name: hiro, type: stacks_api, url: "wss://x.example/extended/v1/ws", listen: "127.0.0.1:1"}
  - {name: node2, type: stacks_node, final_depth: 0, tokens: [{symbol: X}]}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "sources[0].listen", "must be host:port with a port between 1 and 65535")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].mapping", "not valid for a stacks_node source")) << dump(r);
  EXPECT_TRUE(has(r, "sources[1].api_url", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "sources[1].listen", "not valid for a stacks_api source")) << dump(r);
  EXPECT_TRUE(has(r, "sources[2].listen", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "sources[2].final_depth", "")) << dump(r);
  EXPECT_TRUE(has(r, "sources[2].tokens[0].asset", "missing required key")) << dump(r);
}

// ---- types and ranges -----------------------------------------------------------

TEST(ConfigTypes, WrongTypesSayWhatWasExpected) {
  const auto r = load(R"(
admin: {port: nine, enabled: yes}
watchlists: {files: {path: a.csv}}
sources: oops
log: [info]
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "admin.port", "expected an integer")) << dump(r);
  EXPECT_TRUE(has(r, "admin.enabled", "expected a boolean: true or false")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.files", "expected a list (got a mapping)")) << dump(r);
  EXPECT_TRUE(has(r, "sources", "expected a list (got a single value)")) << dump(r);
  EXPECT_TRUE(has(r, "log", "expected a mapping (got a list)")) << dump(r);
}

TEST(ConfigTypes, FractionalNumberIsNotAnInteger) {
  const auto r = load("watchlists: {poll_interval_ms: 1.5}\n");
  EXPECT_TRUE(has(r, "watchlists.poll_interval_ms", "expected an integer")) << dump(r);
}

TEST(ConfigTypes, OutOfRangeIntegersAreRejected) {
  const auto r = load(R"(
admin: {port: 0}
watchlists: {poll_interval_ms: -5}
sources:
  - {name: ex, type: deposits_ws, url: "wss://x.example/", connect_timeout_ms: 99999999999}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "admin.port", "out of range: must be between 1 and 65535 (got \"0\")")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.poll_interval_ms", "out of range")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].connect_timeout_ms", "out of range")) << dump(r);
  EXPECT_FALSE(load("admin: {port: 65536}\n"));
  EXPECT_TRUE(load("admin: {port: 65535}\n"));
}

TEST(ConfigTypes, BadEnumValueListsTheAllowedValues) {
  const auto r = load("log: {level: warning, format: text}\n");
  ASSERT_FALSE(r);
  EXPECT_TRUE(
      has(r, "log.level",
          "invalid value \"warning\": expected one of trace, debug, info, warn, error (did you mean warn?)"))
      << dump(r);
  EXPECT_TRUE(has(r, "log.format", "expected one of logfmt, json")) << dump(r);
}

TEST(ConfigTypes, BadChainAndSeverityAndDirectionAreRejected) {
  const auto r = load(R"(
watchlists:
  files: [{path: a.csv, chain: etherium, severity: urgent}]
webhooks:
  - {name: l, type: log, filter: {chains: [solana], direction: both, min_amount: "1e6"}}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "watchlists.files[0].chain", "expected one of stacks, evm, tron, bitcoin")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.files[0].severity", "expected one of info, low, medium, high, critical"))
      << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].filter.chains[0]", "expected one of stacks, evm, tron, bitcoin"))
      << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].filter.direction", "expected one of any, from, to")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].filter.min_amount", "plain decimal amount")) << dump(r);
}

TEST(ConfigTypes, RatePerSecondMustBeAFiniteNonNegativeNumber) {
  const auto r = load(R"(
sources:
  - {name: a, type: replay, path: a.jsonl, rate_per_second: -1}
  - {name: b, type: replay, path: b.jsonl, rate_per_second: fast}
  - {name: c, type: replay, path: c.jsonl, rate_per_second: .inf}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "sources[0].rate_per_second", "out of range: must be between 0 and 1000000000"))
      << dump(r);
  EXPECT_TRUE(has(r, "sources[1].rate_per_second", "expected a number")) << dump(r);
  EXPECT_TRUE(has(r, "sources[2].rate_per_second", "expected a number")) << dump(r);
}

TEST(ConfigTypes, UnknownTypeIsOneErrorNotACascade) {
  const auto r = load("sources: [{name: a, type: websocket}]\nwebhooks: [{name: b, type: slack}]\n");
  ASSERT_EQ(r.errors.size(), 2u) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].type", "expected one of deposits_ws, replay")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].type", "expected one of http, log")) << dump(r);
}

TEST(ConfigTypes, AdminListenAddressMustBeAnIpAddress) {
  EXPECT_TRUE(load("admin: {listen_address: 0.0.0.0}\n"));
  EXPECT_TRUE(load("admin: {listen_address: '::'}\n"));
  const auto r = load("admin: {listen_address: localhost}\n");
  EXPECT_TRUE(has(r, "admin.listen_address", "expected an IPv4 or IPv6 address")) << dump(r);
}

// ---- required keys ----------------------------------------------------------------

TEST(ConfigRequired, MissingRequiredKeysAreNamedWithTheirPath) {
  const auto r = load(R"(
watchlists:
  files:
    - {name: nopath}
sources:
  - {type: deposits_ws, url: "wss://x.example/"}
  - {name: notype}
  - {name: nourl, type: deposits_ws}
  - {name: nopath, type: replay}
webhooks:
  - {name: nourl, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]}
  - {name: nosecret, url: "https://x.example/"}
  - {name: emptysecrets, url: "https://x.example/", secrets: []}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "watchlists.files[0].path", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].name", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "sources[1].type", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "sources[2].url", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "sources[3].path", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].url", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[1].secrets", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[2].secrets", "at least one secret")) << dump(r);
  // A missing key is reported at the line of the mapping that lacks it.
  EXPECT_EQ(find(r, "sources[2].url")->line, 8);
  EXPECT_EQ(r.errors.size(), 8u) << dump(r);
}

TEST(ConfigRequired, DuplicateNamesAreRejected) {
  const auto r = load(R"(
watchlists:
  files:
    - {path: a/ofac.csv}
    - {name: ofac, path: b/other.csv}
sources:
  - {name: ex, type: replay, path: a.jsonl}
  - {name: ex, type: replay, path: b.jsonl}
webhooks:
  - {name: h, type: log}
  - {name: h, type: log}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "watchlists.files[1].name", "duplicate watchlist file name \"ofac\"")) << dump(r);
  EXPECT_TRUE(
      has(r, "sources[1].name", "duplicate source name \"ex\" (first used at sources[0].name, line 7)"))
      << dump(r);
  EXPECT_TRUE(has(r, "webhooks[1].name", "duplicate webhook name \"h\"")) << dump(r);
}

TEST(ConfigRequired, NamesMustBeLabelSafe) {
  const auto r = load("webhooks: [{name: 'my hook', type: log}]\n");
  EXPECT_TRUE(has(r, "webhooks[0].name", "letters, digits")) << dump(r);
}

// ---- urls, mapping, cross-checks -----------------------------------------------

TEST(ConfigUrls, SchemeHostAndSyntaxAreChecked) {
  const auto r = load(R"(
sources:
  - {name: a, type: deposits_ws, url: "https://x.example/stream"}
  - {name: b, type: deposits_ws, url: "wss:///stream"}
  - {name: c, type: deposits_ws, url: "not a url"}
  - {name: d, type: deposits_ws, url: "wss://x.example:99999/"}
  - {name: e, type: deposits_ws, url: "WSS://x.example/ok"}
webhooks:
  - {name: h, url: "ws://hooks.example/", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]}
  - {name: i, url: "https://hooks.example/#frag", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "sources[0].url", "URL scheme must be ws or wss (got https)")) << dump(r);
  EXPECT_TRUE(has(r, "sources[1].url", "URL must include a host")) << dump(r);
  EXPECT_TRUE(has(r, "sources[2].url", "not a valid URL")) << dump(r);
  EXPECT_TRUE(has(r, "sources[3].url", "port")) << dump(r);
  EXPECT_EQ(find(r, "sources[4].url"), nullptr) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].url", "URL scheme must be http or https (got ws)")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[1].url", "fragment")) << dump(r);
}

TEST(ConfigMapping, FieldNamesMustBeCanonicalAndPointersStartWithSlash) {
  const auto r = load(R"(
sources:
  - name: ex
    type: deposits_ws
    url: wss://x.example/
    mapping:
      type_pointer: type
      type_value: deposit
      fields: {deposit_id: id, amount: "/a~2", user: /u, recipient: ""}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "sources[0].mapping.type_pointer", "must start with '/'")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].mapping.fields.deposit_id", "must start with '/'")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].mapping.fields.amount", "'~' must be followed by 0 or 1")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].mapping.fields.user", "unknown key")) << dump(r);
  EXPECT_EQ(find(r, "sources[0].mapping.fields.recipient"), nullptr) << dump(r);
}

TEST(ConfigMapping, TypePointerAndTypeValueGoTogether) {
  const auto r = load(R"(
sources:
  - {name: a, type: deposits_ws, url: "wss://x.example/", mapping: {type_pointer: /type}}
  - {name: b, type: deposits_ws, url: "wss://x.example/", mapping: {type_value: deposit}}
)");
  EXPECT_TRUE(has(r, "sources[0].mapping.type_value", "missing required key")) << dump(r);
  EXPECT_TRUE(has(r, "sources[1].mapping.type_value", "no effect without type_pointer")) << dump(r);
}

TEST(ConfigCrossChecks, BackoffMaxBelowInitialAndPingSlowerThanIdleAreRejected) {
  const auto r = load(R"(
sources:
  - name: ex
    type: deposits_ws
    url: wss://x.example/
    idle_timeout_ms: 5000
    ping_interval_ms: 5000
    reconnect: {initial_ms: 2000, max_ms: 1000}
webhooks:
  - {name: l, type: log}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "sources[0].ping_interval_ms", "must be less than idle_timeout_ms (5000)")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].reconnect.max_ms", "must be at least initial_ms (2000)")) << dump(r);
}

TEST(ConfigCrossChecks, ReservedAndMalformedHeadersAreRejected) {
  EnvGuard tok("FW_TEST_TOKEN", "a\r\nX-Injected: 1");
  const auto r = load(R"(
sources:
  - name: ex
    type: deposits_ws
    url: wss://x.example/
    headers: {Sec-WebSocket-Key: x, "bad name": y, X-Token: "${FW_TEST_TOKEN}"}
webhooks:
  - {name: h, url: "https://x.example/", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
     headers: {Webhook-Signature: x, X-A: 1, x-a: 2}}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "sources[0].headers.Sec-WebSocket-Key", "set by freezewatch")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].headers.bad name", "invalid header name")) << dump(r);
  EXPECT_TRUE(has(r, "sources[0].headers.X-Token", "line breaks")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].headers.Webhook-Signature", "set by freezewatch")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].headers.x-a", "duplicate header")) << dump(r);
}

// ---- environment ------------------------------------------------------------------

TEST(ConfigEnv, UnsetVariableIsNamedButNoValueIsShown) {
  ::unsetenv("FW_TEST_UNSET_TOKEN");
  const auto r = load(R"(
sources:
  - name: ex
    type: deposits_ws
    url: wss://x.example/
    headers: {Authorization: "Bearer ${FW_TEST_UNSET_TOKEN}"}
)");
  ASSERT_FALSE(r);
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(
      format_error("fw.yaml", r.errors[0]),
      "fw.yaml:6: sources[0].headers.Authorization: environment variable FW_TEST_UNSET_TOKEN is not set");
}

TEST(ConfigEnv, VariablesExpandInUrlsPathsAndSubscribeMessage) {
  EnvGuard host("FW_TEST_HOST", "deposits.example");
  EnvGuard dir("FW_TEST_DIR", "lists");
  const auto r = load(R"(
storage: {dir: "${FW_TEST_DIR}/../state"}
watchlists: {files: [{path: "${FW_TEST_DIR}/ofac.csv"}]}
sources:
  - name: ex
    type: deposits_ws
    url: "wss://${FW_TEST_HOST}/stream"
    subscribe_message: '{"channel":"${FW_TEST_HOST}","literal":"$${NOT_EXPANDED}"}'
  - {name: demo, type: replay, path: "/data/${FW_TEST_DIR}.jsonl"}
)");
  ASSERT_TRUE(r) << dump(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.storage.dir, "/etc/freezewatch/state");
  EXPECT_EQ(c.watchlists.files[0].path, "/etc/freezewatch/lists/ofac.csv");
  EXPECT_EQ(c.watchlists.files[0].name, "ofac");
  EXPECT_EQ(c.sources[0].url, "wss://deposits.example/stream");
  EXPECT_EQ(c.sources[0].subscribe_message, R"({"channel":"deposits.example","literal":"${NOT_EXPANDED}"})");
  EXPECT_EQ(c.sources[1].path, "/data/lists.jsonl");
}

TEST(ConfigEnv, ReferenceInAFieldThatIsNotExpandedIsAnError) {
  EnvGuard port("FW_TEST_PORT", "9000");
  const auto r = load("admin: {port: '${FW_TEST_PORT}'}\nwebhooks: [{name: '${FW_TEST_PORT}', type: log}]\n");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "admin.port", "${...} is not expanded here")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].name", "${...} is not expanded here")) << dump(r);
}

TEST(ConfigEnv, MalformedReferenceIsAnError) {
  const auto r = load("sources: [{name: a, type: deposits_ws, url: 'wss://${HOST'}]\n");
  EXPECT_TRUE(has(r, "sources[0].url", "unterminated ${")) << dump(r);
}

// ---- secrets ----------------------------------------------------------------------

TEST(ConfigSecrets, SecretMustBeAStandardWebhooksSecret) {
  EnvGuard raw("FW_TEST_RAW_SECRET", "sk_live_supersecretvalue123");
  EnvGuard shortkey("FW_TEST_SHORT_SECRET", "whsec_AAECAwQFBgcICQ==");
  const auto r = load(R"(
webhooks:
  - name: h
    url: https://x.example/
    secrets: ["${FW_TEST_RAW_SECRET}", "${FW_TEST_SHORT_SECRET}", "whsec_not*base64*at*all*here*xxxxxx"]
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "webhooks[0].secrets[0]", "must start with whsec_")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].secrets[1]", "base64 of 24 to 64 random bytes")) << dump(r);
  EXPECT_TRUE(has(r, "webhooks[0].secrets[2]", "base64 of 24 to 64 random bytes")) << dump(r);
  const std::string all = dump(r);
  EXPECT_EQ(all.find("supersecretvalue"), std::string::npos) << all;
  EXPECT_EQ(all.find("AAECAwQFBgcICQ"), std::string::npos) << all;
  EXPECT_EQ(all.find("not*base64"), std::string::npos) << all;
}

TEST(ConfigSecrets, SecretsNeverAppearInErrorsOrSummary) {
  EnvGuard sec("FW_TEST_SECRET", kSecretA);
  EnvGuard tok("FW_TEST_TOKEN", "tok-very-private");
  // A config with errors elsewhere: secrets are still read, and must not leak.
  const std::string yaml = R"(
admin: {port: 0}
sources:
  - name: ex
    type: deposits_ws
    url: "wss://user:tok-very-private@x.example/s?key=${FW_TEST_TOKEN}"
    headers: {Authorization: "Bearer ${FW_TEST_TOKEN}"}
    subscribe_message: '{"key":"${FW_TEST_TOKEN}"}'
    tls_verify: maybe
webhooks:
  - name: h
    url: https://x.example/hook?token=${FW_TEST_TOKEN}
    secrets: ["${FW_TEST_SECRET}"]
    headers: {X-Api-Key: "${FW_TEST_TOKEN}"}
    secret: ["${FW_TEST_SECRET}"]
)";
  const auto bad = load(yaml);
  ASSERT_FALSE(bad);
  const std::string errors = dump(bad);
  EXPECT_EQ(errors.find("tok-very-private"), std::string::npos) << errors;
  EXPECT_EQ(errors.find(kSecretA), std::string::npos) << errors;
  EXPECT_TRUE(has(bad, "webhooks[0].secret", "did you mean secrets?")) << errors;

  std::string fixed = yaml;
  fixed.replace(fixed.find("admin: {port: 0}"), 16, "admin: {port: 1}");
  fixed.replace(fixed.find("tls_verify: maybe"), 17, "tls_verify: true");
  fixed.erase(fixed.find("    secret: ["));
  const auto good = load(fixed);
  ASSERT_TRUE(good) << dump(good);
  const std::string summary = summarize(*good.config);
  EXPECT_EQ(summary.find("tok-very-private"), std::string::npos) << summary;
  EXPECT_EQ(summary.find(kSecretA), std::string::npos) << summary;
  EXPECT_NE(summary.find("Authorization=<redacted>"), std::string::npos) << summary;
  EXPECT_NE(summary.find("X-Api-Key=<redacted>"), std::string::npos) << summary;
  EXPECT_NE(summary.find("secrets: 1 x <redacted>"), std::string::npos) << summary;
  EXPECT_NE(summary.find("wss://<redacted>@x.example/s?<redacted>"), std::string::npos) << summary;
  EXPECT_NE(summary.find("https://x.example/hook?<redacted>"), std::string::npos) << summary;
}

TEST(ConfigSecrets, SecretFileHoldsOneSecretPerLine) {
  const auto r = load_file(FW_TEST_DATA_DIR "/relative.yaml");
  ASSERT_TRUE(r) << dump(r);
  const auto& secrets = r.config->webhooks.at(0).secrets;
  ASSERT_EQ(secrets.size(), 2u);
  EXPECT_EQ(secrets[0].reveal(), kSecretA);
  EXPECT_EQ(secrets[1].reveal(), kSecretB);  // surrounding blanks trimmed
}

TEST(ConfigSecrets, UnreadableSecretFileIsAnError) {
  const auto r = load(R"(
webhooks:
  - {name: h, url: "https://x.example/", secret_file: /nonexistent/freezewatch/whsec}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "webhooks[0].secret_file", "cannot read /nonexistent/freezewatch/whsec")) << dump(r);
}

TEST(ConfigSecrets, BadLineInSecretFileIsReportedWithoutItsValue) {
  const auto r = load("webhooks: [{name: h, url: 'https://x.example/', secret_file: bad-secret.txt}]\n",
                      FW_TEST_DATA_DIR "/fw.yaml");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "webhooks[0].secret_file", "bad-secret.txt line 2: secret must start with whsec_"))
      << dump(r);
  EXPECT_EQ(dump(r).find("sk_live"), std::string::npos) << dump(r);
}

TEST(ConfigSecrets, SecretsAndSecretFileAreExclusive) {
  const auto r = load(R"(
webhooks:
  - {name: h, url: "https://x.example/", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], secret_file: s.txt}
)");
  EXPECT_TRUE(has(r, "webhooks[0].secret_file", "either secrets or secret_file")) << dump(r);
}

TEST(ConfigSecrets, DecodeWebhookSecretChecksPrefixBase64AndLength) {
  auto key = decode_webhook_secret(kSecretA);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 24u);
  ASSERT_TRUE(decode_webhook_secret(kSecretB));
  EXPECT_EQ(decode_webhook_secret(kSecretB)->size(), 32u);
  // Padding is optional.
  EXPECT_EQ(decode_webhook_secret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"),
            decode_webhook_secret(kSecretB));
  EXPECT_EQ(decode_webhook_secret(kSecretB)->at(31), '\x1f');
  EXPECT_FALSE(decode_webhook_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));        // no prefix
  EXPECT_FALSE(decode_webhook_secret("whsec_AAECAwQFBgcICQ=="));                  // 10 bytes
  EXPECT_FALSE(decode_webhook_secret("whsec_MfKQ9r8GKYqrTwjU-D8ILPZIo2LaLaSw"));  // url-safe alphabet
  EXPECT_FALSE(decode_webhook_secret("whsec_"));
}

// ---- paths ------------------------------------------------------------------------

TEST(ConfigPaths, RelativePathsResolveAgainstTheConfigFolder) {
  const auto r = load(R"(
storage: {dir: state}
watchlists:
  files:
    - {path: lists/ofac.csv}
    - {path: /abs/list.txt}
sources:
  - {name: demo, type: replay, path: ../demo/events.jsonl}
)",
                      "/opt/fw/etc/freezewatch.yaml");
  ASSERT_TRUE(r) << dump(r);
  EXPECT_EQ(r.config->storage.dir, "/opt/fw/etc/state");
  EXPECT_EQ(r.config->watchlists.files[0].path, "/opt/fw/etc/lists/ofac.csv");
  EXPECT_EQ(r.config->watchlists.files[1].path, "/abs/list.txt");
  EXPECT_EQ(r.config->sources[0].path, "/opt/fw/demo/events.jsonl");
}

TEST(ConfigPaths, LoadFileResolvesAgainstTheFilesOwnFolder) {
  const auto r = load_file(FW_TEST_DATA_DIR "/relative.yaml");
  ASSERT_TRUE(r) << dump(r);
  const std::string data = FW_TEST_DATA_DIR;
  EXPECT_EQ(r.config->path, data + "/relative.yaml");
  EXPECT_EQ(r.config->storage.dir, data + "/state");
  EXPECT_EQ(r.config->watchlists.files[0].path, data + "/lists/ofac.csv");
}

TEST(ConfigPaths, CaFileMustBeReadable) {
  const auto r = load(R"(
sources:
  - {name: ex, type: deposits_ws, url: "wss://x.example/", ca_file: missing-ca.pem}
)");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "sources[0].ca_file", "cannot read /etc/freezewatch/missing-ca.pem")) << dump(r);
  const auto ok =
      load("sources: [{name: ex, type: deposits_ws, url: 'wss://x.example/', ca_file: relative.yaml}]\n",
           FW_TEST_DATA_DIR "/fw.yaml");
  ASSERT_TRUE(ok) << dump(ok);
  EXPECT_EQ(ok.config->sources[0].ca_file, std::string(FW_TEST_DATA_DIR) + "/relative.yaml");
}

// ---- error collection and format ------------------------------------------------

TEST(ConfigErrors, EveryErrorIsReportedInOnePassWithItsLine) {
  ::unsetenv("FW_TEST_UNSET_SECRET");
  const auto r = load(R"(log:
  level: loud
admin:
  port: 70000
sources:
  - name: ex
    type: deposits_ws
    url: http://x.example/
webhooks:
  - name: h
    url: https://x.example/
    secrets: ["${FW_TEST_UNSET_SECRET}"]
    timeout: 5
    retry: {initial_ms: 10, max_ms: -1}
)");
  ASSERT_FALSE(r);
  ASSERT_EQ(r.errors.size(), 6u) << dump(r);
  const std::string expected =
      "cfg:2: log.level: invalid value \"loud\": expected one of trace, debug, info, warn, error\n"
      "cfg:4: admin.port: out of range: must be between 1 and 65535 (got \"70000\")\n"
      "cfg:8: sources[0].url: URL scheme must be ws or wss (got http)\n"
      "cfg:12: webhooks[0].secrets[0]: environment variable FW_TEST_UNSET_SECRET is not set\n"
      "cfg:13: webhooks[0].timeout: unknown key (did you mean timeout_ms?)\n"
      "cfg:14: webhooks[0].retry.max_ms: out of range: must be between 1 and 4294967295 (got \"-1\")\n";
  EXPECT_EQ(dump(r), expected);
}

TEST(ConfigErrors, YamlSyntaxErrorIsReportedWithItsLine) {
  const auto r = load("log:\n  level: info\nsources:\n  - name: [unclosed\n");
  ASSERT_FALSE(r);
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(r.errors[0].path, "");
  EXPECT_GT(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);

  const auto tab = load("admin:\n  port: 1\n bad: indent\n");
  ASSERT_FALSE(tab);
  EXPECT_EQ(tab.errors[0].line, 3) << dump(tab);
}

TEST(ConfigErrors, TopLevelMustBeAMappingAndASingleDocument) {
  const auto list = load("- a\n- b\n");
  EXPECT_TRUE(has(list, "", "expected a mapping (got a list)")) << dump(list);
  const auto two = load("log: {level: info}\n---\nlog: {level: debug}\n");
  EXPECT_TRUE(has(two, "", "only one YAML document is allowed")) << dump(two);
}

TEST(ConfigErrors, MissingConfigFileIsAnError) {
  const auto r = load_file("/nonexistent/freezewatch.yaml");
  ASSERT_FALSE(r);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("cannot read config file"), std::string::npos);
}

TEST(ConfigErrors, FormatErrorOmitsLineAndPathWhenUnknown) {
  EXPECT_EQ(
      format_error("fw.yaml", Error{"webhooks[1].timeout", 12, "unknown key (did you mean timeout_ms?)"}),
      "fw.yaml:12: webhooks[1].timeout: unknown key (did you mean timeout_ms?)");
  EXPECT_EQ(format_error("fw.yaml", Error{"admin.port", 0, "bad"}), "fw.yaml: admin.port: bad");
  EXPECT_EQ(format_error("fw.yaml", Error{"", 3, "YAML syntax error: x"}), "fw.yaml:3: YAML syntax error: x");
}

// ---- the shipped example and the summary --------------------------------------------

TEST(ConfigExample, ExampleFileLoadsWithItsDocumentedEnvironment) {
  EnvGuard tok("EXCHANGE_DEPOSITS_TOKEN", "example-token");
  EnvGuard sec("FREEZEWATCH_WEBHOOK_SECRET", kSecretA);
  EnvGuard hiro("HIRO_API_KEY", "hiro-key");
  EnvGuard admin("FREEZEWATCH_ADMIN_TOKEN", "admin-token-0123456789");
  EnvGuard tron("TRONGRID_API_KEY", "tron-key");
  const std::string file = FW_SOURCE_DIR "/config/freezewatch.example.yaml";
  const auto r = load_file(file);
  ASSERT_TRUE(r) << dump(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.watchlists.files.size(), 3u);
  ASSERT_TRUE(c.watchlists.files[2].remote);
  EXPECT_EQ(c.watchlists.follow.incidents, std::vector<std::string>{"alex-lab-2024"});
  ASSERT_EQ(c.admin.tokens.size(), 1u);
  EXPECT_EQ(c.admin.tokens[0].token.reveal(), "admin-token-0123456789");
  ASSERT_EQ(c.sources.size(), 9u);
  EXPECT_EQ(c.sources[1].type, SourceConfig::Type::stacks_node);
  EXPECT_EQ(c.sources[2].type, SourceConfig::Type::stacks_api);
  EXPECT_EQ(c.sources[2].headers.at("x-api-key").reveal(), "hiro-key");
  EXPECT_EQ(c.sources[3].type, SourceConfig::Type::evm);
  EXPECT_EQ(c.sources[4].chain_id, 56u);
  EXPECT_EQ(c.sources[5].type, SourceConfig::Type::tron_grid);
  EXPECT_EQ(c.sources[5].headers.at("TRON-PRO-API-KEY").reveal(), "tron-key");
  EXPECT_EQ(c.sources[6].type, SourceConfig::Type::tron_events);
  EXPECT_EQ(c.sources[7].type, SourceConfig::Type::mempool_space);
  EXPECT_EQ(c.webhooks.size(), 2u);
  ASSERT_TRUE(c.sources[0].mapping.has_value());
  EXPECT_EQ(c.sources[0].headers.at("Authorization").reveal(), "Bearer example-token");
  EXPECT_EQ(c.webhooks[0].secrets.at(0).reveal(), kSecretA);
  EXPECT_EQ(c.watchlists.files[1].name, "alex-lab-2024");
  EXPECT_EQ(c.watchlists.files[1].format, WatchlistFile::Format::csv);
  EXPECT_EQ(c.watchlists.files[1].path, FW_SOURCE_DIR "/config/watchlists/alex-lab-2024.csv");

  const std::string summary = summarize(c);
  EXPECT_EQ(summary.find("example-token"), std::string::npos) << summary;
  EXPECT_EQ(summary.find(kSecretA), std::string::npos) << summary;
}

TEST(ConfigExample, ExampleFileNamesTheVariablesItNeeds) {
  ::unsetenv("EXCHANGE_DEPOSITS_TOKEN");
  ::unsetenv("FREEZEWATCH_WEBHOOK_SECRET");
  ::unsetenv("HIRO_API_KEY");
  ::unsetenv("FREEZEWATCH_ADMIN_TOKEN");
  ::unsetenv("TRONGRID_API_KEY");
  const auto r = load_file(FW_SOURCE_DIR "/config/freezewatch.example.yaml");
  ASSERT_FALSE(r);
  ASSERT_EQ(r.errors.size(), 5u) << dump(r);
  EXPECT_NE(r.errors[0].message.find("FREEZEWATCH_ADMIN_TOKEN"), std::string::npos);
  EXPECT_NE(r.errors[1].message.find("EXCHANGE_DEPOSITS_TOKEN"), std::string::npos);
  EXPECT_NE(r.errors[2].message.find("HIRO_API_KEY"), std::string::npos);
  EXPECT_NE(r.errors[3].message.find("TRONGRID_API_KEY"), std::string::npos);
  EXPECT_NE(r.errors[4].message.find("FREEZEWATCH_WEBHOOK_SECRET"), std::string::npos);
}

TEST(ConfigSummary, SummaryListsCountsNamesAndSettings) {
  EnvGuard sec("FW_TEST_SECRET", kSecretA);
  const auto r = load(R"(
log: {level: warn, format: json}
storage: {dir: /srv/fw}
admin: {listen_address: "::1", port: 9100}
watchlists: {files: [{path: /l/ofac.csv, chain: tron, source: OFAC}]}
sources:
  - {name: ex, type: deposits_ws, url: "wss://x.example/s", stale_after_ms: 0}
  - {name: demo, type: replay, path: /d/e.jsonl}
  - {name: slow, type: replay, path: /d/e.jsonl, rate_per_second: 12.5, loop: true}
webhooks:
  - {name: hook, url: "https://h.example/", secrets: ["${FW_TEST_SECRET}"], filter: {chains: [evm], assets: [USDT]}}
  - {name: logger, type: log}
)");
  ASSERT_TRUE(r) << dump(r);
  const std::string s = summarize(*r.config);
  for (const char* want :
       {"config: /etc/freezewatch/freezewatch.yaml", "log: level=warn format=json", "storage: dir=/srv/fw",
        "admin: listening on [::1]:9100", "watchlists: 1 file,", "  - ofac: /l/ofac.csv (csv, chain=tron",
        "sources: 3 sources", "  - ex (deposits_ws)", "url: wss://x.example/s", "stale after never",
        "  - demo (replay)", "rate_per_second: unlimited", "rate_per_second: 12.5, loop: true",
        "webhooks: 2 webhooks", "  - hook (http)", "filter: chains=evm assets=USDT", "  - logger (log)"})
    EXPECT_NE(s.find(want), std::string::npos) << "missing: " << want << "\n" << s;
}

TEST(ConfigSummary, EnumsHaveTheirConfigSpelling) {
  EXPECT_EQ(to_string(LogLevel::warn), "warn");
  EXPECT_EQ(to_string(LogFormat::json), "json");
  EXPECT_EQ(to_string(WatchlistFile::Format::text), "text");
  EXPECT_EQ(to_string(SourceConfig::Type::deposits_ws), "deposits_ws");
  EXPECT_EQ(to_string(WebhookConfig::Type::log), "log");
  EXPECT_EQ(to_string(Direction::from), "from");
}

}  // namespace
}  // namespace fw::config

namespace fw::config {
namespace {

TEST(ConfigStorage, SyncDefaultsToNormalAndAcceptsFull) {
  auto r = load("");
  ASSERT_TRUE(r) << dump(r);
  EXPECT_EQ(r.config->storage.sync, StorageSync::normal);
  r = load("storage: {dir: /srv/fw, sync: full}\n");
  ASSERT_TRUE(r) << dump(r);
  EXPECT_EQ(r.config->storage.sync, StorageSync::full);
  EXPECT_NE(summarize(*r.config).find("sync=full"), std::string::npos);
}

TEST(ConfigStorage, UnknownSyncModeListsTheAllowedOnes) {
  const auto r = load("storage:\n  sync: fsync\n");
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "storage.sync", "expected one of normal, full")) << dump(r);
}

}  // namespace
}  // namespace fw::config
