// The COHORT_* settings (cohort/core/settings.h): defaults, overrides, and
// malformed values rejected with a ConfigError that names the variable.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/core/settings.h"

namespace cohort {
namespace {

using Vars = std::map<std::string, std::string>;

Settings read(const Vars& vars) { return Settings::fromEnvironment(mapEnv(vars)); }

// Reading `variable`='value' must throw a ConfigError whose message names the variable.
::testing::AssertionResult rejects(const std::string& variable, const std::string& value) {
  try {
    read({{variable, value}});
    return ::testing::AssertionFailure() << variable << "='" << value << "' was accepted";
  } catch (const ConfigError& e) {
    if (e.detail().find(variable) == std::string::npos) {
      return ::testing::AssertionFailure()
             << "the error for " << variable << "='" << value << "' does not name it: " << e.what();
    }
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure()
           << variable << "='" << value
           << "' threw something other than a ConfigError: " << e.what();
  }
}

TEST(Settings, Defaults) {
  const Settings s = read({});
  EXPECT_EQ(s.collective_timeout_s, 300.0);
  EXPECT_EQ(s.log_level, "info");
  EXPECT_EQ(s.first_bucket_mib, 1.0);
  EXPECT_EQ(s.bucket_mib, 25.0);
  EXPECT_EQ(s.run_id, "");
  EXPECT_EQ(s.restart_count, 0);
  EXPECT_EQ(s.outputs_dir, "./outputs");
  EXPECT_EQ(s.logs_dir, "./logs");
}

TEST(Settings, UnrelatedVariablesAreIgnored) {
  const Settings s = read({{"COHORT_RANK", "junk"}, {"TIMEOUT", "x"}, {"LOG_LEVEL", "loud"}});
  EXPECT_EQ(s.collective_timeout_s, 300.0);
  EXPECT_EQ(s.log_level, "info");
}

TEST(Settings, EveryVariableOverridesItsDefault) {
  const Settings s = read({{"COHORT_COLLECTIVE_TIMEOUT_S", "2.5"},
                           {"COHORT_LOG_LEVEL", "debug"},
                           {"COHORT_FIRST_BUCKET_MB", "0.25"},
                           {"COHORT_BUCKET_MB", "100"},
                           {"COHORT_RUN_ID", "job-42"},
                           {"COHORT_RESTART_COUNT", "3"},
                           {"COHORT_OUTPUTS_DIR", "/scratch/out"},
                           {"COHORT_LOGS_DIR", "/scratch/logs"}});
  EXPECT_EQ(s.collective_timeout_s, 2.5);
  EXPECT_EQ(s.log_level, "debug");
  EXPECT_EQ(s.first_bucket_mib, 0.25);
  EXPECT_EQ(s.bucket_mib, 100.0);
  EXPECT_EQ(s.run_id, "job-42");
  EXPECT_EQ(s.restart_count, 3);
  EXPECT_EQ(s.outputs_dir, "/scratch/out");
  EXPECT_EQ(s.logs_dir, "/scratch/logs");
}

TEST(Settings, AcceptsEveryLogLevel) {
  for (const char* level : {"debug", "info", "warn", "error"}) {
    EXPECT_EQ(read({{"COHORT_LOG_LEVEL", level}}).log_level, level);
  }
}

TEST(Settings, RejectsUnknownLogLevel) {
  for (const char* level : {"verbose", "", "inf", "0"})
    EXPECT_TRUE(rejects("COHORT_LOG_LEVEL", level));
}

TEST(Settings, RejectsMalformedOrNonPositiveNumbers) {
  for (const char* variable :
       {"COHORT_COLLECTIVE_TIMEOUT_S", "COHORT_FIRST_BUCKET_MB", "COHORT_BUCKET_MB"}) {
    for (const char* value : {"", "abc", "5s", "5 ", "1.5.2", "-1", "0", "0.0", "inf", "nan"}) {
      SCOPED_TRACE(std::string(variable) + "='" + value + "'");
      EXPECT_TRUE(rejects(variable, value));
    }
  }
}

TEST(Settings, AcceptsFractionalNumbers) {
  EXPECT_EQ(read({{"COHORT_COLLECTIVE_TIMEOUT_S", "0.5"}}).collective_timeout_s, 0.5);
  EXPECT_EQ(read({{"COHORT_BUCKET_MB", "12.5"}}).bucket_mib, 12.5);
}

TEST(Settings, CompressionIsNoneUnlessNamed) {
  EXPECT_EQ(read({}).compress, Compression::kNone);
  EXPECT_EQ(read({{"COHORT_COMPRESS", "none"}}).compress, Compression::kNone);
  EXPECT_EQ(read({{"COHORT_COMPRESS", "bf16"}}).compress, Compression::kBf16);
  EXPECT_EQ(read({{"COHORT_COMPRESS", "fp16"}}).compress, Compression::kFp16);
}

TEST(Settings, RejectsUnknownCompressionNamingTheChoices) {
  for (const char* value : {"", "BF16", "bfloat16", "int8", "fp16 ", "powersgd"}) {
    SCOPED_TRACE(value);
    EXPECT_TRUE(rejects("COHORT_COMPRESS", value));
  }
  try {
    read({{"COHORT_COMPRESS", "int8"}});
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("none (float32), bf16 or fp16"), std::string::npos)
        << e.what();
  }
}

TEST(Settings, CompressionNamesRoundTrip) {
  for (Compression c : {Compression::kNone, Compression::kBf16, Compression::kFp16}) {
    EXPECT_EQ(parseCompression(compressionName(c), "test"), c);
  }
}

TEST(Settings, RejectsMalformedRestartCount) {
  for (const char* value : {"", "-1", "1.5", "two", "3 ", "2000000"}) {
    SCOPED_TRACE(value);
    EXPECT_TRUE(rejects("COHORT_RESTART_COUNT", value));
  }
}

TEST(Settings, DescribeListsEveryVariableOnce) {
  Settings s = read({{"COHORT_COLLECTIVE_TIMEOUT_S", "2.5"}, {"COHORT_RESTART_COUNT", "7"}});
  std::map<std::string, std::string> described;
  for (const auto& [name, value] : s.describe()) {
    EXPECT_TRUE(described.emplace(name, value).second) << name << " is listed twice";
  }
  for (const char* name : {"COHORT_COLLECTIVE_TIMEOUT_S", "COHORT_LOG_LEVEL",
                           "COHORT_FIRST_BUCKET_MB", "COHORT_BUCKET_MB", "COHORT_RUN_ID",
                           "COHORT_RESTART_COUNT", "COHORT_OUTPUTS_DIR", "COHORT_LOGS_DIR"}) {
    EXPECT_EQ(described.count(name), 1u) << name << " is not listed";
  }
  EXPECT_EQ(described["COHORT_COLLECTIVE_TIMEOUT_S"], "2.5");
  EXPECT_EQ(described["COHORT_BUCKET_MB"], "25");
  EXPECT_EQ(described["COHORT_RESTART_COUNT"], "7");
  EXPECT_EQ(described["COHORT_RUN_ID"], "(none)");
}

// docs/trainer.md's settings table is COHORT_SETTINGS, row for row: each
// variable's line names its default and meaning exactly as the code does, and
// the table lists no variable the code does not read.
TEST(Settings, DocsTableIsTheCodesTable) {
  std::ifstream file(std::string(COHORT_SOURCE_DIR) + "/docs/trainer.md");
  ASSERT_TRUE(file) << "docs/trainer.md not found";
  std::map<std::string, std::string> documented;  // variable -> its table line
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("| `COHORT_", 0) != 0) continue;
    const std::string variable = line.substr(3, line.find('`', 3) - 3);
    EXPECT_TRUE(documented.emplace(variable, line).second) << variable << " is documented twice";
  }
  for (const Settings::Row& row : Settings::table()) {
    const std::string expected =
        "| `" + row.variable + "` | " + row.fallback + " | " + row.meaning + " |";
    auto found = documented.find(row.variable);
    if (found == documented.end()) {
      ADD_FAILURE() << row.variable << " is missing from docs/trainer.md; add:\n" << expected;
      continue;
    }
    EXPECT_EQ(found->second, expected) << "docs/trainer.md's row differs from COHORT_SETTINGS";
    documented.erase(found);
  }
  for (const auto& [variable, text] : documented) {
    ADD_FAILURE() << "docs/trainer.md documents " << variable << ", which cohort does not read";
  }
}

