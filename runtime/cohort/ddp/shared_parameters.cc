#include "cohort/ddp/shared_parameters.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ops/empty.h>
#include <c10/core/Storage.h>

#include <algorithm>

#include "cohort/comm/shm_allreduce_sliced.h"
#include "cohort/core/error.h"

namespace cohort {

namespace {

// What a shared tensor's storage carries: the mapping (kept alive by the
// tensor newMachineShared returned) and who shares it. sharedGroupOf()
// recognises shared storage by its deleter.
struct SharedContext {
  at::Tensor memory;
  SharedGroup group;
};

void deleteShared(void* context) { delete static_cast<SharedContext*>(context); }

}  // namespace

at::Tensor allocateShared(Communicator& comm, int64_t numel) {
  MachineShared shared = comm.newMachineShared(numel, at::kFloat);
  if (!shared.tensor.defined()) return {};
  void* data = shared.tensor.data_ptr();
  auto* context = new SharedContext{shared.tensor, {&comm, shared.local_rank, shared.local_size}};
  c10::Storage storage(c10::Storage::use_byte_size_t(), numel * static_cast<int64_t>(sizeof(float)),
                       c10::DataPtr(data, context, &deleteShared, c10::Device(c10::kCPU)),
                       /*allocator=*/nullptr, /*resizable=*/false);
  return at::empty({0}, at::kFloat).set_(storage, 0, {numel}, {1});
}

const SharedGroup* sharedGroupOf(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return nullptr;
  const c10::DataPtr& data = t.storage().data_ptr();
  if (data.get_deleter() != &deleteShared) return nullptr;
  return &static_cast<const SharedContext*>(data.get_context())->group;
}

std::pair<int64_t, int64_t> shareOf(int64_t n, int t, int size) {
  return sliceOf(n, t, size, sizeof(float));
}

bool shareParameters(const std::vector<at::Tensor>& params, Communicator& comm) {
  int64_t total = 0;
  for (const at::Tensor& p : params) {
    if (!p.device().is_cpu()) return false;  // a GPU's memory is its own
    COHORT_CHECK(p.scalar_type() == at::kFloat, ConfigError,
                 "share_parameters: a parameter is " + std::string(c10::toString(p.scalar_type())),
                 "shared parameters are float32; leave share_parameters off");
    total += p.numel();
  }
  at::Tensor memory = allocateShared(comm, total);
  if (!memory.defined()) return false;
  const SharedGroup& group = *sharedGroupOf(memory);

  // Every rank holds the same values (DataParallel broadcast them): each
  // writes its share of the concatenation, then all wait for the whole.
  at::NoGradGuard no_grad;
  const auto [begin, end] = shareOf(total, group.local_rank, group.local_size);
  int64_t offset = 0;
  for (const at::Tensor& p : params) {
    const int64_t n = p.numel();
    const int64_t lo = std::max(begin, offset), hi = std::min(end, offset + n);
    if (lo < hi) {
      memory.narrow(0, lo, hi - lo).copy_(p.detach().reshape(-1).narrow(0, lo - offset, hi - lo));
    }
    offset += n;
  }
  comm.barrier();
  offset = 0;
  for (const at::Tensor& p : params) {
    p.set_data(memory.narrow(0, offset, p.numel()).view(p.sizes()));
    offset += p.numel();
  }
  return true;
}

}  // namespace cohort
