#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>
#include <vector>

#include "exposition.hpp"

namespace fw::metrics {
namespace {

using test::Exposition;
using namespace std::chrono_literals;

std::chrono::system_clock::time_point unix_time(double seconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(seconds)));
}

std::string le(double bound) {
  // Formatted as prometheus-cpp does (std::ostream default precision).
  std::ostringstream out;
  out << bound;
  return out.str();
}

TEST(Metrics, NewRegistryExposesGlobalSeriesAtZeroAndBuildInfo) {
  Metrics m("9.9.9");
  const auto e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_matches_total"), 0.0);
  EXPECT_EQ(e.value("freezewatch_alerts_emitted_total"), 0.0);
  EXPECT_EQ(e.value("freezewatch_alerts_deduplicated_total"), 0.0);
  EXPECT_EQ(e.value("freezewatch_outbox_pending"), 0.0);
  EXPECT_EQ(e.value("freezewatch_outbox_oldest_age_seconds"), 0.0);
  EXPECT_EQ(e.value("freezewatch_outbox_dead_letters"), 0.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_entries"), 0.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_reload_failures_total"), 0.0);
  EXPECT_EQ(e.value("freezewatch_detection_latency_seconds_count"), 0.0);
  EXPECT_EQ(e.value("freezewatch_build_info{version=\"9.9.9\"}"), 1.0);
  EXPECT_GT(e.value("freezewatch_start_time_seconds").value_or(0), 1.7e9);
  // No watchlist loaded yet: no version series.
  EXPECT_FALSE(e.has_series_starting("freezewatch_watchlist_version_info"));
}

TEST(Metrics, DefaultBuildInfoVersionIsTheProjectVersion) {
  Metrics m;
  const auto e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_build_info{version=\"" FREEZEWATCH_VERSION "\"}"), 1.0);
}

TEST(Metrics, EveryFamilyHasHelpAndTypeAndTheTextEndsWithANewline) {
  Metrics m;
  m.source("s");
  m.endpoint("e");
  m.watchlist_loaded(1, "v");
  const auto text = m.serialize();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const auto e = Exposition::parse(text);
  EXPECT_GE(e.types.size(), 25u);
  for (const auto& [family, type] : e.types) {
    EXPECT_TRUE(e.helps.count(family)) << family;
    EXPECT_EQ(family.rfind("freezewatch_", 0), 0u) << family;
    if (type == "counter") EXPECT_TRUE(family.ends_with("_total")) << family;
    else EXPECT_FALSE(family.ends_with("_total")) << family;
  }
}

TEST(Metrics, SourceSeriesExistAtZeroForEveryRejectReasonOnceRegistered) {
  Metrics m;
  m.source("exchange");
  const auto e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_frames_received_total{source=\"exchange\"}"), 0.0);
  EXPECT_EQ(e.value("freezewatch_frames_ignored_total{source=\"exchange\"}"), 0.0);
  for (auto reason : kRejectReasons)
    EXPECT_EQ(e.value("freezewatch_frames_rejected_total{reason=\"" + std::string(reason) + "\",source=\"exchange\"}"),
              0.0)
        << reason;
  EXPECT_EQ(e.value("freezewatch_transfers_decoded_total{source=\"exchange\"}"), 0.0);
  EXPECT_EQ(e.value("freezewatch_source_connected{source=\"exchange\"}"), 0.0);
  EXPECT_EQ(e.value("freezewatch_source_stale{source=\"exchange\"}"), 0.0);
  EXPECT_EQ(e.value("freezewatch_source_reconnects_total{source=\"exchange\"}"), 0.0);
  EXPECT_EQ(e.value("freezewatch_source_last_frame_timestamp_seconds{source=\"exchange\"}"), 0.0);
}

