// Reading records from outside: jsonField never converts a number its type
// cannot hold (that is undefined behaviour, found by fuzz_records), and
// parseUntrustedJson refuses what nests too deep, in both key orders.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "cohort/core/json.h"

namespace cohort {
namespace {

TEST(JsonField, AWholeNumberItsTypeCannotHoldIsTheFallback) {
  const auto j = nlohmann::json::parse(
      R"({"big": 2.86632e+48, "half": 2.5, "minus": -1, "wide": 4294967296,
          "huge": 18446744073709551615, "ok": 12, "low": -2147483648, "text": "3"})");
  EXPECT_EQ(jsonField<int64_t>(j, "big", -7), -7);
  EXPECT_EQ(jsonField<int64_t>(j, "half", -7), -7);
  EXPECT_EQ(jsonField<uint32_t>(j, "minus", 7), 7u);
  EXPECT_EQ(jsonField<int>(j, "wide", -7), -7);
  EXPECT_EQ(jsonField<int64_t>(j, "huge", -7), -7);
  EXPECT_EQ(jsonField<uint64_t>(j, "huge", 7), UINT64_MAX);
  EXPECT_EQ(jsonField<int>(j, "ok", -7), 12);
  EXPECT_EQ(jsonField<int>(j, "low", -7), INT32_MIN);
  EXPECT_EQ(jsonField<int>(j, "text", -7), -7);
  EXPECT_EQ(jsonField<int>(j, "absent", -7), -7);
  EXPECT_DOUBLE_EQ(jsonField<double>(j, "big", 0), 2.86632e+48);
  EXPECT_DOUBLE_EQ(jsonField<double>(j, "half", 0), 2.5);
}

TEST(JsonField, APositiveNumberSetInCodeReadsBack) {
  nlohmann::json j;
  j["n"] = int64_t{42};  // number_integer, not number_unsigned
  EXPECT_EQ(jsonField<int>(j, "n", 0), 42);
  EXPECT_EQ(jsonField<uint8_t>(j, "n", 0), 42);
}

TEST(UntrustedJson, TooDeepIsRefusedInBothKeyOrders) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  std::string why;
  EXPECT_TRUE(parseUntrustedJson(deep, &why).is_discarded());
  EXPECT_NE(why.find("deeper than 64"), std::string::npos) << why;
  why.clear();
  EXPECT_TRUE(parseUntrustedOrderedJson(deep, &why).is_discarded());
  EXPECT_NE(why.find("deeper than 64"), std::string::npos) << why;
  const auto ordered = parseUntrustedOrderedJson(R"({"z": 1, "a": 2})");
  EXPECT_EQ(ordered.begin().key(), "z");
  EXPECT_TRUE(parseUntrustedOrderedJson("{", &why).is_discarded());
  EXPECT_NE(why.find("not valid JSON"), std::string::npos) << why;
}

}  // namespace
}  // namespace cohort
