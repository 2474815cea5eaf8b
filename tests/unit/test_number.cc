// Reading numbers from outside (cohort/core/number.h, Note [Numbers from
// users]): the whole text, finite, no overflow, inside the range, and a
// refusal that says the range; and no other parser in the sources.
#include "cohort/core/number.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>

#include "cohort/core/error.h"

namespace cohort {
namespace {

TEST(Number, WholeNumbersInRange) {
  EXPECT_EQ(readWhole("1", 1, 10), 1);
  EXPECT_EQ(readWhole("0010", 1, 10), 10);
  EXPECT_EQ(readWhole("-3", -5, 5), -3);
  EXPECT_EQ(readWhole("999999999999999999", 0, INT64_MAX), 999999999999999999LL);
}

TEST(Number, WholeNumbersRefusedSayWhyAndTheRange) {
  std::string problem;
  EXPECT_EQ(readWhole("70000", 1, 65535, &problem), std::nullopt);
  EXPECT_EQ(problem, "'70000' is out of range: a whole number from 1 to 65535");
  EXPECT_EQ(readWhole("0", 1, 65535, &problem), std::nullopt);
  EXPECT_EQ(problem, "'0' is out of range: a whole number from 1 to 65535");
  EXPECT_EQ(readWhole("-1", 0, 10, &problem), std::nullopt);
  EXPECT_EQ(problem, "'-1' is out of range: a whole number from 0 to 10");
  // Past 64 bits: refused as out of range, never wrapped around.
  for (const char* big :
       {"9223372036854775808", "99999999999999999999999", "18446744073709551616"}) {
    EXPECT_EQ(readWhole(big, 0, INT64_MAX, &problem), std::nullopt) << big;
    EXPECT_NE(problem.find("is out of range"), std::string::npos) << problem;
  }
  for (const char* junk :
       {"", " 1", "1 ", "+1", "1.0", "1e3", "0x10", "ten", "1,000", "--1", "1-"}) {
    EXPECT_EQ(readWhole(junk, -10, 10000, &problem), std::nullopt) << "'" << junk << "'";
    EXPECT_EQ(problem, std::string("'") + junk + "' is not a whole number from -10 to 10000");
  }
}

TEST(Number, ALongTextIsCutShortInTheProblem) {
  std::string problem;
  EXPECT_EQ(readWhole(std::string(10000, 'x'), 0, 1, &problem), std::nullopt);
  EXPECT_EQ(problem, "'" + std::string(37, 'x') + "...' is not a whole number from 0 to 1");
}

TEST(Number, RequireWholeThrowsNamingWhat) {
  EXPECT_EQ(requireWhole("3", 1, 5, "EPOCHS"), 3);
  try {
    requireWhole("many", 1, 5, "EPOCHS");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("EPOCHS 'many' is not a whole number from 1 to 5"),
              std::string::npos)
        << e.what();
  }
}

TEST(Number, RealNumbers) {
  EXPECT_EQ(readReal("2.5", 0, 10), 2.5);
  EXPECT_EQ(readReal("1e-3", 0, 1), 1e-3);
  EXPECT_EQ(readReal("-0.5", -1, 1), -0.5);
  EXPECT_EQ(readReal("0", 0, 1), 0.0);
  std::string problem;
  EXPECT_EQ(readReal("0", 0, 1, &problem, /*above_least=*/true), std::nullopt);
  EXPECT_EQ(problem, "'0' is out of range: a positive number of at most 1");
  EXPECT_EQ(readReal("1", 1, 2, &problem, /*above_least=*/true), std::nullopt);
  EXPECT_EQ(problem, "'1' is out of range: a number above 1 and at most 2");
  EXPECT_EQ(readReal("1e400", 0, 1e300, &problem), std::nullopt);  // overflows a double
  EXPECT_EQ(problem, "'1e400' is out of range: a number from 0 to 1e+300");
  for (const char* junk :
       {"", "nan", "inf", "-inf", "0x1p3", " 1", "1 ", "1.5.2", "e5", ".", "1e"}) {
    EXPECT_EQ(readReal(junk, -10, 10), std::nullopt) << "'" << junk << "'";
  }
  EXPECT_EQ(parseDecimal("+3"), 3.0);
  EXPECT_EQ(parseDecimal("1E+2"), 100.0);
  EXPECT_EQ(parseNonNegative("-1"), std::nullopt);
  EXPECT_EQ(parseNonNegative("+1"), std::nullopt);
}

TEST(Number, DurationsTakeAUnit) {
  EXPECT_EQ(readSeconds("90", 0, 1e9), 90.0);
  EXPECT_EQ(readSeconds("90s", 0, 1e9), 90.0);
  EXPECT_EQ(readSeconds("15m", 0, 1e9), 900.0);
  EXPECT_EQ(readSeconds("1.5h", 0, 1e9), 5400.0);
  std::string problem;
  EXPECT_EQ(readSeconds("5d", 0, 1e9, &problem), std::nullopt);
  EXPECT_EQ(problem, "'5d' is not a number from 0 to 1000000000 seconds (90, 90s, 15m, 2h)");
  EXPECT_EQ(readSeconds("300000h", 0, 1e9, &problem), std::nullopt);
  EXPECT_NE(problem.find("is out of range"), std::string::npos) << problem;
  EXPECT_EQ(readSeconds("s", 0, 1e9), std::nullopt);
}

TEST(Number, Unsigned64AndRounding) {
  EXPECT_EQ(parseUnsigned64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parseUnsigned64("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parseUnsigned64("-1"), std::nullopt);
  EXPECT_EQ(roundToDigits(0.40999999642372131, 9), 0.409999996);
  EXPECT_EQ(roundToDigits(0.1 * 3, 15), 0.3);
}

// The calls that read numbers some other way (they take junk, wrap around or
// throw without naming the value): in `line`, with comments and strings left
// out by the caller.
std::vector<std::string> otherNumberReaders(const std::string& line) {
  static const std::regex kCall(
      R"re(\b(std::)?(sto(i|l|ll|ul|ull|f|d|ld)|ato(i|l|ll|f)|strto(l|ll|ul|ull|d|f|ld|imax|umax)|sscanf)\s*\()re");
  std::vector<std::string> found;
  for (std::sregex_iterator it(line.begin(), line.end(), kCall), end; it != end; ++it) {
    found.push_back((*it)[0]);
  }
  return found;
}

TEST(Number, TheGrepBelowFindsOtherReaders) {
  EXPECT_EQ(otherNumberReaders("  int port = std::stoi(digits);").size(), 1u);
  EXPECT_EQ(otherNumberReaders("pid = atoi(name); x = strtod(t, &end);").size(), 2u);
  EXPECT_EQ(otherNumberReaders("  sscanf(text, \"%d\", &n);").size(), 1u);
  EXPECT_TRUE(otherNumberReaders("  const auto n = readWhole(text, 1, 10);").empty());
  EXPECT_TRUE(otherNumberReaders("  restore(x);").empty());
}

// Note [Numbers from users]'s promise: number.cc is the only place that
// turns text into a number.
TEST(Number, NothingElseReadsNumbers) {
  namespace fs = std::filesystem;
  int files = 0;
  for (const char* folder : {"runtime", "launcher", "kernels", "examples"}) {
    for (const auto& entry :
         fs::recursive_directory_iterator(fs::path(COHORT_SOURCE_DIR) / folder)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".cc" && ext != ".h" && ext != ".cu")) continue;
      if (entry.path().filename() == "number.cc") continue;
      ++files;
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        const std::string code = line.substr(0, line.find("//"));
        for (const std::string& call : otherNumberReaders(code)) {
          ADD_FAILURE() << entry.path().string() << ":" << number << " reads a number with " << call
                        << "); use cohort/core/number.h (Note [Numbers from users])";
        }
      }
    }
  }
  EXPECT_GT(files, 100) << "the sources were not found under " << COHORT_SOURCE_DIR;
}

}  // namespace
}  // namespace cohort
