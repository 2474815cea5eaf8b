// The main() of every multi-rank gtest program: starts cohort, runs every test
// on every rank, and has the ranks agree on the verdict, so that mpiexec exits
// 0 only when every rank passed.
//
// Rank 0 prints gtest's usual progress; the other ranks print only their
// failures, each line tagged with the rank. The verdict travels over
// MPI_COMM_WORLD rather than the communicator under test, so a broken
// communicator cannot hide a failure.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <ctime>

#include "cohort/world/runtime.h"
#include "tests/common/nothing_ran.h"

namespace {

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: failure in %s\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 current_test_.c_str(), result.message());
  }
  void OnTestStart(const ::testing::TestInfo& info) override {
    current_test_ = std::string(info.test_suite_name()) + "." + info.name();
  }

 private:
  int rank_;
  std::string current_test_;
};

// With --gtest_shuffle every rank must shuffle alike, or their collectives
// would not match: all take rank 0's seed.
void agreeOnShuffleSeed(int rank) {
  if (!GTEST_FLAG_GET(shuffle)) return;
  int seed = GTEST_FLAG_GET(random_seed);
  if (rank == 0 && seed == 0) seed = static_cast<int>(std::time(nullptr) % 99999) + 1;
  MPI_Bcast(&seed, 1, MPI_INT, 0, MPI_COMM_WORLD);
  GTEST_FLAG_SET(random_seed, seed);
}

}  // namespace

int main(int argc, char** argv) {
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    ::testing::InitGoogleTest(&argc, argv);
    if (rt.rank() != 0) {
      auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
      delete listeners.Release(listeners.default_result_printer());
      listeners.Append(new RankFailurePrinter(rt.rank()));
    }
    agreeOnShuffleSeed(rt.rank());

    const int passed_here = RUN_ALL_TESTS() == 0 ? 1 : 0;
    int passed_everywhere = 0;
    MPI_Allreduce(&passed_here, &passed_everywhere, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!passed_here) std::fprintf(stderr, "[rank %d] some tests FAILED on this rank\n", rt.rank());
    if (rt.rank() == 0) {
      std::fprintf(stderr,
                   passed_everywhere ? "tests passed on all %d ranks\n"
                                     : "tests FAILED on at least one of %d ranks\n",
                   rt.size());
    }
    // Every case skipped on every rank: say so (see tests/common/nothing_ran.h).
    const int ran_here = cohort::testing::anyCaseRan() ? 1 : 0;
    int ran_anywhere = 0;
    MPI_Allreduce(&ran_here, &ran_anywhere, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rt.rank() == 0 && passed_everywhere && !ran_anywhere)
      std::printf("%s\n", cohort::testing::kNothingRan);
    return passed_everywhere ? 0 : 1;
  });
}
