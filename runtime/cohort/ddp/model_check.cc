#include "cohort/ddp/model_check.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>

#include <sstream>

#include "cohort/core/error.h"

namespace cohort {

namespace {

int64_t fingerprint(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a, 64 bit
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<int64_t>(hash >> 1);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The first line where `mine` differs from `reference`, in words.
std::string firstDifference(const std::string& reference, const std::string& mine) {
  auto a = lines(reference), b = lines(mine);
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    std::string left = i < a.size() ? a[i] : "(nothing)";
    std::string right = i < b.size() ? b[i] : "(nothing)";
    if (left != right) {
      return "tensor #" + std::to_string(i) + " is '" + right + "' here but '" + left +
             "' on rank 0 (" + std::to_string(b.size()) + " vs " + std::to_string(a.size()) +
             " tensors)";
    }
  }
  return "no difference";
}

}  // namespace

std::string describeTensors(const NamedTensors& tensors) {
  std::ostringstream out;
  for (const auto& [name, t] : tensors) {
    out << name << ' ' << c10::toString(t.scalar_type()) << ' ' << t.sizes() << '\n';
  }
  return out.str();
}

void checkSameModel(Communicator& comm, const NamedTensors& tensors) {
  const std::string mine = describeTensors(tensors);
  // The small tensors exchanged live where the communicator works (a GPU for NCCL).
  const auto on = at::TensorOptions().device(tensors.empty() ? at::Device(at::kCPU)
                                                             : tensors[0].second.device());
  // 1. Compare fingerprints: one small allgather when all is well.
  at::Tensor own = at::full({1}, fingerprint(mine), on.dtype(at::kLong));
  at::Tensor all = at::empty({comm.size(), 1}, on.dtype(at::kLong));
  comm.allgather(own, all);
  all = all.cpu();
  const int64_t* prints = all.data_ptr<int64_t>();
  int first_bad = -1;
  for (int r = 1; r < comm.size() && first_bad < 0; ++r) {
    if (prints[r] != prints[0]) first_bad = r;
  }
  if (first_bad < 0) return;

  // 2. They differ (every rank sees it): rank 0 sends its description, the
  //    first differing rank explains, and every rank raises the same error.
  const std::string ref = broadcastText(comm, mine, 0, on.device());
  constexpr size_t kWidth = 511;
  const std::string why = broadcastText(
      comm, comm.rank() == first_bad ? firstDifference(ref, mine).substr(0, kWidth) : "", first_bad,
      on.device());
  throw CommError(
      "the model differs across ranks: on rank " + std::to_string(first_bad) + ", " + why,
      "build the same model (same parameters, buffers, shapes and dtypes, in the "
      "same order) on every rank before wrapping it in DataParallel");
}

}  // namespace cohort
