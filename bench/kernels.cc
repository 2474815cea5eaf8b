// bench_kernels: the effective bandwidth of each CUDA kernel beside a
// device-to-device copy of the same number of bytes, measured in the same run.
//
//   bench_kernels                 the full table (about a minute on an H100)
//   bench_kernels --adamw SHAPE   only fused AdamW on SHAPE (1b or gpt2): one
//                                 RESULT line, for run_kernels.sh to compare
//                                 with torch.optim.AdamW(fused=True)
//
// A kernel that reads and writes B bytes in total is compared with a copy of
// B/2 bytes (which also reads and writes B bytes); the ratio is copy time /
// kernel time. Times are medians of timed repetitions (CUDA events) after
// warm-up, with the kernel and its copy alternating. Floors: 0.80 for the
// bucket kernels, 0.85 for fused AdamW.
#include <ATen/ATen.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cohort/kernels/cuda/cuda_device.h"
#include "cohort/kernels/cuda/launch.h"
#include "cohort/kernels/stepper.h"

namespace {

using cohort::ops::ParamSlot;
using cohort::ops::Precision;

constexpr int kReps = 15;

// Median milliseconds of `reps` runs of `fn`, each timed with events.
double medianMs(const std::function<void()>& fn, int reps = kReps) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  fn();
  fn();  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    cudaEventRecord(start);
    fn();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float t = 0;
    cudaEventElapsedTime(&t, start, stop);
    ms.push_back(t);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// A copy of `bytes` bytes in total (bytes/2 read, bytes/2 written), on fresh buffers.
struct CopyPeer {
  explicit CopyPeer(int64_t bytes)
      : src(at::empty({bytes / 2}, at::TensorOptions().dtype(at::kByte).device(at::kCUDA))),
        dst(at::empty_like(src)) {}
  void operator()() const {
    cudaMemcpyAsync(dst.data_ptr(), src.data_ptr(), src.numel(), cudaMemcpyDeviceToDevice, nullptr);
  }
  at::Tensor src, dst;
};

struct Row {
  std::string name;
  double bytes;
  double ours_ms;
  double copy_ms;
  double floor;
};

void printRows(const std::vector<Row>& rows) {
  std::printf("%-44s %9s | %9s %8s | %9s %8s | %6s | %s\n", "kernel", "GB moved", "ours ms", "GB/s",
              "copy ms", "GB/s", "ratio", "floor");
  for (const Row& r : rows) {
    const double ratio = r.copy_ms / r.ours_ms;
    std::printf("%-44s %9.2f | %9.3f %8.0f | %9.3f %8.0f | %6.3f | %s\n", r.name.c_str(),
                r.bytes / 1e9, r.ours_ms, r.bytes / r.ours_ms / 1e6, r.copy_ms,
                r.bytes / r.copy_ms / 1e6, ratio,
                r.floor > 0 ? (ratio >= r.floor ? "met" : "MISSED") : "-");
  }
}

// Runs `ours` and its copy peer alternately (kReps rounds each) and returns the row.
Row measure(const std::string& name, double bytes, double floor,
            const std::function<void()>& ours) {
  CopyPeer copy(static_cast<int64_t>(bytes));
  std::vector<double> mine, theirs;
  for (int round = 0; round < 3; ++round) {
    mine.push_back(medianMs(ours, 5));
    theirs.push_back(medianMs(copy, 5));
  }
  std::sort(mine.begin(), mine.end());
  std::sort(theirs.begin(), theirs.end());
  return {name, bytes, mine[1], theirs[1], floor};
}

at::Tensor randomOnGpu(int64_t n, at::ScalarType type = at::kFloat) {
  return at::randn({n}, at::TensorOptions().device(at::kCUDA)).to(type);
}

std::vector<int64_t> gpt2Shapes() {
  const int64_t d = 768, vocab = 50257, context = 1024;
  std::vector<int64_t> sizes = {vocab * d, context * d};
  for (int layer = 0; layer < 12; ++layer) {
    for (int64_t n : {d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * 4 * d, 4 * d, 4 * d * d, d}) {
      sizes.push_back(n);
    }
  }
  sizes.push_back(d);
  sizes.push_back(d);
  return sizes;
}

// Parameters, gradients and moments for fused AdamW, float32 or bfloat16 with masters.
struct AdamWSetup {
  std::vector<at::Tensor> keep;
  std::vector<ParamSlot> slots;
  double bytes = 0;
  AdamWSetup(const std::vector<int64_t>& sizes, Precision precision) {
    const bool low = precision == Precision::kBFloat16;
    for (int64_t n : sizes) {
      at::Tensor p = randomOnGpu(n, low ? at::kBFloat16 : at::kFloat);
      at::Tensor g = randomOnGpu(n, low ? at::kBFloat16 : at::kFloat);
      at::Tensor master = low ? p.to(at::kFloat) : at::Tensor();
      at::Tensor m = at::zeros({n}, at::TensorOptions().device(at::kCUDA));
      at::Tensor v = at::zeros({n}, at::TensorOptions().device(at::kCUDA));
      ParamSlot s;
      s.param = p.data_ptr();
      s.grad = g.data_ptr();
      s.master = low ? master.data_ptr<float>() : nullptr;
      s.exp_avg = m.data_ptr<float>();
      s.exp_avg_sq = v.data_ptr<float>();
      s.numel = n;
      slots.push_back(s);
      keep.insert(keep.end(), {p, g, master, m, v});
      // float32: p, m, v read and written, g read. bfloat16: master, m, v read
      // and written, g read and p written at 2 bytes each.
      bytes += 28.0 * n;  // the same 28 bytes per element either way
    }
  }
};

double adamwMs(AdamWSetup& setup, Precision precision, cohort::Stepper& stepper) {
  long step = 0;
  return medianMs([&] {
    stepper.adamw(setup.slots, precision,
                  cohort::ops::AdamWStep::at(1e-4f, 0.9f, 0.999f, 1e-8f, 0.01f, ++step), 1.0f);
  });
}

int adamwOnly(const std::string& shape) {
  const std::vector<int64_t> sizes =
      shape == "1b" ? std::vector<int64_t>{1000000000} : gpt2Shapes();
  AdamWSetup setup(sizes, Precision::kFloat32);
  auto stepper = cohort::makeCudaStepper(0);
  std::printf("RESULT shape=%s tensors=%zu ms=%.4f\n", shape.c_str(), sizes.size(),
              adamwMs(setup, Precision::kFloat32, *stepper));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto status = cohort::cudaStatus();
  if (!status.usable) {
    std::fprintf(stderr, "bench_kernels needs a GPU: %s\n", status.why.c_str());
    return 1;
  }
  if (argc == 3 && std::strcmp(argv[1], "--adamw") == 0) return adamwOnly(argv[2]);
  std::printf("GPU: %s\n\n", cohort::describeDevice(0).c_str());

  std::vector<Row> rows;
  {
    const int64_t n = int64_t{1} << 28;  // 1 GiB of float32
    at::Tensor src = randomOnGpu(n), dst = at::empty_like(src), error = randomOnGpu(n) * 1e-3;
    at::Tensor bf16 = at::empty({n}, at::TensorOptions().dtype(at::kBFloat16).device(at::kCUDA));
    at::Tensor fp16 = at::empty({n}, at::TensorOptions().dtype(at::kHalf).device(at::kCUDA));
    rows.push_back(measure("compressed copy-in fp32 -> bf16 + error", 14.0 * n, 0.80, [&] {
      cohort::cuda::compressIn(src.data_ptr<float>(), error.data_ptr<float>(),
                               static_cast<c10::BFloat16*>(bf16.data_ptr()), n, 0.5f, nullptr);
    }));
    rows.push_back(measure("compressed copy-in fp32 -> fp16 + error", 14.0 * n, 0.80, [&] {
      cohort::cuda::compressIn(src.data_ptr<float>(), error.data_ptr<float>(),
                               static_cast<c10::Half*>(fp16.data_ptr()), n, 0.5f, nullptr);
    }));
    rows.push_back(measure("copy-out bf16 -> fp32", 6.0 * n, 0.80, [&] {
      cohort::cuda::decompress(static_cast<const c10::BFloat16*>(bf16.data_ptr()),
                               dst.data_ptr<float>(), n, nullptr);
    }));
    rows.push_back(measure("copy-out fp16 -> fp32", 6.0 * n, 0.80, [&] {
      cohort::cuda::decompress(static_cast<const c10::Half*>(fp16.data_ptr()),
                               dst.data_ptr<float>(), n, nullptr);
    }));
    auto checker = cohort::makeCudaStepper(0);
    ParamSlot slot;
    slot.grad = src.data_ptr();
    slot.numel = n;
    rows.push_back(measure("gradient norm + non-finite check (fp32)", 4.0 * n, 0,
                           [&] { checker->check({slot}, Precision::kFloat32); }));
  }
  for (const auto& [name, sizes, precision] :
       std::vector<std::tuple<std::string, std::vector<int64_t>, Precision>>{
           {"fused AdamW fp32, one 1e9-element tensor", {1000000000}, Precision::kFloat32},
           {"fused AdamW fp32, 148 GPT-2 124M tensors", gpt2Shapes(), Precision::kFloat32},
           {"fused AdamW bf16 + fp32 master, 1e9 elements", {1000000000}, Precision::kBFloat16}}) {
    AdamWSetup setup(sizes, precision);
    auto stepper = cohort::makeCudaStepper(0);
    long step = 0;
    rows.push_back(measure(name, setup.bytes, 0.85, [&] {
      stepper->adamw(setup.slots, precision,
                     cohort::ops::AdamWStep::at(1e-4f, 0.9f, 0.999f, 1e-8f, 0.01f, ++step), 1.0f);
    }));
  }
  {
    AdamWSetup setup({1000000000}, Precision::kFloat32);  // p, g and the momentum buffer
    auto stepper = cohort::makeCudaStepper(0);
    rows.push_back(measure("fused SGD momentum fp32, 1e9 elements", 20.0 * 1e9, 0.85, [&] {
      stepper->sgd(setup.slots, Precision::kFloat32, {1e-3f, 0.9f, 0.0f, 0.0f, false, false}, 1.0f);
    }));
  }
  printRows(rows);
  cudaError_t error = cudaDeviceSynchronize();
  if (error != cudaSuccess) {
    std::fprintf(stderr, "CUDA error: %s\n", cudaGetErrorString(error));
    return 1;
  }
  return 0;
}