TEST(Metrics, SourceReturnsTheSameHandlesForTheSameName) {
  Metrics m;
  auto& a = m.source("a");
  auto& b = m.source("b");
  EXPECT_EQ(&a, &m.source("a"));
  EXPECT_NE(&a, &b);
  EXPECT_EQ(&m.endpoint("x"), &m.endpoint("x"));
}

TEST(Metrics, SourceCountersAndGaugesFollowTheCalls) {
  Metrics m;
  auto& s = m.source("exchange");
  s.frame_received(unix_time(1715680000.5));
  s.frame_received(unix_time(1715680001.25));
  s.frame_ignored();
  s.frame_rejected("bad_amount");
  s.frame_rejected("bad_amount");
  s.frame_rejected("oversized");
  s.frame_rejected("something new");  // unknown labels are folded into "other"
  s.transfers_decoded(3);
  s.events_ignored("unconfigured_contract", 2);
  s.events_ignored("unconfigured_contract", 1);
  s.events_ignored("made up", 4);
  s.set_connected(true);
  s.set_stale(true);
  s.reconnected();

  const auto e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_events_ignored_total{reason=\"unconfigured_contract\",source=\"exchange\"}"), 3.0);
  EXPECT_EQ(e.value("freezewatch_events_ignored_total{reason=\"other\",source=\"exchange\"}"), 4.0);
  EXPECT_EQ(e.value("freezewatch_frames_received_total{source=\"exchange\"}"), 2.0);
  EXPECT_EQ(e.value("freezewatch_frames_ignored_total{source=\"exchange\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_frames_rejected_total{reason=\"bad_amount\",source=\"exchange\"}"), 2.0);
  EXPECT_EQ(e.value("freezewatch_frames_rejected_total{reason=\"oversized\",source=\"exchange\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_frames_rejected_total{reason=\"other\",source=\"exchange\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_frames_rejected_total{reason=\"not_json\",source=\"exchange\"}"), 0.0);
  EXPECT_FALSE(e.value("freezewatch_frames_rejected_total{reason=\"something new\",source=\"exchange\"}"));
  EXPECT_EQ(e.value("freezewatch_transfers_decoded_total{source=\"exchange\"}"), 3.0);
  EXPECT_EQ(e.value("freezewatch_source_connected{source=\"exchange\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_source_stale{source=\"exchange\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_source_reconnects_total{source=\"exchange\"}"), 1.0);
  EXPECT_DOUBLE_EQ(e.value("freezewatch_source_last_frame_timestamp_seconds{source=\"exchange\"}").value_or(0),
                   1715680001.25);

  s.set_stale(false);
  s.set_connected(false);
  const auto after = Exposition::parse(m.serialize());
  EXPECT_EQ(after.value("freezewatch_source_connected{source=\"exchange\"}"), 0.0);
  EXPECT_EQ(after.value("freezewatch_source_stale{source=\"exchange\"}"), 0.0);
}

TEST(Metrics, SourcesAreCountedSeparately) {
  Metrics m;
  m.source("a").frame_received();
  m.source("b").frame_received();
  m.source("b").frame_received();
  const auto e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_frames_received_total{source=\"a\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_frames_received_total{source=\"b\"}"), 2.0);
}

TEST(Metrics, DetectionLatencyHistogramHasBucketsFrom50MicrosecondsTo10Seconds) {
  Metrics m;
  m.detection_latency(70us);    // between 50 us and 100 us
  m.detection_latency(3ms);     // between 2.5 ms and 5 ms
  m.detection_latency(20s);     // above the last bound: only +Inf
  const auto e = Exposition::parse(m.serialize());
  const std::string b = "freezewatch_detection_latency_seconds_bucket{le=\"";
  EXPECT_EQ(kDetectionBuckets.front(), 0.00005);
  EXPECT_EQ(kDetectionBuckets.back(), 10.0);
  for (double bound : kDetectionBuckets) EXPECT_TRUE(e.value(b + le(bound) + "\"}")) << bound;
  EXPECT_EQ(e.value(b + "5e-05\"}"), 0.0);
  EXPECT_EQ(e.value(b + "0.0001\"}"), 1.0);
  EXPECT_EQ(e.value(b + "0.0025\"}"), 1.0);
  EXPECT_EQ(e.value(b + "0.005\"}"), 2.0);
  EXPECT_EQ(e.value(b + "10\"}"), 2.0);
  EXPECT_EQ(e.value(b + "+Inf\"}"), 3.0);
  EXPECT_EQ(e.value("freezewatch_detection_latency_seconds_count"), 3.0);
  EXPECT_NEAR(e.value("freezewatch_detection_latency_seconds_sum").value_or(0), 20.00307, 1e-9);
}

