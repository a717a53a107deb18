// The exposition against outside judges: promtool (the Prometheus linter), the
// alert rules in deploy/prometheus and the metric list in docs/metrics.md.
#include "metrics/metrics.hpp"
#include "metrics/incident_metrics.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "exposition.hpp"

namespace fw::metrics {
namespace {

using namespace std::chrono_literals;

#ifdef FW_PROMTOOL
constexpr const char* kPromtool = FW_PROMTOOL;
#else
constexpr const char* kPromtool = "";
#endif

const std::string kRules = std::string(FW_SOURCE_DIR) + "/deploy/prometheus/freezewatch-rules.yml";
const std::string kRuleTests = std::string(FW_SOURCE_DIR) + "/deploy/prometheus/freezewatch-rules.test.yml";
const std::string kDocs = std::string(FW_SOURCE_DIR) + "/docs/metrics.md";

bool have_promtool() { return kPromtool[0] != '\0' && ::access(kPromtool, X_OK) == 0; }

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};

RunResult run(const std::string& command) {
  RunResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A registry with every family populated: sources, endpoints, a watchlist,
// observations in every histogram, odd characters in a label value.
std::string populated_exposition() {
  Metrics m("0.1.0");
  auto& s = m.source("exchange");
  s.frame_received();
  s.frame_ignored();
  s.frame_rejected("not_json");
  s.transfers_decoded(2);
  s.set_connected(true);
  s.reconnected();
  m.source("replay \"quoted\" \\ name");
  auto& e = m.endpoint("soc");
  e.attempt("delivered");
  e.attempt("timeout");
  e.request_duration(12ms);
  e.delivered(800ms);
  e.dead_lettered();
  e.heartbeat("delivered");
  m.endpoint("log");
  m.matched();
  m.alert_emitted();
  m.alert_deduplicated();
  m.detection_latency(180us);
  m.set_outbox({.pending = 1, .oldest_pending_age_seconds = 0.25, .dead_letters = 1, .write_errors = 1});
  m.watchlist_loaded(1234, "3f2a9c");
  m.watchlist_reload_failed();
  IncidentMetrics im(m, {"intel-feed"});
  im.set_live_entries(3, 2, 1);
  im.api_request(200);
  im.api_request(401);
  im.live_change("add", 3);
  im.retro_scan(2, 5, 1500us);
  im.retro_alerts(4);
  im.sample_retro({.transfers = 10, .bytes = 4096, .dropped_window = 1, .dropped_cap = 0, .dropped_queue = 0,
                   .write_errors = 1});
  im.sample_remote({.list = "intel-feed", .age_seconds = 12.5, .last_success_unix = 1.7e9, .updated = 1,
                    .not_modified = 2, .failed = 1});
  return m.serialize();
}

std::set<std::string> families(const std::string& exposition) {
  std::set<std::string> out;
  for (const auto& [name, type] : test::Exposition::parse(exposition).types) out.insert(name);
  return out;
}

// A name as written in PromQL or prose, mapped to its family: histogram series
// carry _bucket/_count/_sum suffixes.
std::string family_of(const std::string& name, const std::set<std::string>& known) {
  if (known.count(name)) return name;
  for (const char* suffix : {"_bucket", "_count", "_sum"}) {
    const std::string s = suffix;
    if (name.ends_with(s) && known.count(name.substr(0, name.size() - s.size())))
      return name.substr(0, name.size() - s.size());
  }
  return name;
}

TEST(MetricsExposition, PassesPromtoolCheckMetrics) {
  if (!have_promtool()) GTEST_SKIP() << "promtool not installed";
  const std::string path = ::testing::TempDir() + "freezewatch-metrics.prom";
  {
    std::ofstream out(path, std::ios::binary);
    out << populated_exposition();
  }
  const auto r = run(std::string(kPromtool) + " check metrics < " + path);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "promtool lint findings";
  std::remove(path.c_str());
}

TEST(MetricsExposition, AlertRulesPassPromtoolCheckRules) {
  if (!have_promtool()) GTEST_SKIP() << "promtool not installed";
  const auto r = run(std::string(kPromtool) + " check rules " + kRules);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("SUCCESS"), std::string::npos) << r.output;
}

TEST(MetricsExposition, AlertRulesFireAsTheirUnitTestsExpect) {
  if (!have_promtool()) GTEST_SKIP() << "promtool not installed";
  const auto r = run(std::string(kPromtool) + " test rules " + kRuleTests);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(MetricsExposition, AlertRulesOnlyUseMetricsTheDaemonExports) {
  const auto known = families(populated_exposition());
  const std::string rules = read_file(kRules);
  ASSERT_FALSE(rules.empty()) << kRules;
  const std::regex name(R"(freezewatch_[a-z0-9_]+)");
  int seen = 0;
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), name); it != std::sregex_iterator(); ++it) {
    ++seen;
    EXPECT_TRUE(known.count(family_of(it->str(), known))) << it->str() << " is not exported";
  }
  EXPECT_GT(seen, 10);
}

TEST(MetricsExposition, DocsListEveryMetricAndNothingElse) {
  const auto known = families(populated_exposition());
  const std::string docs = read_file(kDocs);
  ASSERT_FALSE(docs.empty()) << kDocs;

  // Rows of the metric tables start with | `freezewatch_...`.
  std::set<std::string> documented;
  const std::regex row(R"(^\| `(freezewatch_[a-z0-9_]+)`)");
  std::istringstream lines(docs);
  for (std::string line; std::getline(lines, line);)
    if (std::smatch m; std::regex_search(line, m, row)) documented.insert(m[1].str());
  for (const auto& f : known) EXPECT_TRUE(documented.count(f)) << f << " is missing from docs/metrics.md";
  for (const auto& d : documented) EXPECT_TRUE(known.count(d)) << d << " is documented but not exported";

  // Every metric name mentioned anywhere (queries, prose) exists.
  const std::regex name(R"(freezewatch_[a-z0-9_]+)");
  for (auto it = std::sregex_iterator(docs.begin(), docs.end(), name); it != std::sregex_iterator(); ++it)
    EXPECT_TRUE(known.count(family_of(it->str(), known))) << it->str() << " in docs/metrics.md is not exported";
}

}  // namespace
}  // namespace fw::metrics
