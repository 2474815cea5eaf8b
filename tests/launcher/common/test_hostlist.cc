// Slurm host lists and per-node counts (hostlist.h, tasks_per_node.h): the
// forms Slurm writes, and malformed ones rejected with a message.
#include <gtest/gtest.h>

#include "cohort/core/error.h"
#include "common/hostlist.h"
#include "common/tasks_per_node.h"

namespace cohort::launcher {
namespace {

using Names = std::vector<std::string>;

TEST(Hostlist, PlainNamesKeepTheirOrder) {
  EXPECT_EQ(expandHostlist("b,a,c"), (Names{"b", "a", "c"}));
  EXPECT_EQ(expandHostlist("node7"), (Names{"node7"}));
}

TEST(Hostlist, RangesListsAndPadding) {
  EXPECT_EQ(expandHostlist("node[01-04,07],gpu-[1-2]"),
            (Names{"node01", "node02", "node03", "node04", "node07", "gpu-1", "gpu-2"}));
  EXPECT_EQ(expandHostlist("n[8-11]"), (Names{"n8", "n9", "n10", "n11"}));
  EXPECT_EQ(expandHostlist("n[08-10]"), (Names{"n08", "n09", "n10"}));
  EXPECT_EQ(expandHostlist("n[0]"), (Names{"n0"}));
  EXPECT_EQ(expandHostlist("[1-2]x"), (Names{"1x", "2x"}));
}

TEST(Hostlist, SeveralBracketGroupsMultiply) {
  EXPECT_EQ(expandHostlist("rack[1-2]-n[1,3]"),
            (Names{"rack1-n1", "rack1-n3", "rack2-n1", "rack2-n3"}));
}

TEST(Hostlist, SuffixAfterBracket) {
  EXPECT_EQ(expandHostlist("a[1-2].ib,b"), (Names{"a1.ib", "a2.ib", "b"}));
}

TEST(Hostlist, MalformedInputSaysWhat) {
  for (const char* bad : {"", "a,,b", "a,", "n[1-", "n1-2]", "n[a-b]", "n[3-1]", "n[[1]]", "n[1-2",
                          "a b", "h1:4", "n[]", "n[1-]", "n[0-99999999]"}) {
    EXPECT_THROW(expandHostlist(bad), ConfigError) << bad;
  }
  try {
    expandHostlist("node[3-1]");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("runs backwards"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("node[01-04,07]"), std::string::npos) << "a hint";
  }
}

TEST(Hostlist, SplitsOnlyOutsideBrackets) {
  EXPECT_EQ(splitOutsideBrackets("a[1,2]:4,b:2"), (Names{"a[1,2]:4", "b:2"}));
}

TEST(TasksPerNode, RepeatsAndSingles) {
  EXPECT_EQ(expandTasksPerNode("2(x3),1", "V"), (std::vector<int>{2, 2, 2, 1}));
  EXPECT_EQ(expandTasksPerNode("4", "V"), (std::vector<int>{4}));
  EXPECT_EQ(expandTasksPerNode("1,2(x2)", "V"), (std::vector<int>{1, 2, 2}));
}

TEST(TasksPerNode, MalformedNamesTheVariable) {
  for (const char* bad : {"", "2(x)", "2(3)", "x", "2(x0)", "2(x3", "-1", "2,,1"}) {
    try {
      expandTasksPerNode(bad, "SLURM_TASKS_PER_NODE");
      FAIL() << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("SLURM_TASKS_PER_NODE"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace cohort::launcher
