#include "config/suggest.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace fw::config {
namespace {

constexpr std::string_view kWebhookKeys[] = {
    "name",       "type",        "url",   "secrets",      "secret_file",           "headers",
    "timeout_ms", "concurrency", "retry", "retry_for_ms", "heartbeat_interval_ms", "filter"};

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndTranspositions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("retry", "rety"), 1u);
  EXPECT_EQ(edit_distance("secrets", "secrest"), 1u);  // adjacent transposition counts once
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);           // OSA, not unrestricted Damerau
}

TEST(EditDistance, IgnoresCaseAndTreatsDashAsUnderscore) {
  EXPECT_EQ(edit_distance("Timeout-MS", "timeout_ms"), 0u);
}

TEST(DidYouMean, SuggestsTheKeyWithItsUnitSuffix) {
  EXPECT_EQ(did_you_mean("timeout", kWebhookKeys), "timeout_ms");
  EXPECT_EQ(did_you_mean("heartbeat", kWebhookKeys), "heartbeat_interval_ms");
  EXPECT_EQ(did_you_mean("retry_for", kWebhookKeys), "retry_for_ms");
}

TEST(DidYouMean, SuggestsTheClosestTypo) {
  EXPECT_EQ(did_you_mean("secret", kWebhookKeys), "secrets");
  EXPECT_EQ(did_you_mean("secrest", kWebhookKeys), "secrets");
  EXPECT_EQ(did_you_mean("hedaers", kWebhookKeys), "headers");
  EXPECT_EQ(did_you_mean("URL", kWebhookKeys), "url");
  EXPECT_EQ(did_you_mean("concurency", kWebhookKeys), "concurrency");
}

TEST(DidYouMean, StaysQuietWhenNothingIsClose) {
  EXPECT_EQ(did_you_mean("colour", kWebhookKeys), "");
  EXPECT_EQ(did_you_mean("x", kWebhookKeys), "");
  EXPECT_EQ(did_you_mean("anything", {}), "");
}

}  // namespace
}  // namespace fw::config
