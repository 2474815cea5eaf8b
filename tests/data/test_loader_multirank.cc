// ShardedLoader under real mpiexec: every rank reads its slice of a data set
// packed by rank 0; gathered step by step, the slices make up the same global
// sequence one process reads, each sample once; a resumed loader continues it.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cstring>
#include <set>

#include "cohort/data/sharded_loader.h"
#include "cohort/world/runtime.h"
#include "data_test_util.h"

namespace cohort::test {
namespace {

constexpr int64_t kSamples = 1200;
constexpr int64_t kGlobalBatch = 24;  // splits evenly over 1, 2, 3 and 4 ranks

// Rank 0's folder, known to every rank.
std::string sharedFolder(Communicator& comm, const std::string& mine) {
  auto text = torch::zeros({512}, torch::kUInt8);
  if (comm.rank() == 0) std::memcpy(text.data_ptr<uint8_t>(), mine.data(), mine.size());
  comm.broadcast(text, 0);
  return reinterpret_cast<const char*>(text.data_ptr<uint8_t>());
}

// Gathers this rank's batch ids of each step into the global sequence.
std::vector<int64_t> gatherSteps(Communicator& comm, data::ShardedLoader& loader,
                                 int64_t steps = -1) {
  std::vector<int64_t> sequence;
  for (int64_t s = 0; steps < 0 || s < steps; ++s) {
    auto batch = loader.next();
    auto flag = torch::tensor({batch ? int64_t{1} : int64_t{0}});
    comm.allreduce(flag, ReduceOp::kMin);
    auto any = torch::tensor({batch ? int64_t{1} : int64_t{0}});
    comm.allreduce(any, ReduceOp::kMax);
    EXPECT_EQ(flag.item<int64_t>(), any.item<int64_t>())
        << "ranks disagree on the end of the epoch";
    if (flag.item<int64_t>() == 0) break;
    auto all = torch::empty({comm.size(), batch->size()}, torch::kInt64);
    comm.allgather(batch->ids, all);
    const auto* ids = all.data_ptr<int64_t>();
    sequence.insert(sequence.end(), ids, ids + all.numel());
  }
  return sequence;
}

TEST(LoaderMultirank, RanksTogetherReadTheOneProcessSequenceExactlyOnce) {
  Runtime& rt = *current();
  Communicator& comm = rt.comm();
  std::unique_ptr<TempDir> mine;
  if (rt.rank() == 0) {
    mine = std::make_unique<TempDir>();
    packSynthetic(mine->path() + "/set", kSamples, 50);
  }
  const std::string location = sharedFolder(comm, mine ? mine->path() : "") + "/set";
  comm.barrier();

  data::ShardedLoader single(syntheticOptions(location, kGlobalBatch, 0, 1));
  single.setEpoch(2);
  const std::vector<int64_t> reference = drain(single);
  ASSERT_EQ(reference.size(), static_cast<size_t>(kSamples));

  data::ShardedLoader loader(syntheticOptions(location, kGlobalBatch, rt.rank(), rt.size()));
  loader.setEpoch(2);
  const auto sequence = gatherSteps(comm, loader);
  EXPECT_EQ(sequence, reference);
  EXPECT_EQ(std::set<int64_t>(sequence.begin(), sequence.end()).size(),
            static_cast<size_t>(kSamples));

  // Stop after 17 steps, resume in a new loader from the saved state.
  data::ShardedLoader first(syntheticOptions(location, kGlobalBatch, rt.rank(), rt.size()));
  first.setEpoch(2);
  auto resumed = gatherSteps(comm, first, 17);
  const std::string state = first.state().toJson();
  data::ShardedLoader second(syntheticOptions(location, kGlobalBatch, rt.rank(), rt.size()));
  second.restore(data::LoaderState::fromJson(state, "state"));
  const auto rest = gatherSteps(comm, second);
  resumed.insert(resumed.end(), rest.begin(), rest.end());
  EXPECT_EQ(resumed, reference);
  comm.barrier();  // rank 0 removes the folder only when every rank is done with it
}

}  // namespace
}  // namespace cohort::test
