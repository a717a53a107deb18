// Config sections of the incident-response features: admin tokens and TLS,
// remote watchlists, follow-the-money, retro-scan, explorer links, and the
// summary lines check-config prints for them.
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fw::config {
namespace {

constexpr const char* kOrigin = "/etc/freezewatch/freezewatch.yaml";

bool has(const LoadResult& r, const std::string& path, const std::string& text) {
  for (const auto& e : r.errors)
    if (e.path == path && e.message.find(text) != std::string::npos) return true;
  return false;
}

std::string dump(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += format_error("cfg", e) + "\n";
  return out;
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("fw-config-incident-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    auto p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string origin() const { return (path_ / "freezewatch.yaml").string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(ConfigAdminApi, TokensFromTheListAndAFileWithNamesForTheAudit) {
  TempDir dir;
  dir.write("tokens", "# name token\noncall 0123456789abcdef0123\n\nbot   fedcba9876543210fedcba98\n");
  ::setenv("FW_TEST_ADMIN_TOKEN", "a-very-long-token-value-1234", 1);
  auto r = load_string(R"(
admin:
  tokens:
    - name: lead
      token: ${FW_TEST_ADMIN_TOKEN}
  tokens_file: tokens
  max_body_bytes: 65536
)", dir.origin());
  ::unsetenv("FW_TEST_ADMIN_TOKEN");
  ASSERT_TRUE(r) << dump(r);
  const auto& a = r.config->admin;
  ASSERT_EQ(a.tokens.size(), 3u);
  EXPECT_EQ(a.tokens[0].name, "lead");
  EXPECT_EQ(a.tokens[0].token.reveal(), "a-very-long-token-value-1234");
  EXPECT_EQ(a.tokens[1].name, "oncall");
  EXPECT_EQ(a.tokens[2].name, "bot");
  EXPECT_EQ(a.tokens[2].token.reveal(), "fedcba9876543210fedcba98");
  EXPECT_EQ(a.max_body_bytes, 65536u);
  EXPECT_TRUE(a.tls_cert_file.empty());
}

TEST(ConfigAdminApi, ShortDuplicateOrMalformedTokensAreRejectedWithoutEchoingThem) {
  TempDir dir;
  dir.write("tokens", "ok 0123456789abcdef0123\nbroken\nweak short\nok 1111111111111111111111\n");
  auto r = load_string(R"(
admin:
  tokens:
    - name: a
      token: tooshort
    - token: 0123456789abcdef0123
  tokens_file: tokens
)", dir.origin());
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "admin.tokens[0]", "too short")) << dump(r);
  EXPECT_TRUE(has(r, "admin.tokens[1].name", "missing")) << dump(r);
  EXPECT_TRUE(has(r, "admin.tokens_file", "line 2: expected NAME TOKEN")) << dump(r);
  EXPECT_TRUE(has(r, "admin.tokens_file", "line 3: token 'weak' is too short")) << dump(r);
  EXPECT_TRUE(has(r, "admin.tokens_file", "line 4: duplicate token name 'ok'")) << dump(r);
  const std::string all = dump(r);
  EXPECT_EQ(all.find("tooshort"), std::string::npos);
  EXPECT_EQ(all.find("1111111111111111"), std::string::npos);
}

TEST(ConfigAdminApi, TlsNeedsBothTheCertificateAndTheKey) {
  TempDir dir;
  dir.write("cert.pem", "x");
  auto r = load_string("admin:\n  tls_cert_file: cert.pem\n", dir.origin());
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "admin.tls_cert_file", "needs tls_key_file")) << dump(r);
  dir.write("key.pem", "x");
  auto ok = load_string("admin:\n  tls_cert_file: cert.pem\n  tls_key_file: key.pem\n", dir.origin());
  ASSERT_TRUE(ok) << dump(ok);
  EXPECT_NE(ok.config->admin.tls_key_file.find("key.pem"), std::string::npos);
  auto missing = load_string("admin:\n  tls_cert_file: nope.pem\n  tls_key_file: key.pem\n", dir.origin());
  EXPECT_TRUE(has(missing, "admin.tls_cert_file", "cannot read")) << dump(missing);
}

