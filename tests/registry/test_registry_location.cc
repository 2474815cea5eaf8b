// Which registry a tool opens (cohort/registry/registry_location.h): the one
// named, else COHORT_REGISTRY, else ~/.cohort/registry.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>

#include "cohort/core/env.h"
#include "cohort/core/settings.h"
#include "cohort/registry/registry_location.h"

namespace cohort::registry {
namespace {

Settings settingsOf(std::map<std::string, std::string> vars) {
  return Settings::fromEnvironment(mapEnv(std::move(vars)));
}

TEST(RegistryLocation, TheNamedOneFirst) {
  const Settings s = settingsOf({{"COHORT_REGISTRY", "/from/the/setting"}});
  EXPECT_EQ(registryLocation("azure://acct/models", s, mapEnv({{"HOME", "/home/u"}})),
            "azure://acct/models");
}

TEST(RegistryLocation, ThenTheSetting) {
  const Settings s = settingsOf({{"COHORT_REGISTRY", "hdfs://nn:9870/models"}});
  EXPECT_EQ(registryLocation("", s, mapEnv({{"HOME", "/home/u"}})), "hdfs://nn:9870/models");
}

TEST(RegistryLocation, ThenTheHomeFolder) {
  EXPECT_EQ(registryLocation("", settingsOf({}), mapEnv({{"HOME", "/home/u"}})),
            "/home/u/.cohort/registry");
  EXPECT_EQ(registryLocation("", settingsOf({{"COHORT_REGISTRY", ""}}), mapEnv({{"HOME", "/h"}})),
            "/h/.cohort/registry")
      << "an empty COHORT_REGISTRY is no registry";
  EXPECT_EQ(registryLocation("", settingsOf({}), mapEnv({})), "./.cohort/registry");
  EXPECT_EQ(registryLocation("", settingsOf({}), mapEnv({{"HOME", ""}})), "./.cohort/registry");
}

TEST(RegistryLocation, OpenRegistryOpensIt) {
  char pattern[] = "/tmp/cohort_registry_location.XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string folder = std::string(pattern) + "/models";
  EXPECT_EQ(openRegistry("", settingsOf({{"COHORT_REGISTRY", folder}})).location(), folder);
  EXPECT_EQ(openRegistry(folder + "/named", settingsOf({{"COHORT_REGISTRY", folder}})).location(),
            folder + "/named");
  std::filesystem::remove_all(pattern);
}

}  // namespace
}  // namespace cohort::registry
