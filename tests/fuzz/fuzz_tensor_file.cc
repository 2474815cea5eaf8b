// A checkpoint's tensor file (model.h5, optimizer.h5, rng.h5, ranks.h5).
#include <cstdint>
#include <cstdlib>
#include <string>

#include <ATen/core/Tensor.h>
#include "fuzz_util.h"

#include "cohort/checkpoint/tensor_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& scratch = cohort::fuzz::Scratch::get();
  scratch.clear();
  const auto file =
      scratch.write("model.h5", std::string(reinterpret_cast<const char*>(data), size));
  cohort::fuzz::refusedOrRead([&] {
    const auto read = cohort::checkpoint::readTensorFile(file.string());
    // Every byte of every tensor is read: one outside its storage is a crash.
    volatile uint8_t sum = 0;
    for (const auto& [name, tensor] : read.tensors) {
      const auto* bytes = static_cast<const uint8_t*>(tensor.data_ptr());
      for (size_t b = 0; b < tensor.nbytes(); ++b) sum = sum + bytes[b];
    }
  });
  return 0;
}
