#include <cuda_runtime_api.h>

#include <cstring>

#include "cohort/kernels/cuda/check.h"
#include "cohort/kernels/cuda/cuda_stream.h"
#include "cohort/kernels/cuda/launch.h"
#include "cohort/kernels/stepper.h"

namespace cohort {

namespace {

bool sameSlots(const std::vector<ops::ParamSlot>& a, const std::vector<ops::ParamSlot>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(ops::ParamSlot)) == 0);
}

class CudaStepper final : public Stepper {
 public:
  explicit CudaStepper(c10::DeviceIndex device) : side_(device) {
    COHORT_CUDA_CHECK(cudaSetDevice(device));
    COHORT_CUDA_CHECK(cudaMalloc(&results_, sizeof(double) + sizeof(unsigned long long)));
  }
  ~CudaStepper() override { cudaFree(results_); }

  void sgd(const std::vector<ops::ParamSlot>& slots, ops::Precision precision,
           const ops::SgdStep& step, float grad_multiplier) override {
    StreamScope scope(side_);
    cuda::sgdStep(tableFor(slots), precision, step, grad_multiplier, nullptr, scope.stream());
  }

  void adamw(const std::vector<ops::ParamSlot>& slots, ops::Precision precision,
             const ops::AdamWStep& step, float grad_multiplier) override {
    StreamScope scope(side_);
    cuda::adamwStep(tableFor(slots), precision, step, grad_multiplier, nullptr, scope.stream());
  }

  ops::GradCheck check(const std::vector<ops::ParamSlot>& slots,
                       ops::Precision precision) override {
    StreamScope scope(side_);
    auto stream = static_cast<cudaStream_t>(scope.stream());
    auto* sum = static_cast<double*>(results_);
    auto* bad = reinterpret_cast<unsigned long long*>(sum + 1);
    COHORT_CUDA_CHECK(
        cudaMemsetAsync(results_, 0, sizeof(double) + sizeof(unsigned long long), stream));
    cuda::checkGradients(tableFor(slots), precision, sum, bad, stream);
    double host[2] = {0, 0};
    COHORT_CUDA_CHECK(cudaMemcpyAsync(host, results_, sizeof host, cudaMemcpyDeviceToHost, stream));
    COHORT_CUDA_CHECK(cudaStreamSynchronize(stream));
    unsigned long long non_finite = 0;
    std::memcpy(&non_finite, &host[1], sizeof non_finite);
    return {host[0], non_finite};
  }

 private:
  // The device table for these slots, rebuilt only when a pointer or size changed.
  const cuda::SlotTable& tableFor(const std::vector<ops::ParamSlot>& slots) {
    if (!table_ || !sameSlots(slots, cached_)) {
      table_ = std::make_unique<cuda::SlotTable>(slots);
      cached_ = slots;
    }
    return *table_;
  }

  SideStream side_;
  void* results_ = nullptr;  // a double and an unsigned long long on the device
  std::vector<ops::ParamSlot> cached_;
  std::unique_ptr<cuda::SlotTable> table_;
};

}  // namespace

std::unique_ptr<Stepper> makeCudaStepper(c10::DeviceIndex device) {
  return std::make_unique<CudaStepper>(device);
}

}  // namespace cohort
