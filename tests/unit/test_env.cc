// The environment helpers (cohort/core/env.h) that discovery and settings build on.
#include <gtest/gtest.h>

#include <cstdlib>

#include "cohort/core/env.h"
#include "cohort/core/number.h"

namespace cohort {
namespace {

TEST(Env, MapEnvAnswersOnlyItsOwnVariables) {
  EnvLookup env = mapEnv({{"A", "1"}, {"EMPTY", ""}});
  EXPECT_EQ(env("A"), std::optional<std::string>("1"));
  EXPECT_EQ(env("EMPTY"), std::optional<std::string>(""));
  EXPECT_EQ(env("B"), std::nullopt);
}

TEST(Env, ProcessEnvReadsTheRealEnvironment) {
  ::setenv("COHORT_TEST_ENV_PROBE", "probe", 1);
  ::unsetenv("COHORT_TEST_ENV_ABSENT");
  EnvLookup env = processEnv();
  EXPECT_EQ(env("COHORT_TEST_ENV_PROBE"), std::optional<std::string>("probe"));
  EXPECT_EQ(env("COHORT_TEST_ENV_ABSENT"), std::nullopt);
  ::unsetenv("COHORT_TEST_ENV_PROBE");
}

TEST(Env, ParseIntegerTakesWholeDecimalNumbers) {
  EXPECT_EQ(parseInteger("0"), 0);
  EXPECT_EQ(parseInteger("42"), 42);
  EXPECT_EQ(parseInteger("0042"), 42);
  EXPECT_EQ(parseInteger("999999999999999999"), 999999999999999999LL);  // 18 digits
  EXPECT_EQ(parseInteger("-7", /*allow_negative=*/true), -7);
}

TEST(Env, ParseIntegerRejectsEverythingElse) {
  for (const char* text :
       {"", "-", "-7", "+7", "7x", " 7", "7 ", "7.0", "1e3", "0x10", "9999999999999999999"}) {
    EXPECT_EQ(parseInteger(text), std::nullopt) << "'" << text << "'";
  }
  EXPECT_EQ(parseInteger("-", true), std::nullopt);
  EXPECT_EQ(parseInteger("--7", true), std::nullopt);
}

TEST(Env, ParseNonNegativeTakesFiniteNonNegativeNumbers) {
  EXPECT_EQ(parseNonNegative("0"), 0.0);
  EXPECT_EQ(parseNonNegative("300"), 300.0);
  EXPECT_EQ(parseNonNegative("2.5"), 2.5);
  for (const char* text : {"", "-1", "abc", "2.5s", "2.5 ", "inf", "nan", "1e999"}) {
    EXPECT_EQ(parseNonNegative(text), std::nullopt) << "'" << text << "'";
  }
}

}  // namespace
}  // namespace cohort
