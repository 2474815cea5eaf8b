// COHORT_HOST_DEVICE marks a function that both the CPU loops (kernels/cpu)
// and the CUDA kernels (kernels/cuda) apply: each formula is written once.
#pragma once

#if defined(__CUDACC__)
#define COHORT_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define COHORT_HOST_DEVICE inline
#endif
