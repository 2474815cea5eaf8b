#include "cohort/kernels/cuda/cuda_device.h"

#include <cuda_runtime_api.h>

namespace cohort {

CudaStatus cudaStatus() {
  CudaStatus status;
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error == cudaErrorInsufficientDriver) {
    int driver = 0, runtime = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    auto version = [](int v) {
      return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
    };
    status.why = driver == 0
                     ? "there is no NVIDIA driver on this machine (no GPU, or the driver is not "
                       "installed)"
                     : "the NVIDIA driver supports CUDA " + version(driver) +
                           ", older than this build's CUDA runtime " + version(runtime) +
                           ": update the driver";
  } else if (error == cudaErrorNoDevice || (error == cudaSuccess && count == 0)) {
    status.why = "no CUDA GPU is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
  } else if (error != cudaSuccess) {
    status.why = std::string("the CUDA runtime cannot start: ") + cudaGetErrorString(error);
  } else {
    status.usable = true;
    status.devices = count;
  }
  cudaGetLastError();  // a failed probe must not linger as the sticky last error
  return status;
}

std::string describeDevice(int device) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) return "GPU " + std::to_string(device);
  char bus[32] = {};
  cudaDeviceGetPCIBusId(bus, sizeof bus, device);
  return std::string(prop.name) + " at " + bus;
}

}  // namespace cohort