TEST(ConfigRemoteLists, UrlListsReadFromACacheFileUnderStorage) {
  ::setenv("FW_TEST_LIST_AUTH", "Bearer abc", 1);
  auto r = load_string(R"(
storage:
  dir: /var/lib/fw
watchlists:
  files:
    - url: https://lists.example.org/feeds/lazarus.csv
      headers:
        Authorization: ${FW_TEST_LIST_AUTH}
      interval_ms: 60000
      timeout_ms: 5000
      max_bytes: 1048576
      incident: alex-lab-2024
    - name: ofac
      url: http://127.0.0.1:8080/sdn
      format: text
      tls_verify: false
)", kOrigin);
  ::unsetenv("FW_TEST_LIST_AUTH");
  ASSERT_TRUE(r) << dump(r);
  const auto& files = r.config->watchlists.files;
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].name, "lazarus");
  EXPECT_EQ(files[0].format, WatchlistFile::Format::csv);
  EXPECT_EQ(files[0].path, "/var/lib/fw/remote/lazarus.list");
  ASSERT_TRUE(files[0].remote);
  EXPECT_EQ(files[0].remote->url, "https://lists.example.org/feeds/lazarus.csv");
  EXPECT_EQ(files[0].remote->interval_ms, 60000u);
  EXPECT_EQ(files[0].remote->timeout_ms, 5000u);
  EXPECT_EQ(files[0].remote->max_bytes, 1048576u);
  EXPECT_EQ(files[0].remote->headers.at("Authorization").reveal(), "Bearer abc");
  EXPECT_EQ(files[1].path, "/var/lib/fw/remote/ofac.list");
  EXPECT_EQ(files[1].format, WatchlistFile::Format::text);
  EXPECT_FALSE(files[1].remote->tls_verify);
  const std::string summary = summarize(*r.config);
  EXPECT_NE(summary.find("remote: https://lists.example.org/feeds/lazarus.csv every 60000 ms"), std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("Bearer abc"), std::string::npos);
}

TEST(ConfigRemoteLists, PathAndUrlAreExclusiveAndRemoteKeysNeedAUrl) {
  auto r = load_string(R"(
watchlists:
  files:
    - path: a.csv
      url: https://x.example/a.csv
    - path: b.csv
      interval_ms: 1000
    - url: ftp://x.example/c.csv
    - url: https://x.example/d.csv
      headers:
        If-None-Match: x
)", kOrigin);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "watchlists.files[0].url", "either path")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.files[1].interval_ms", "only valid for remote lists")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.files[2].url", "scheme must be http or https")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.files[3].headers.If-None-Match", "set by freezewatch")) << dump(r);
}

TEST(ConfigFollow, ReadsIncidentsHopsAmountsAndExclusions) {
  TempDir dir;
  dir.write("exchanges.txt", "0x28c6c06298d514db089934071355e5743bf21d60\n");
  auto r = load_string(R"(
watchlists:
  files:
    - path: lists/a.csv
      follow: true
  follow:
    incidents: [alex-lab-2024]
    max_hops: 3
    min_amount: {USDT: "1000", STX: "500.5", "*": "0"}
    exclude: [TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm]
    exclude_files: [exchanges.txt]
    expire_after_hours: 48
)", dir.origin());
  ASSERT_TRUE(r) << dump(r);
  const auto& f = r.config->watchlists.follow;
  EXPECT_TRUE(r.config->watchlists.files[0].follow);
  EXPECT_EQ(f.incidents, std::vector<std::string>{"alex-lab-2024"});
  EXPECT_EQ(f.max_hops, 3u);
  EXPECT_EQ(f.min_amount.at("USDT"), "1000");
  EXPECT_EQ(f.min_amount.at("STX"), "500.5");
  EXPECT_EQ(f.min_amount.at("*"), "0");
  ASSERT_EQ(f.exclude.size(), 1u);
  ASSERT_EQ(f.exclude_files.size(), 1u);
  EXPECT_EQ(f.expire_after_hours, 48u);
  const std::string summary = summarize(*r.config);
  EXPECT_NE(summary.find("incidents alex-lab-2024, max_hops=3"), std::string::npos) << summary;
}

TEST(ConfigFollow, BadAddressesAmountsAndHopsAreNamed) {
  auto r = load_string(R"(
watchlists:
  follow:
    max_hops: 0
    min_amount: {USDT: "1e3"}
    exclude: ["0x28c6c06298d514db089934071355e5743bf21d6", "not-an-address"]
    exclude_files: [missing.txt]
)", kOrigin);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "watchlists.follow.max_hops", "")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.follow.min_amount.USDT", "plain decimal")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.follow.exclude[0]", "evm")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.follow.exclude[1]", "not-an-address")) << dump(r);
  EXPECT_TRUE(has(r, "watchlists.follow.exclude_files[0]", "cannot read")) << dump(r);
}

TEST(ConfigRetro, DefaultsAndOverrides) {
  auto d = load_string("", kOrigin);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d.config->retro.enabled);
  EXPECT_EQ(d.config->retro.window_hours, 72u);
  auto r = load_string("retro:\n  enabled: false\n  window_hours: 24\n  max_transfers: 100000\n", kOrigin);
  ASSERT_TRUE(r) << dump(r);
  EXPECT_FALSE(r.config->retro.enabled);
  EXPECT_EQ(r.config->retro.window_hours, 24u);
  EXPECT_EQ(r.config->retro.max_transfers, 100000u);
  auto bad = load_string("retro:\n  window_hour: 24\n", kOrigin);
  EXPECT_TRUE(has(bad, "retro.window_hour", "window_hours")) << dump(bad);
}

