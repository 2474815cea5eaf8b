// COHORT_CUDA_CHECK: turns a failed CUDA runtime call into a cohort::Error
// naming the call, file:line and CUDA's own message. For .cu and .cc files
// that include the CUDA runtime headers.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "cohort/core/error.h"

#define COHORT_CUDA_CHECK(call)                                                             \
  do {                                                                                      \
    const cudaError_t cohort_status_ = (call);                                              \
    if (cohort_status_ != cudaSuccess) {                                                    \
      throw ::cohort::Error(std::string(#call) +                                            \
                                " failed: " + cudaGetErrorString(cohort_status_) + " [" +   \
                                ::cohort::detail::sourceLocation(__FILE__, __LINE__) + "]", \
                            "check the GPU and driver (nvidia-smi); see the first error "   \
                            "in the logs");                                                 \
    }                                                                                       \
  } while (0)
