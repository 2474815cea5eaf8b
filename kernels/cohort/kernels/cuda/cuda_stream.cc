#include "cohort/kernels/cuda/cuda_stream.h"

#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <cuda_runtime_api.h>

#include "cohort/kernels/cuda/check.h"

namespace cohort {

namespace {

const c10::impl::DeviceGuardImplInterface& cudaImpl() {
  return *c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA);
}

c10::Stream torchStream(c10::DeviceIndex device) {
  return cudaImpl().getStream(c10::Device(c10::DeviceType::CUDA, device));
}

// Sets the current device for the calling thread, and back afterwards.
class DeviceSwitch {
 public:
  explicit DeviceSwitch(int device) {
    cudaGetDevice(&previous_);
    if (previous_ != device) COHORT_CUDA_CHECK(cudaSetDevice(device));
  }
  ~DeviceSwitch() { cudaSetDevice(previous_); }

 private:
  int previous_ = 0;
};

}  // namespace

bool torchOnDefaultStream(c10::DeviceIndex device) { return torchStream(device).id() == 0; }

SideStream::SideStream(c10::DeviceIndex device) : device_(device) {
  DeviceSwitch on(device);
  cudaStream_t stream = nullptr;
  COHORT_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  stream_ = stream;
  cudaEvent_t event = nullptr;
  COHORT_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  ours_done_ = event;
}

SideStream::~SideStream() {
  if (torch_done_ != nullptr) cudaImpl().destroyEvent(torch_done_, device_);
  cudaEventDestroy(static_cast<cudaEvent_t>(ours_done_));
  cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
}

void SideStream::waitForTorch() {
  DeviceSwitch on(device_);
  cudaImpl().record(&torch_done_, torchStream(device_), device_, c10::EventFlag::PYTORCH_DEFAULT);
  COHORT_CUDA_CHECK(cudaStreamWaitEvent(static_cast<cudaStream_t>(stream_),
                                        static_cast<cudaEvent_t>(torch_done_), 0));
}

void SideStream::torchWaitsForThis() {
  DeviceSwitch on(device_);
  COHORT_CUDA_CHECK(
      cudaEventRecord(static_cast<cudaEvent_t>(ours_done_), static_cast<cudaStream_t>(stream_)));
  cudaImpl().block(ours_done_, torchStream(device_));
}

StreamScope::StreamScope(SideStream& side) {
  if (torchOnDefaultStream(side.device())) return;  // stream_ stays the default stream
  side_ = &side;
  side.waitForTorch();
  stream_ = side.get();
}

StreamScope::~StreamScope() {
  if (side_ == nullptr) return;
  try {
    side_->torchWaitsForThis();
  } catch (...) {
    // A destructor cannot throw; the next CUDA call reports the sticky error.
  }
}

}  // namespace cohort