TEST(ConfigExplorers, TemplatesNeedTheirPlaceholderAndAnHttpUrl) {
  auto r = load_string(R"(
explorers:
  ethereum:
    tx: https://etherscan.io/tx/{tx}
    address: https://etherscan.io/address/{address}
  mychain:
    tx: https://explorer.example/tx/
    address: javascript:alert({address})
)", kOrigin);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r, "explorers.mychain.tx", "must contain {tx}")) << dump(r);
  EXPECT_TRUE(has(r, "explorers.mychain.address", "http or https")) << dump(r);
  auto ok = load_string("explorers:\n  ethereum:\n    tx: https://etherscan.io/tx/{tx}\n", kOrigin);
  ASSERT_TRUE(ok) << dump(ok);
  ASSERT_EQ(ok.config->explorers.size(), 1u);
  EXPECT_EQ(ok.config->explorers[0].chain_name, "ethereum");
  EXPECT_EQ(ok.config->explorers[0].tx, "https://etherscan.io/tx/{tx}");
  EXPECT_TRUE(ok.config->explorers[0].address.empty());
}

TEST(ConfigWebhookFilter, SuspectedAndRetroStage) {
  auto r = load_string(R"(
webhooks:
  - name: ops
    type: log
    filter:
      stages: [confirmed, retro]
      suspected: false
)", kOrigin);
  ASSERT_TRUE(r) << dump(r);
  const auto& f = r.config->webhooks[0].filter;
  EXPECT_FALSE(f.suspected);
  EXPECT_EQ(f.stages, (std::vector<std::string>{"confirmed", "retro"}));
}

TEST(ConfigSummary, ChainTokensAndFinalityAreDescribedPerChain) {
  auto r = load_string(R"(
sources:
  - name: eth
    type: evm
    url: ws://127.0.0.1:8545
    chain_id: 1
  - name: tron
    type: tron_grid
    api_url: https://api.trongrid.io
    tokens:
      - {asset: TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t, symbol: USDT, decimals: 6}
  - name: stx
    type: stacks_node
    listen: 127.0.0.1:20445
)", kOrigin);
  ASSERT_TRUE(r) << dump(r);
  const std::string s = summarize(*r.config);
  EXPECT_NE(s.find("final after 12 confirmations, tokens: built-in defaults (USDT, USDC)"), std::string::npos) << s;
  EXPECT_NE(s.find("final when solidified"), std::string::npos) << s;
  EXPECT_NE(s.find("1 configured token (replace the defaults)"), std::string::npos) << s;
  EXPECT_NE(s.find("0 configured tokens (plus the built-in registry)"), std::string::npos) << s;
  EXPECT_EQ(s.find("(plus built-in)\n"), std::string::npos) << s;
}

TEST(ConfigAdminEndpoint, ReadsTheListenerWithoutNeedingOtherSecrets) {
  TempDir dir;
  dir.write("admin.crt", "x");
  dir.write("admin.key", "x");
  const std::string file = dir.write("freezewatch.yaml", R"(
admin:
  listen_address: 0.0.0.0
  port: 9500
  tls_cert_file: admin.crt
  tls_key_file: admin.key
  tokens:
    - {name: oncall, token: "${FW_TEST_UNSET_ADMIN_TOKEN}"}
webhooks:
  - name: hook
    url: https://hooks.example/x
    secrets: ["${FW_TEST_UNSET_WEBHOOK_SECRET}"]
)");
  ::unsetenv("FW_TEST_UNSET_ADMIN_TOKEN");
  ::unsetenv("FW_TEST_UNSET_WEBHOOK_SECRET");
  EXPECT_FALSE(load_file(file));  // the daemon needs every secret
  auto r = load_admin_endpoint(file);
  ASSERT_TRUE(r) << dump(r);
  EXPECT_EQ(r.config->admin.listen_address, "0.0.0.0");
  EXPECT_EQ(r.config->admin.port, 9500);
  EXPECT_NE(r.config->admin.tls_cert_file.find("admin.crt"), std::string::npos);
  EXPECT_TRUE(r.config->admin.tokens.empty());
  auto bad = load_admin_endpoint(dir.write("bad.yaml", "admin:\n  port: 0\n"));
  EXPECT_TRUE(has(bad, "admin.port", "")) << dump(bad);
}

}  // namespace
}  // namespace fw::config
