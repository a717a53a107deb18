#include "delivery/classify.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fw::delivery {
namespace {

using namespace std::chrono;

// 2015-10-21T07:28:00Z
const system_clock::time_point kNow = sys_days{year{2015} / October / 21} + hours(7) + minutes(28);

TEST(Classify, FollowsTheResponseTable) {
  struct Row {
    int status;
    Outcome outcome;
  };
  const Row rows[] = {
      {200, Outcome::delivered},   {201, Outcome::delivered},   {204, Outcome::delivered},
      {299, Outcome::delivered},   {301, Outcome::dead_letter}, {302, Outcome::dead_letter},
      {307, Outcome::dead_letter}, {308, Outcome::dead_letter}, {400, Outcome::dead_letter},
      {401, Outcome::dead_letter}, {403, Outcome::dead_letter}, {404, Outcome::dead_letter},
      {408, Outcome::retry},       {410, Outcome::gone},        {413, Outcome::dead_letter},
      {422, Outcome::dead_letter}, {429, Outcome::retry},       {500, Outcome::retry},
      {501, Outcome::dead_letter}, {502, Outcome::retry},       {503, Outcome::retry},
      {504, Outcome::retry},       {599, Outcome::retry},       {100, Outcome::retry},
      {600, Outcome::dead_letter}, {0, Outcome::dead_letter},   {-1, Outcome::dead_letter},
  };
  for (const auto& r : rows) {
    const auto c = classify(r.status, "", kNow);
    EXPECT_EQ(c.outcome, r.outcome) << r.status;
    EXPECT_STREQ(c.label, to_string(r.outcome)) << r.status;
    EXPECT_FALSE(c.retry_after) << r.status;
    EXPECT_NE(std::string(c.reason), "") << r.status;
  }
}

TEST(Classify, LabelsAreTheBoundedMetricSet) {
  EXPECT_STREQ(to_string(Outcome::delivered), "delivered");
  EXPECT_STREQ(to_string(Outcome::retry), "retry");
  EXPECT_STREQ(to_string(Outcome::dead_letter), "dead_letter");
  EXPECT_STREQ(to_string(Outcome::gone), "gone");
  EXPECT_STREQ(to_string(Outcome::network_error), "network_error");
  EXPECT_STREQ(to_string(Outcome::timeout), "timeout");
  EXPECT_TRUE(is_retryable(Outcome::retry));
  EXPECT_TRUE(is_retryable(Outcome::timeout));
  EXPECT_TRUE(is_retryable(Outcome::network_error));
  EXPECT_FALSE(is_retryable(Outcome::gone));
  EXPECT_FALSE(is_retryable(Outcome::dead_letter));
  EXPECT_FALSE(is_retryable(Outcome::delivered));
}

TEST(Classify, HonoursRetryAfterInSeconds) {
  auto c = classify(429, "1", kNow);
  EXPECT_EQ(c.outcome, Outcome::retry);
  ASSERT_TRUE(c.retry_after);
  EXPECT_EQ(*c.retry_after, seconds(1));
  c = classify(503, " 120 ", kNow);
  ASSERT_TRUE(c.retry_after);
  EXPECT_EQ(*c.retry_after, seconds(120));
  c = classify(503, "0", kNow);
  ASSERT_TRUE(c.retry_after);
  EXPECT_EQ(*c.retry_after, milliseconds(0));
}

TEST(Classify, HonoursRetryAfterAsAnHttpDate) {
  auto c = classify(429, "Wed, 21 Oct 2015 07:28:30 GMT", kNow);
  EXPECT_EQ(c.outcome, Outcome::retry);
  ASSERT_TRUE(c.retry_after);
  EXPECT_EQ(*c.retry_after, seconds(30));
  c = classify(503, "Wed, 21 Oct 2015 07:00:00 GMT", kNow);  // in the past: retry now
  ASSERT_TRUE(c.retry_after);
  EXPECT_EQ(*c.retry_after, milliseconds(0));
}

TEST(Classify, IgnoresInvalidRetryAfter) {
  for (const char* v : {"-5", "soon", "1.5", "Wed, 32 Oct 2015 07:28:30 GMT", "Wed, 21 Oct 2015 07:28:30 UTC", "12abc"}) {
    const auto c = classify(503, v, kNow);
    EXPECT_EQ(c.outcome, Outcome::retry) << v;
    EXPECT_FALSE(c.retry_after) << v;
  }
}

TEST(Classify, RetryAfterIsIgnoredWhenTheAnswerIsFinal) {
  EXPECT_FALSE(classify(400, "10", kNow).retry_after);
  EXPECT_FALSE(classify(200, "10", kNow).retry_after);
  EXPECT_FALSE(classify(410, "10", kNow).retry_after);
}

}  // namespace
}  // namespace fw::delivery