TEST(Metrics, EndpointAttemptsAreCountedByOutcomeWithHistogramsPerEndpoint) {
  Metrics m;
  auto& hook = m.endpoint("soc");
  m.endpoint("slack");
  hook.attempt("retry");
  hook.attempt("delivered");
  hook.attempt("teapot");  // unknown -> other
  hook.request_duration(40ms);
  hook.request_duration(2s);
  hook.delivered(1500ms);
  hook.dead_lettered();
  hook.heartbeat("delivered");

  const auto e = Exposition::parse(m.serialize());
  for (auto outcome : kDeliveryOutcomes) {
    const std::string labels = "{endpoint=\"slack\",outcome=\"" + std::string(outcome) + "\"}";
    EXPECT_EQ(e.value("freezewatch_webhook_attempts_total" + labels), 0.0) << outcome;
    EXPECT_EQ(e.value("freezewatch_heartbeats_total" + labels), 0.0) << outcome;
  }
  EXPECT_EQ(e.value("freezewatch_webhook_attempts_total{endpoint=\"soc\",outcome=\"retry\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_webhook_attempts_total{endpoint=\"soc\",outcome=\"delivered\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_webhook_attempts_total{endpoint=\"soc\",outcome=\"other\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_heartbeats_total{endpoint=\"soc\",outcome=\"delivered\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_webhook_dead_lettered_total{endpoint=\"soc\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_webhook_dead_lettered_total{endpoint=\"slack\"}"), 0.0);

  EXPECT_EQ(e.value("freezewatch_webhook_request_duration_seconds_count{endpoint=\"soc\"}"), 2.0);
  EXPECT_EQ(e.value("freezewatch_webhook_request_duration_seconds_bucket{endpoint=\"soc\",le=\"0.05\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_webhook_request_duration_seconds_bucket{endpoint=\"soc\",le=\"2.5\"}"), 2.0);
  EXPECT_EQ(e.value("freezewatch_webhook_request_duration_seconds_bucket{endpoint=\"soc\",le=\"30\"}"), 2.0);
  EXPECT_EQ(e.value("freezewatch_delivery_latency_seconds_count{endpoint=\"soc\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_delivery_latency_seconds_bucket{endpoint=\"soc\",le=\"1\"}"), 0.0);
  EXPECT_EQ(e.value("freezewatch_delivery_latency_seconds_bucket{endpoint=\"soc\",le=\"2.5\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_delivery_latency_seconds_bucket{endpoint=\"soc\",le=\"3600\"}"), 1.0);
  EXPECT_DOUBLE_EQ(e.value("freezewatch_delivery_latency_seconds_sum{endpoint=\"soc\"}").value_or(0), 1.5);
  EXPECT_EQ(e.value("freezewatch_delivery_latency_seconds_count{endpoint=\"slack\"}"), 0.0);
}

TEST(Metrics, PipelineCountersAccumulate) {
  Metrics m;
  m.matched();
  m.matched(2);
  m.alert_emitted(2);
  m.alert_deduplicated();
  const auto e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_matches_total"), 3.0);
  EXPECT_EQ(e.value("freezewatch_alerts_emitted_total"), 2.0);
  EXPECT_EQ(e.value("freezewatch_alerts_deduplicated_total"), 1.0);
}

