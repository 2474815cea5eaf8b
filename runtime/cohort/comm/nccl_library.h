// NCCL's functions, from libnccl.so.2 loaded on first use.
//
// Note [NCCL loaded on first use]
// libcohort_comm does not link libnccl: the NCCL backend finds its nine
// functions with dlopen/dlsym the first time a communicator is made. NCCL is
// over 200 MB, and everything above comm (a trainer on a CPU node,
// cohort-serve, the image `cohort-model containerize` builds) would
// otherwise need it present just to start, though only a job on GPUs calls
// it. The library the build found is tried first (where a link would have
// found it), then the loader's search (LD_LIBRARY_PATH, the cache). Each
// pointer has the type nccl.h declares (decltype), so a call still compiles
// against NCCL's own declarations, and -Wl,--no-undefined fails the link of
// any call that bypasses this table.
#pragma once

#include <nccl.h>

namespace cohort {

struct NcclLibrary {
  decltype(&::ncclGetErrorString) getErrorString;
  decltype(&::ncclGetUniqueId) getUniqueId;
  decltype(&::ncclCommInitRank) commInitRank;
  decltype(&::ncclCommGetAsyncError) commGetAsyncError;
  decltype(&::ncclCommAbort) commAbort;
  decltype(&::ncclCommDestroy) commDestroy;
  decltype(&::ncclAllReduce) allReduce;
  decltype(&::ncclBroadcast) broadcast;
  decltype(&::ncclAllGather) allGather;
};

// The table, loaded once (thread-safe). Throws ConfigError saying that NCCL
// could not be loaded, from where, and what to do.
const NcclLibrary& nccl();

}  // namespace cohort
