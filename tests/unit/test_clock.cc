// The clock and host name of cohort's records (cohort/core/clock.h,
// cohort/core/host_name.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>

#include "cohort/core/clock.h"
#include "cohort/core/host_name.h"

namespace cohort {
namespace {

TEST(Clock, UnixNowIsTheWallClockWithSubSecondPrecision) {
  const double before = static_cast<double>(std::time(nullptr));
  const double now = unixNow();
  EXPECT_GE(now, before);
  EXPECT_LE(now, before + 2);
  double later = unixNow();
  for (int i = 0; i < 1000000 && later == now; ++i) later = unixNow();
  EXPECT_GT(later, now) << "the clock does not advance below a second";
  EXPECT_LT(later - now, 0.5);
}

TEST(Clock, IsoTimeIsUtcToTheMillisecondTruncated) {
  EXPECT_EQ(isoTime(1714567890.5), "2024-05-01T12:51:30.500Z");
  EXPECT_EQ(isoTime(1714567890.9999), "2024-05-01T12:51:30.999Z");
  EXPECT_EQ(isoTime(0.001), "1970-01-01T00:00:00.001Z");
}

TEST(Clock, IsoTimeReadsBackToTheSameText) {
  for (const char* text :
       {"2024-05-01T12:51:30.500Z", "2024-05-01T12:51:30.123Z", "2026-12-31T23:59:59.999Z",
        "2024-02-29T00:00:00.000Z", "1970-01-01T00:00:00.001Z"}) {
    const auto t = parseIsoTime(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(isoTime(*t), text);
  }
  // Every millisecond of one second, where a double is coarsest today.
  for (int ms = 0; ms < 1000; ++ms) {
    char text[32];
    std::snprintf(text, sizeof text, "2038-01-19T03:14:07.%03dZ", ms);
    const auto t = parseIsoTime(text);
    ASSERT_TRUE(t) << text;
    ASSERT_EQ(isoTime(*t), text);
  }
  const auto t = parseIsoTime("2024-05-01T12:51:30.500Z");
  EXPECT_NEAR(*t, 1714567890.5, 0.001);
}

TEST(Clock, ParseIsoTimeRefusesOtherText) {
  for (const char* text :
       {"", "2024-05-01", "2024-05-01T12:51:30Z", "2024-05-01T12:51:30.5Z",
        "2024-05-01 12:51:30.500Z", "2024-05-01T12:51:30.500", "2024-13-01T12:51:30.500Z",
        "2024-05-01T25:00:00.000Z", "2024-05-01T12:51:30.500Z ", "x024-05-01T12:51:30.500Z"}) {
    EXPECT_FALSE(parseIsoTime(text)) << "accepted: '" << text << "'";
  }
}

TEST(HostName, IsGethostname) {
  char expected[256] = {};
  ASSERT_EQ(::gethostname(expected, sizeof expected - 1), 0);
  EXPECT_EQ(hostName(), expected);
  EXPECT_FALSE(hostName().empty());
}

}  // namespace
}  // namespace cohort
