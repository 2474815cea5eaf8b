// A GPU collective that cannot finish in time, for check_nccl_watch.sh: the
// GPU is kept busy by a kernel that spins for 20 s, then an allreduce is
// queued behind it with a 1 s collective timeout. The NCCL watch must end the
// job with a message naming the collective. Exits 77 without a usable GPU.
#include <ATen/ATen.h>
#include <cuda_runtime.h>

#include <cstdio>

#include "cohort/cohort.h"
#include "cohort/kernels/cuda/cuda_device.h"
#include "spin_kernel.h"

int main(int argc, char** argv) {
  if (!cohort::cudaStatus().usable) {
    std::printf("skipped: no usable GPU (%s)\n", cohort::cudaStatus().why.c_str());
    return 77;
  }
  return cohort::runMain(argc, argv, [&](cohort::Runtime& rt) {
    const c10::Device gpu(c10::kCUDA, 0);
    cohort::Communicator& comm = rt.comm(gpu);
    at::Tensor t = at::ones({1024}, at::TensorOptions().device(gpu));
    comm.allreduce(t, cohort::ReduceOp::kSum);  // a collective that does finish
    cudaDeviceSynchronize();
    std::printf("first allreduce done\n");
    std::fflush(stdout);
    launchSpin(40LL * 1000 * 1000 * 1000);  // ~20 s at 2 GHz, on libtorch's default stream
    comm.allreduceAsync(t, cohort::ReduceOp::kSum)->wait();
    cudaDeviceSynchronize();  // the watch ends the job long before this returns
    std::printf("the stuck allreduce returned\n");
    return 0;
  });
}