TEST(Settings, RegistryIsASetting) {
  EXPECT_EQ(read({}).registry, "");
  EXPECT_EQ(read({{"COHORT_REGISTRY", "azure://acct/models"}}).registry, "azure://acct/models");
}

// The COHORT_* variables that `line` reads by name: getenv("COHORT_X"),
// env("COHORT_X") on an EnvLookup, processEnv()("COHORT_X").
std::vector<std::string> cohortVariablesRead(const std::string& line) {
  static const std::regex kRead(
      R"re(\b(getenv|env|processEnv\(\))\s*\(\s*"(COHORT_[A-Z0-9_]+)")re");
  std::vector<std::string> names;
  for (std::sregex_iterator it(line.begin(), line.end(), kRead), end; it != end; ++it) {
    names.push_back((*it)[2]);
  }
  return names;
}

TEST(Settings, TheGrepBelowFindsAReadByName) {
  EXPECT_EQ(cohortVariablesRead(R"(  const char* v = std::getenv("COHORT_NEW_THING");)"),
            std::vector<std::string>{"COHORT_NEW_THING"});
  EXPECT_EQ(cohortVariablesRead(R"(if (const auto r = env("COHORT_REGISTRY"); r))"),
            std::vector<std::string>{"COHORT_REGISTRY"});
  EXPECT_EQ(cohortVariablesRead(R"(processEnv()("COHORT_X").value_or(""))"),
            std::vector<std::string>{"COHORT_X"});
  EXPECT_TRUE(cohortVariablesRead(R"(setenv("COHORT_RANK", text, 1);)").empty());
}

// settings.h's promise: no source of the library or the tools reads a
// COHORT_* variable by name, except the launcher contract, which world
// discovery owns; every other one is a row of COHORT_SETTINGS.
TEST(Settings, NothingElseReadsACohortVariable) {
  namespace fs = std::filesystem;
  const std::set<std::string> contract = {"COHORT_RANK", "COHORT_WORLD_SIZE", "COHORT_LOCAL_RANK",
                                          "COHORT_LOCAL_SIZE"};
  int files = 0;
  for (const char* folder : {"runtime", "launcher"}) {
    for (const auto& entry :
         fs::recursive_directory_iterator(fs::path(COHORT_SOURCE_DIR) / folder)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".cc" && ext != ".h")) continue;
      ++files;
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        for (const std::string& name : cohortVariablesRead(line)) {
          EXPECT_TRUE(contract.count(name) > 0)
              << entry.path().string() << ":" << number << " reads " << name
              << " by name; make it a row of COHORT_SETTINGS (cohort/core/settings.h) and read "
                 "it through Settings";
        }
      }
    }
  }
  EXPECT_GT(files, 100) << "the sources were not found under " << COHORT_SOURCE_DIR;
}

}  // namespace
}  // namespace cohort