TEST(Metrics, WatchlistVersionInfoKeepsOneSeriesAndSwapsItsLabelOnChange) {
  Metrics m;
  m.watchlist_loaded(10, "v1-aaaa", unix_time(1715680000));
  auto e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_watchlist_version_info{version=\"v1-aaaa\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_entries"), 10.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_last_reload_timestamp_seconds"), 1715680000.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_reloads_total"), 1.0);

  m.watchlist_loaded(12, "v2-bbbb", unix_time(1715680060));
  e = Exposition::parse(m.serialize());
  EXPECT_FALSE(e.value("freezewatch_watchlist_version_info{version=\"v1-aaaa\"}"));
  EXPECT_EQ(e.value("freezewatch_watchlist_version_info{version=\"v2-bbbb\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_entries"), 12.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_last_reload_timestamp_seconds"), 1715680060.0);

  // Reloading the same content keeps the series and moves the timestamp.
  m.watchlist_loaded(12, "v2-bbbb", unix_time(1715680120));
  m.watchlist_reload_failed();
  e = Exposition::parse(m.serialize());
  int version_series = 0;
  for (const auto& [series, value] : e.samples)
    if (series.rfind("freezewatch_watchlist_version_info{", 0) == 0) ++version_series;
  EXPECT_EQ(version_series, 1);
  EXPECT_EQ(e.value("freezewatch_watchlist_version_info{version=\"v2-bbbb\"}"), 1.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_last_reload_timestamp_seconds"), 1715680120.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_reloads_total"), 3.0);
  EXPECT_EQ(e.value("freezewatch_watchlist_reload_failures_total"), 1.0);
}

TEST(Metrics, OutboxSampleSetsGaugesAndWriteErrorsCounterFollowsTheCumulativeCount) {
  Metrics m;
  m.set_outbox({.pending = 4, .oldest_pending_age_seconds = 12.5, .dead_letters = 2, .write_errors = 3});
  auto e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_outbox_pending"), 4.0);
  EXPECT_EQ(e.value("freezewatch_outbox_oldest_age_seconds"), 12.5);
  EXPECT_EQ(e.value("freezewatch_outbox_dead_letters"), 2.0);
  EXPECT_EQ(e.value("freezewatch_outbox_write_errors_total"), 3.0);

  m.set_outbox({.pending = 0, .oldest_pending_age_seconds = 0, .dead_letters = 2, .write_errors = 5});
  e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_outbox_pending"), 0.0);
  EXPECT_EQ(e.value("freezewatch_outbox_oldest_age_seconds"), 0.0);
  EXPECT_EQ(e.value("freezewatch_outbox_write_errors_total"), 5.0);

  // A reopened outbox counts from 0 again: the counter never goes down.
  m.set_outbox({.write_errors = 1});
  e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_outbox_write_errors_total"), 5.0);
  m.set_outbox({.write_errors = 2});
  e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_outbox_write_errors_total"), 6.0);

  m.set_outbox({.oldest_pending_age_seconds = -3});  // clock went back: never negative
  e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_outbox_oldest_age_seconds"), 0.0);
}

TEST(Metrics, ConcurrentUpdatesAndScrapesLoseNothing) {
  Metrics m;
  auto& s = m.source("x");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        s.frame_received();
        m.matched();
      }
    });
  std::thread scraper([&] {
    for (int i = 0; i < 20; ++i) (void)m.serialize();
  });
  for (auto& t : threads) t.join();
  scraper.join();
  const auto e = Exposition::parse(m.serialize());
  EXPECT_EQ(e.value("freezewatch_frames_received_total{source=\"x\"}"), 20000.0);
  EXPECT_EQ(e.value("freezewatch_matches_total"), 20000.0);
}

}  // namespace
}  // namespace fw::metrics
