# COHORT_WITH_CUDA: AUTO builds the CUDA code when nvcc and NCCL are found,
# ON requires them, OFF skips them. Sets COHORT_HAVE_CUDA.
set(COHORT_HAVE_CUDA OFF)
if(NOT COHORT_WITH_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  find_path(COHORT_NCCL_INCLUDE nccl.h HINTS /usr/local/cuda/include ENV CUDA_HOME PATH_SUFFIXES include)
  find_library(COHORT_NCCL_LIBRARY nccl HINTS /usr/local/cuda/lib64 ENV CUDA_HOME PATH_SUFFIXES lib64 lib)
  if(CMAKE_CUDA_COMPILER AND COHORT_NCCL_INCLUDE AND COHORT_NCCL_LIBRARY)
    set(COHORT_HAVE_CUDA ON)
  elseif(COHORT_WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "COHORT_WITH_CUDA=ON but nvcc (${CMAKE_CUDA_COMPILER}) or NCCL "
                        "(${COHORT_NCCL_INCLUDE}, ${COHORT_NCCL_LIBRARY}) was not found; "
                        "install the CUDA toolkit with NCCL or configure with -DCOHORT_WITH_CUDA=OFF")
  endif()
endif()
if(COHORT_HAVE_CUDA)
  # Ampere and Hopper data-centre GPUs unless told otherwise (-DCMAKE_CUDA_ARCHITECTURES=...).
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  # No fused multiply-adds: the kernels then round exactly as the CPU loops
  # applying the same functors do, so the two agree bit for bit (the kernels
  # are bound by memory, not arithmetic).
  string(APPEND CMAKE_CUDA_FLAGS " --expt-relaxed-constexpr -fmad=false")
  find_package(CUDAToolkit REQUIRED)
endif()
message(STATUS "cohort: CUDA ${COHORT_HAVE_CUDA} (COHORT_WITH_CUDA=${COHORT_WITH_CUDA})")
