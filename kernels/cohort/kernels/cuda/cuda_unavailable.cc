// The kernels' CUDA entry points in a cohort built without CUDA: they say so.
#include "cohort/core/error.h"
#include "cohort/kernels/cuda/cuda_device.h"
#include "cohort/kernels/cuda/cuda_stream.h"
#include "cohort/kernels/cuda/launch.h"
#include "cohort/kernels/stepper.h"

namespace cohort {

[[noreturn]] void builtWithoutCuda() {
  throw ConfigError("this cohort was built without CUDA, so it cannot use a GPU",
                    "rebuild with the CUDA toolkit and NCCL installed (COHORT_WITH_CUDA=ON), "
                    "or keep the model and data on the CPU");
}

CudaStatus cudaStatus() {
  CudaStatus status;
  status.why = "this cohort was built without CUDA";
  return status;
}

std::string describeDevice(int device) { return "GPU " + std::to_string(device); }

bool torchOnDefaultStream(c10::DeviceIndex) { builtWithoutCuda(); }
SideStream::SideStream(c10::DeviceIndex device) : device_(device) { builtWithoutCuda(); }
SideStream::~SideStream() = default;
void SideStream::waitForTorch() { builtWithoutCuda(); }
void SideStream::torchWaitsForThis() { builtWithoutCuda(); }
StreamScope::StreamScope(SideStream&) { builtWithoutCuda(); }
StreamScope::~StreamScope() = default;

std::unique_ptr<Stepper> makeCudaStepper(c10::DeviceIndex) { builtWithoutCuda(); }

namespace cuda {

void compressIn(const float*, float*, c10::BFloat16*, int64_t, float, Stream) {
  builtWithoutCuda();
}
void compressIn(const float*, float*, c10::Half*, int64_t, float, Stream) { builtWithoutCuda(); }
void decompress(const c10::BFloat16*, float*, int64_t, Stream) { builtWithoutCuda(); }
void decompress(const c10::Half*, float*, int64_t, Stream) { builtWithoutCuda(); }

}  // namespace cuda

}  // namespace cohort
