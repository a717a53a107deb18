#include "net/http_date.hpp"

#include <gtest/gtest.h>

namespace fw::net {
namespace {

using namespace std::chrono;

// 2015-10-21T07:28:00Z
const system_clock::time_point kNow = sys_days{year{2015} / October / 21} + hours(7) + minutes(28);

TEST(HttpDate, ParsesTheThreeForms) {
  const auto expected = sys_days{year{1994} / November / 6} + hours(8) + minutes(49) + seconds(37);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37"));
  EXPECT_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parse_http_date(""));
}

TEST(RetryAfter, SecondsOrAnHttpDateFromNow) {
  EXPECT_EQ(parse_retry_after("120", kNow), milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 5 ", kNow), milliseconds(5000));
  EXPECT_EQ(parse_retry_after("\t0", kNow), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", kNow), milliseconds(30000));
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", kNow), milliseconds(60000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", kNow), milliseconds(0));  // past
  EXPECT_FALSE(parse_retry_after("", kNow));
  EXPECT_FALSE(parse_retry_after("soon", kNow));
  EXPECT_FALSE(parse_retry_after("-1", kNow));
  EXPECT_FALSE(parse_retry_after("1.5", kNow));
}

TEST(RetryAfter, HugeValuesAreCappedNotOverflowed) {
  auto r = parse_retry_after("99999999999999999999999", kNow);
  ASSERT_TRUE(r);
  EXPECT_GT(*r, hours(24 * 365));
  EXPECT_LT(*r, hours(24 * 365 * 11));
}

}  // namespace
}  // namespace fw::net
