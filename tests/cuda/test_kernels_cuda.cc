// Every CUDA kernel against its CPU loop (both apply the functors of
// kernels/ops): random non-zero data, odd sizes, many small tensors and a few
// huge ones. float32 results agree to 1e-6 relative; bfloat16 and float16 to
// their own precision. Skips without a usable GPU.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "cohort/kernels/cpu/bucket_copy.h"
#include "cohort/kernels/cuda/cuda_device.h"
#include "cohort/kernels/cuda/launch.h"
#include "cohort/kernels/stepper.h"

namespace {

using cohort::ops::ParamSlot;
using cohort::ops::Precision;

class Kernels : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto status = cohort::cudaStatus();
    if (!status.usable) GTEST_SKIP() << "no usable GPU: " << status.why;
  }
};

// Random values away from zero, so relative comparisons mean something.
torch::Tensor randomNonZero(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  auto x = torch::randn({n});
  return x + x.sign() * 0.1;
}

void expectClose(const torch::Tensor& got, const torch::Tensor& want, double rtol,
                 const std::string& what) {
  const auto g = got.to(torch::kCPU).to(torch::kDouble);
  const auto w = want.to(torch::kCPU).to(torch::kDouble);
  const double worst = ((g - w).abs() / (w.abs() + 1e-30)).max().item<double>();
  EXPECT_LE(worst, rtol) << what << ": worst relative difference " << worst;
}

// Sizes: many small odd ones, and a few huge ones.
std::vector<int64_t> sizes() {
  std::vector<int64_t> out;
  for (int i = 0; i < 150; ++i) out.push_back(1 + (i * 7919) % 4099);
  out.push_back(1);
  out.push_back((1 << 22) + 3);
  out.push_back((1 << 24) + 1);
  return out;
}

void* stream() { return nullptr; }  // the legacy default stream

template <typename Low>
void compressRoundTrip(torch::ScalarType low_type) {
  for (int64_t n : {int64_t{1}, int64_t{777}, int64_t{(1 << 22) + 7}}) {
    const auto src = randomNonZero(n, 40 + n);
    auto error_cpu = randomNonZero(n, 50 + n) * 1e-3;
    auto error_gpu = error_cpu.cuda();
    auto low_cpu = torch::empty({n}, low_type);
    cohort::cpu::compressIn(src.data_ptr<float>(), error_cpu.data_ptr<float>(),
                            static_cast<Low*>(low_cpu.data_ptr()), n, 0.5f);
    auto low_gpu = torch::empty({n}, torch::TensorOptions().dtype(low_type).device(torch::kCUDA));
    const auto dsrc = src.cuda();
    cohort::cuda::compressIn(dsrc.data_ptr<float>(), error_gpu.data_ptr<float>(),
                             static_cast<Low*>(low_gpu.data_ptr()), n, 0.5f, stream());
    // Both round the same float32 sums to nearest-even: identical bits.
    EXPECT_TRUE(torch::equal(low_gpu.cpu(), low_cpu)) << "compressed values, n " << n;
    expectClose(error_gpu, error_cpu, 1e-6, "error feedback");
    auto wide_cpu = torch::empty({n});
    cohort::cpu::decompress(static_cast<const Low*>(low_cpu.data_ptr()), wide_cpu.data_ptr<float>(),
                            n);
    auto wide_gpu = torch::empty({n}, torch::kCUDA);
    cohort::cuda::decompress(static_cast<const Low*>(low_gpu.data_ptr()),
                             wide_gpu.data_ptr<float>(), n, stream());
    EXPECT_TRUE(torch::equal(wide_gpu.cpu(), wide_cpu)) << "decompressed, n " << n;
    // What was sent plus what was kept is what came in.
    expectClose(wide_cpu + error_cpu, src * 0.5 + randomNonZero(n, 50 + n) * 1e-3, 1e-5,
                "compressed + error");
  }
}

TEST_F(Kernels, CompressBFloat16) { compressRoundTrip<c10::BFloat16>(torch::kBFloat16); }
TEST_F(Kernels, CompressHalf) { compressRoundTrip<c10::Half>(torch::kHalf); }

// The state of one optimizer run: per tensor a parameter, gradient and moments.
struct OptState {
  std::vector<torch::Tensor> param, grad, master, m, v;
  std::vector<ParamSlot> slots() {
    std::vector<ParamSlot> out;
    for (size_t i = 0; i < param.size(); ++i) {
      ParamSlot s;
      s.param = param[i].data_ptr();
      s.grad = grad[i].data_ptr();
      s.master = master[i].defined() ? master[i].data_ptr<float>() : nullptr;
      s.exp_avg = m[i].data_ptr<float>();
      s.exp_avg_sq = v[i].data_ptr<float>();
      s.numel = param[i].numel();
      out.push_back(s);
    }
    return out;
  }
  OptState to(const torch::Device& device) const {
    OptState o;
    for (size_t i = 0; i < param.size(); ++i) {
      o.param.push_back(param[i].to(device));
      o.grad.push_back(grad[i].to(device));
      o.master.push_back(master[i].defined() ? master[i].to(device) : torch::Tensor());
      o.m.push_back(m[i].to(device));
      o.v.push_back(v[i].to(device));
    }
    return o;
  }
};

