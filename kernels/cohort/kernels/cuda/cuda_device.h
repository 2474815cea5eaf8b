// What CUDA can do in this process: whether a GPU is usable, and if not, why
// (no GPU, a driver older than the toolkit, a build without CUDA), so that
// callers can say so and take the CPU path.
#pragma once

#include <string>

namespace cohort {

struct CudaStatus {
  bool usable = false;
  int devices = 0;
  std::string why;  // when not usable: what is missing, in words
};

// Asks the CUDA runtime once per call; cheap enough for start-up checks.
CudaStatus cudaStatus();

// The GPU's name and PCI bus id ("NVIDIA H100 80GB HBM3 at 0000:1b:00.0").
std::string describeDevice(int device);

// Throws the ConfigError that says this cohort was built without CUDA (the
// CPU-only build's GPU entry points call it; a CUDA build never does).
[[noreturn]] void builtWithoutCuda();

}  // namespace cohort
