#include "cohort/checkpoint/cpu_rng_state.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

namespace cohort::checkpoint {

at::Tensor cpuRngState() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void setCpuRngState(const at::Tensor& state) {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

}  // namespace cohort::checkpoint
