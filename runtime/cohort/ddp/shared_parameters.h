// Parameters and optimizer state that the ranks of one machine keep once
// between them instead of once each.
//
// Note [Shared parameters]
// With DataParallelOptions::share_parameters, DataParallel moves the module's
// parameters into memory that every rank of the machine maps
// (Communicator::newMachineShared), and cohort's optimizers (optim::SGD,
// optim::AdamW) built on them keep their state there too. After the gradient
// allreduce every rank holds the same averaged gradients, so the update is the
// same on every rank; instead of each rank repeating all of it on a private
// copy, local rank t updates share t (shareOf) of every element, and step()
// brackets that with two barriers:
//   - before: every rank of the machine has finished its backward pass, so no
//     one still reads a parameter that is about to change;
//   - after: every share is updated before any rank's next forward pass.
// Each rank does 1/L of the optimizer's arithmetic and memory traffic, and
// parameters and optimizer state take 1/L of the memory, for L ranks per
// machine. Machines still hold one copy each and update it alike.
//
// The price is a contract, which the default (private replicas) does not ask:
//   - parameters change only through cohort's optimizer, stepped on every rank
//     (an optimizer that updates every element, like torch::optim::SGD, would
//     apply its update once per local rank; a rank that writes a parameter
//     writes it for the whole machine);
//   - the optimizer is built after DataParallel (one built before finds its
//     parameters moved and refuses to step).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "cohort/comm/communicator.h"

namespace cohort {

// The ranks one shared tensor is shared by.
struct SharedGroup {
  Communicator* comm = nullptr;  // its barrier() orders the ranks' updates
  int local_rank = 0;
  int local_size = 1;
};

// Collective: a zero-filled float32 tensor of `numel` elements that is the same
// memory on every rank of this machine, or an undefined one (on every rank)
// when `comm` cannot share memory.
at::Tensor allocateShared(Communicator& comm, int64_t numel);

// The group whose shared memory holds `t`'s storage, or nullptr when it is
// private to this rank.
const SharedGroup* sharedGroupOf(const at::Tensor& t);

// [begin, end) of the float32 elements local rank `t` of `size` updates, out
// of `n`: the shared-memory allreduce's slices (sliceOf).
std::pair<int64_t, int64_t> shareOf(int64_t n, int t, int size);

// Collective: moves `params` (float32, equal on every rank) into one tensor
// from allocateShared. Returns false, leaving them where they were, when they
// are not on the CPU or `comm` cannot share memory.
bool shareParameters(const std::vector<at::Tensor>& params, Communicator& comm);

}  // namespace cohort
