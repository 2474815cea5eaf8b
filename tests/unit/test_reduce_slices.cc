// The CPU fold behind the shared-memory allreduce (cohort/kernels/cpu/
// reduce_slices.h): every combine, divisor, number of inputs and odd length,
// with streaming and ordinary stores, against a plain loop; outputs that are
// the inputs themselves; fewer outputs than inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "cohort/kernels/cpu/reduce_slices.h"

namespace cohort::cpu {
namespace {

template <typename T>
std::vector<std::vector<T>> randomInputs(int count, int64_t n, uint32_t seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<double> value(-10, 10);
  std::vector<std::vector<T>> inputs(count, std::vector<T>(n));
  for (auto& input : inputs) {
    for (T& x : input) x = static_cast<T>(value(engine));
  }
  return inputs;
}

template <typename T>
T reference(const std::vector<std::vector<T>>& in, int64_t i, Combine combine, T divisor) {
  T r = in[0][i];
  for (size_t k = 1; k < in.size(); ++k) {
    if (combine == Combine::kSum) r = r + in[k][i];
    if (combine == Combine::kMin) r = std::min(r, in[k][i]);
    if (combine == Combine::kMax) r = std::max(r, in[k][i]);
  }
  return combine == Combine::kSum ? r / divisor : r;
}

template <typename T>
void checkAll() {
  for (int count : {1, 2, 3, 5}) {
    for (int64_t n :
         {int64_t{0}, int64_t{1}, int64_t{3}, int64_t{2047}, int64_t{2048}, int64_t{10001}}) {
      for (Combine combine : {Combine::kSum, Combine::kMin, Combine::kMax}) {
        for (T divisor : {T(1), T(3)}) {
          for (Store store : {Store::kStream, Store::kCache}) {
            const auto inputs = randomInputs<T>(count, n, static_cast<uint32_t>(count * 7 + n));
            std::vector<std::vector<T>> outputs(count, std::vector<T>(n, T(-99)));
            std::vector<const T*> in;
            std::vector<T*> out;
            for (int k = 0; k < count; ++k) {
              in.push_back(inputs[k].data());
              out.push_back(outputs[k].data());
            }
            reduceSlices(in.data(), count, out.data(), count, n, combine, divisor, store);
            for (int k = 0; k < count; ++k) {
              for (int64_t i = 0; i < n; ++i) {
                ASSERT_EQ(outputs[k][i], reference(inputs, i, combine, divisor))
                    << "count " << count << " n " << n << " output " << k << " element " << i;
              }
            }
          }
        }
      }
    }
  }
}

TEST(ReduceSlices, FloatMatchesAPlainLoop) { checkAll<float>(); }
TEST(ReduceSlices, DoubleMatchesAPlainLoop) { checkAll<double>(); }

TEST(ReduceSlices, OutputsMayBeTheInputs) {
  auto data = randomInputs<float>(3, 5000, 11);
  const auto original = data;
  std::vector<const float*> in;
  std::vector<float*> out;
  for (auto& d : data) {
    in.push_back(d.data());
    out.push_back(d.data());
  }
  reduceSlices(in.data(), 3, out.data(), 3, 5000, Combine::kSum, 3.0f, Store::kStream);
  for (int64_t i = 0; i < 5000; ++i) {
    const float want = reference(original, i, Combine::kSum, 3.0f);
    for (int k = 0; k < 3; ++k) ASSERT_EQ(data[k][i], want) << "element " << i;
  }
}

// One output for several inputs (a rank's own buffer between machines, or the
// small-allreduce result): the outputs past the first are never touched.
TEST(ReduceSlices, OneOutputForSeveralInputs) {
  const auto inputs = randomInputs<double>(4, 3001, 5);
  std::vector<const double*> in;
  for (const auto& d : inputs) in.push_back(d.data());
  std::vector<double> result(3001, -1.0);
  double* out[] = {result.data()};
  reduceSlices(in.data(), 4, out, 1, 3001, Combine::kMax, 1.0, Store::kCache);
  for (int64_t i = 0; i < 3001; ++i) {
    ASSERT_EQ(result[i], reference(inputs, i, Combine::kMax, 1.0)) << "element " << i;
  }
}

}  // namespace
}  // namespace cohort::cpu
