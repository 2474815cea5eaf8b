// The post protocol of the shared-memory allreduce (comm/shm_posts.h) on its
// own: what a rank posts in a step is what every other rank reads after it,
// step after step, with ranks arriving out of turn; and the step numbers go up
// by one per step on every rank.
#include <gtest/gtest.h>
#include <mpi.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "cohort/comm/shm_posts.h"
#include "cohort/comm/shm_segment.h"

namespace cohort {
namespace {

// The ranks of this machine, and posts over a fresh segment of theirs.
struct Machine {
  Machine() {
    int world_rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world_rank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &local_rank);
    MPI_Comm_size(node, &local_size);
    std::string why;
    auto segment = ShmSegment::create(node, ShmPosts::kBytes, &why);
    if (segment == nullptr) ADD_FAILURE() << "no shared memory: " << why;
    if (segment != nullptr) posts = std::make_unique<ShmPosts>(segment, local_rank, local_size);
    MPI_Barrier(node);  // every post is set up before anyone reads one
  }
  ~Machine() {
    posts.reset();
    MPI_Comm_free(&node);
  }
  MPI_Comm node = MPI_COMM_NULL;
  int local_rank = 0;
  int local_size = 1;
  std::unique_ptr<ShmPosts> posts;
};

TEST(ShmPosts, EveryRankReadsWhatEveryOtherPostedInTheStep) {
  Machine m;
  ASSERT_NE(m.posts, nullptr);
  for (int64_t round = 1; round <= 200; ++round) {
    // One rank comes late now and then; the others must wait for it.
    if (round % 50 == m.local_rank) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    m.posts->mine().numel = round * 1000 + m.local_rank;
    m.posts->finishStep();
    for (int t = 0; t < m.local_size; ++t) {
      EXPECT_EQ(m.posts->of(t).numel, round * 1000 + t) << "round " << round << ", rank " << t;
    }
    // A second step before anyone posts again, as the sliced allreduce takes.
    m.posts->finishStep();
  }
}

TEST(ShmPosts, TheStepNumberGoesUpByOnePerStep) {
  Machine m;
  ASSERT_NE(m.posts, nullptr);
  EXPECT_EQ(m.posts->next(), 1u);
  for (uint32_t step = 1; step <= 5; ++step) {
    m.posts->finishStep();
    EXPECT_EQ(m.posts->next(), step + 1);
    for (int t = 0; t < m.local_size; ++t) {
      EXPECT_TRUE(ShmCounter::reached(m.posts->of(t).phase.value.load(), step)) << "rank " << t;
    }
  }
}

}  // namespace
}  // namespace cohort
