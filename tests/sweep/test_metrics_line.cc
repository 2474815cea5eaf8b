// A line of a trial's metrics.jsonl (metrics_line.h): Python's bare NaN and
// Infinity tokens read as the values they mean (issue 30, item 1), steps
// beyond int64 refused (item 9), and everything else as before.
#include <gtest/gtest.h>

#include <cmath>

#include "cohort/sweep/metrics_line.h"

namespace cohort::sweep {
namespace {

using LineKind = MetricsLine::Kind;

TEST(MetricsLine, ReadsNumbersAndNull) {
  auto l = parseMetricsLine(R"({"step": 3, "acc": 0.871, "loss": 1})", "acc");
  ASSERT_EQ(l.kind, LineKind::kPoint);
  EXPECT_EQ(l.point.step, 3);
  EXPECT_DOUBLE_EQ(l.point.value, 0.871);
  l = parseMetricsLine(R"({"step": 4, "acc": null})", "acc");
  ASSERT_EQ(l.kind, LineKind::kPoint);
  EXPECT_TRUE(std::isnan(l.point.value));
  EXPECT_EQ(parseMetricsLine(R"({"step": 4, "loss": 2.5})", "acc").kind, LineKind::kOther);
}

TEST(MetricsLine, ReadsPythonsNonFiniteTokens) {
  // What json.dumps({"step": 5, "acc": float("nan")}) writes, and the infinities.
  auto l = parseMetricsLine(R"({"step": 5, "acc": NaN})", "acc");
  ASSERT_EQ(l.kind, LineKind::kPoint) << l.problem;
  EXPECT_TRUE(std::isnan(l.point.value));
  l = parseMetricsLine(R"({"step": 6, "acc": Infinity, "loss": -Infinity})", "acc");
  ASSERT_EQ(l.kind, LineKind::kPoint) << l.problem;
  EXPECT_EQ(l.point.value, std::numeric_limits<double>::infinity());
  l = parseMetricsLine(R"({"loss":-Infinity,"step":7,"acc":-Infinity})", "acc");
  ASSERT_EQ(l.kind, LineKind::kPoint) << l.problem;
  EXPECT_EQ(l.point.value, -std::numeric_limits<double>::infinity());
  // Another key's NaN does not hide the metric.
  l = parseMetricsLine(R"({"step": 8, "grad_norm": NaN, "acc": 0.5})", "acc");
  ASSERT_EQ(l.kind, LineKind::kPoint) << l.problem;
  EXPECT_DOUBLE_EQ(l.point.value, 0.5);
}

TEST(MetricsLine, TokensInsideStringsStayText) {
  auto l = parseMetricsLine(R"({"step": 1, "note": "NaN, Infinity", "acc": "NaN"})", "acc");
  EXPECT_EQ(l.kind, LineKind::kBad);  // the string "NaN" is not a number
  l = parseMetricsLine(R"({"step": 1, "note": "say \"NaN\"", "acc": 0.25})", "acc");
  ASSERT_EQ(l.kind, LineKind::kPoint) << l.problem;
  EXPECT_DOUBLE_EQ(l.point.value, 0.25);
  // Not tokens: a prefix of a longer word, or a wrong case.
  EXPECT_EQ(parseMetricsLine(R"({"step": 1, "acc": NaNa})", "acc").kind, LineKind::kBad);
  EXPECT_EQ(parseMetricsLine(R"({"step": 1, "acc": nan})", "acc").kind, LineKind::kBad);
  EXPECT_EQ(parseMetricsLine(R"({"step": 1, "acc": inf})", "acc").kind, LineKind::kBad);
}

TEST(MetricsLine, RefusesStepsOutOfRange) {
  auto l = parseMetricsLine(R"({"step": 18446744073709551615, "acc": 1})", "acc");
  EXPECT_EQ(l.kind, LineKind::kBad);
  EXPECT_NE(l.problem.find("18446744073709551615"), std::string::npos) << l.problem;
  EXPECT_EQ(parseMetricsLine(R"({"step": -1, "acc": 1})", "acc").kind, LineKind::kBad);
  l = parseMetricsLine(R"({"step": 9223372036854775807, "acc": 1})", "acc");
  ASSERT_EQ(l.kind, LineKind::kPoint);
  EXPECT_EQ(l.point.step, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parseMetricsLine(R"({"step": 1.5, "acc": 1})", "acc").kind, LineKind::kBad);
  EXPECT_EQ(parseMetricsLine(R"({"acc": 1})", "acc").kind, LineKind::kBad);
}

TEST(MetricsLine, RefusesWhatIsNotAnObject) {
  EXPECT_EQ(parseMetricsLine("not json", "acc").kind, LineKind::kBad);
  EXPECT_EQ(parseMetricsLine("[1, 2]", "acc").kind, LineKind::kBad);
  EXPECT_EQ(parseMetricsLine(R"({"step": 1, "acc": [1]})", "acc").kind, LineKind::kBad);
  EXPECT_EQ(parseMetricsLine(std::string(200, '[') + std::string(200, ']'), "acc").kind,
            LineKind::kBad);
}

TEST(MetricsLine, ValueText) {
  EXPECT_EQ(metricValueText(std::nan("")), "NaN");
  EXPECT_EQ(metricValueText(std::numeric_limits<double>::infinity()), "+Infinity");
  EXPECT_EQ(metricValueText(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(metricValueText(0.5), "0.5");
}

}  // namespace
}  // namespace cohort::sweep
