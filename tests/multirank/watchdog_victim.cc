// A cohort program that misbehaves on purpose, for the failure-path checks in
// check_watchdog.sh and check_bad_env.sh (not a gtest program).
//
//   watchdog_victim ok          every rank runs the same collectives; exits 0
//   watchdog_victim skip        rank 1 skips the 4th collective (collective #3,
//                               an allreduce) and stalls; rank 0's watchdog must
//                               end the job
//   watchdog_victim skip-async  the same, with rank 0's allreduce issued async
//   watchdog_victim throw       rank 1 throws after the first collective;
//                               runMain must end the whole job
//   watchdog_victim big-buffers reduces 16 MiB reduction buffers (for a
//                               /dev/shm too small to hold them) and checks
//                               the sum
//
// Any further argument is ignored (the drivers pass a tag to find the processes).
#include <ATen/ops/full.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "cohort/cohort.h"

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "ok";
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    cohort::Communicator& comm = rt.comm();
    at::Tensor t = at::full({4}, static_cast<double>(rt.rank() + 1), at::kFloat);

    if (mode == "big-buffers") {
      at::Tensor big = comm.newReductionBuffers({{4 << 20, at::kFloat}})[0];
      big.fill_(rt.rank() + 1);
      comm.allreduce(big, cohort::ReduceOp::kSum);
      const float want = rt.size() * (rt.size() + 1) / 2.0f;
      if (!big.eq(want).all().item<bool>()) throw cohort::Error("wrong sum", "fix the fallback");
      if (rt.rank() == 0) std::printf("big buffers reduced correctly\n");
      return 0;
    }

    // Collectives #0, #1 and #2, on every rank.
    comm.allreduce(t, cohort::ReduceOp::kSum);
    if (mode == "throw" && rt.rank() == 1) {
      throw cohort::Error("the victim failed on purpose", "nothing: this is a test");
    }
    comm.broadcast(t, 0);
    comm.barrier();

    // Collective #3, which rank 1 skips in the skip modes.
    const bool skip = (mode == "skip" || mode == "skip-async") && rt.rank() == 1;
    if (skip) {
      // Stall as a hung rank would; the job must be ended long before this returns.
      std::this_thread::sleep_for(std::chrono::seconds(120));
    } else if (mode == "skip-async") {
      comm.allreduceAsync(t, cohort::ReduceOp::kSum)->wait();
    } else {
      comm.allreduce(t, cohort::ReduceOp::kSum);
    }
    comm.barrier();
    if (rt.rank() == 0) std::printf("victim finished normally (mode %s)\n", mode.c_str());
    return 0;
  });
}
