#include "cohort/comm/nccl_library.h"

#include <dlfcn.h>

#include <string>

#include "cohort/core/error.h"

#ifndef COHORT_NCCL_BUILT_WITH
#define COHORT_NCCL_BUILT_WITH ""
#endif

namespace cohort {

namespace {

template <typename F>
void find(void* library, const char* name, F* slot) {
  void* symbol = ::dlsym(library, name);
  COHORT_CHECK(symbol != nullptr, ConfigError,
               std::string("the NCCL library loaded has no ") + name,
               "install NCCL 2.12 or newer (libnccl.so.2)");
  *slot = reinterpret_cast<F>(symbol);
}

NcclLibrary load() {
  // See Note [NCCL loaded on first use].
  const std::string built_with = COHORT_NCCL_BUILT_WITH;
  void* library = nullptr;
  std::string why;
  for (const std::string& name : {built_with, std::string("libnccl.so.2")}) {
    if (name.empty()) continue;
    library = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library != nullptr) break;
    const char* error = ::dlerror();
    why += (why.empty() ? "" : "; ") + std::string(error ? error : name + ": not found");
  }
  COHORT_CHECK(library != nullptr, ConfigError, "cannot load NCCL for a job on GPUs (" + why + ")",
               "install NCCL (libnccl.so.2) on this machine or add its folder to "
               "LD_LIBRARY_PATH; a job on CPUs needs no NCCL");
  NcclLibrary nccl{};
  find(library, "ncclGetErrorString", &nccl.getErrorString);
  find(library, "ncclGetUniqueId", &nccl.getUniqueId);
  find(library, "ncclCommInitRank", &nccl.commInitRank);
  find(library, "ncclCommGetAsyncError", &nccl.commGetAsyncError);
  find(library, "ncclCommAbort", &nccl.commAbort);
  find(library, "ncclCommDestroy", &nccl.commDestroy);
  find(library, "ncclAllReduce", &nccl.allReduce);
  find(library, "ncclBroadcast", &nccl.broadcast);
  find(library, "ncclAllGather", &nccl.allGather);
  return nccl;  // the library stays loaded for the life of the process
}

}  // namespace

const NcclLibrary& nccl() {
  static const NcclLibrary table = load();
  return table;
}

}  // namespace cohort