OptState randomState(Precision precision) {
  OptState s;
  uint64_t seed = 1;
  for (int64_t n : sizes()) {
    auto p = randomNonZero(n, seed++);
    s.master.push_back(precision == Precision::kBFloat16 ? p.clone() : torch::Tensor());
    s.param.push_back(precision == Precision::kBFloat16 ? p.to(torch::kBFloat16) : p);
    auto g = randomNonZero(n, seed++);
    s.grad.push_back(precision == Precision::kBFloat16 ? g.to(torch::kBFloat16) : g);
    s.m.push_back(randomNonZero(n, seed++) * 0.1);
    s.v.push_back(randomNonZero(n, seed++).abs() * 0.01);
  }
  return s;
}

void compareStates(const OptState& gpu, const OptState& cpu, Precision precision,
                   const std::string& what) {
  const double rtol = 1e-6;
  for (size_t i = 0; i < cpu.param.size(); ++i) {
    const std::string at = what + ", tensor " + std::to_string(i);
    if (precision == Precision::kBFloat16) {
      expectClose(gpu.master[i], cpu.master[i], rtol, at + " master");
      // The parameter is the master rounded to bfloat16: within one rounding.
      expectClose(gpu.param[i].to(torch::kFloat), cpu.param[i].to(torch::kFloat), 1.0 / 128,
                  at + " bf16 param");
    } else {
      expectClose(gpu.param[i], cpu.param[i], rtol, at + " param");
    }
    expectClose(gpu.m[i], cpu.m[i], rtol, at + " exp_avg");
    expectClose(gpu.v[i], cpu.v[i], rtol, at + " exp_avg_sq");
  }
}

class OptimizerKernels : public Kernels, public ::testing::WithParamInterface<Precision> {};

TEST_P(OptimizerKernels, AdamWAgreesWithTheCpuLoop) {
  OptState cpu = randomState(GetParam());
  OptState gpu = cpu.to(torch::kCUDA);
  auto on_cpu = cohort::makeCpuStepper();
  auto on_gpu = cohort::makeCudaStepper(0);
  for (long step = 1; step <= 3; ++step) {
    const auto s = cohort::ops::AdamWStep::at(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, step);
    on_cpu->adamw(cpu.slots(), GetParam(), s, 0.5f);
    on_gpu->adamw(gpu.slots(), GetParam(), s, 0.5f);
  }
  compareStates(gpu, cpu, GetParam(), "AdamW");
}

TEST_P(OptimizerKernels, SgdAgreesWithTheCpuLoop) {
  OptState cpu = randomState(GetParam());
  OptState gpu = cpu.to(torch::kCUDA);
  auto on_cpu = cohort::makeCpuStepper();
  auto on_gpu = cohort::makeCudaStepper(0);
  for (int step = 0; step < 3; ++step) {
    const cohort::ops::SgdStep s{0.05f, 0.9f, 0.0f, 1e-4f, step == 2, step == 0};
    on_cpu->sgd(cpu.slots(), GetParam(), s, 2.0f);
    on_gpu->sgd(gpu.slots(), GetParam(), s, 2.0f);
  }
  compareStates(gpu, cpu, GetParam(), "SGD");
}

TEST_P(OptimizerKernels, GradientCheckAgreesWithTheCpuLoop) {
  OptState cpu = randomState(GetParam());
  cpu.grad[3][5] = std::numeric_limits<float>::quiet_NaN();
  cpu.grad[151][1000] = -std::numeric_limits<float>::infinity();
  OptState gpu = cpu.to(torch::kCUDA);
  const auto want = cohort::makeCpuStepper()->check(cpu.slots(), GetParam());
  const auto got = cohort::makeCudaStepper(0)->check(gpu.slots(), GetParam());
  EXPECT_EQ(got.non_finite, 2u);
  EXPECT_EQ(want.non_finite, 2u);
  EXPECT_NEAR(got.sum_of_squares, want.sum_of_squares, 1e-9 * want.sum_of_squares);
}

INSTANTIATE_TEST_SUITE_P(Precisions, OptimizerKernels,
                         ::testing::Values(Precision::kFloat32, Precision::kBFloat16),
                         [](const auto& info) {
                           return info.param == Precision::kFloat32 ? "Float32" : "BFloat16";
                         });

}  // namespace
