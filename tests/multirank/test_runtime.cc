// The runtime context under a real launcher (mpiexec): who each rank is, and
// that init() hands back the one context.
#include <gtest/gtest.h>
#include <mpi.h>

#include "cohort/cohort.h"

namespace cohort {
namespace {

TEST(Runtime, AgreesWithMpiAboutTheWorld) {
  Runtime* rt = current();
  ASSERT_NE(rt, nullptr);
  int rank = -1, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(rt->rank(), rank);
  EXPECT_EQ(rt->size(), size);
  EXPECT_EQ(rt->launcher(), "openmpi");
  // The tests run on one machine: every rank is local.
  EXPECT_EQ(rt->localRank(), rank);
  EXPECT_EQ(rt->localSize(), size);
}

TEST(Runtime, CommunicatorSpansTheWorld) {
  Communicator& comm = current()->comm();
  EXPECT_EQ(comm.rank(), current()->rank());
  EXPECT_EQ(comm.size(), current()->size());
  EXPECT_EQ(comm.backend(), "mpi");
}

TEST(Runtime, InitAgainReturnsTheSameContext) {
  int argc = 1;
  char name[] = "again";
  char* args[] = {name, nullptr};
  char** argv = args;
  EXPECT_EQ(&init(argc, argv), current());
}

TEST(Runtime, SettingsAreReadFromTheProcessEnvironment) {
  const Settings expected = Settings::fromEnvironment(processEnv());
  EXPECT_EQ(current()->settings().describe(), expected.describe());
}

TEST(Runtime, ErrorsCarryTheRank) {
  const Error e("something failed", "do something else");
  EXPECT_EQ(e.rank(), current()->rank());
  EXPECT_EQ(std::string(e.what()).rfind("rank " + std::to_string(current()->rank()) + ": ", 0), 0u)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("do something else"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace cohort
