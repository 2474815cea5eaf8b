// The one runtime context of a cohort process: who this rank is, the settings,
// and the world communicator. Created by cohort::init(), ended by
// cohort::finalize() (or at exit).
#pragma once

#include <functional>
#include <memory>

#include <c10/core/Device.h>

#include "cohort/comm/communicator.h"
#include "cohort/core/settings.h"
#include "cohort/world/world_env.h"

namespace cohort {

class Runtime {
 public:
  int rank() const { return world_.rank; }
  int size() const { return world_.size; }
  int localRank() const { return world_.local_rank; }
  int localSize() const { return world_.local_size; }
  // Which launcher's variables described this world ("openmpi", "slurm", ... or "none").
  const std::string& launcher() const { return world_.source; }
  const Settings& settings() const { return settings_; }

  // The world communicator for CPU tensors (MPI).
  Communicator& comm() { return *comm_; }

  // The world communicator for tensors on `device`: MPI for the CPU, NCCL for
  // a GPU. The first call for a GPU is collective (every rank must make it,
  // each with its own GPU) and starts NCCL.
  Communicator& comm(const c10::Device& device);

  // Collective. This rank's GPU (cuda:<local rank>) when CUDA is usable and
  // every machine has a GPU for each of its ranks; the CPU on every rank
  // otherwise, with a warning that says why (no GPU, a driver older than the
  // toolkit, a CPU-only build, more ranks than GPUs).
  c10::Device device();

  // Ends every rank of the job with `code` (MPI_Abort); for fatal errors.
  [[noreturn]] void abort(int code) noexcept;

  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

 private:
  friend Runtime& init(int& argc, char**& argv);
  Runtime() = default;

  WorldInfo world_;
  Settings settings_;
  bool owns_mpi_ = false;
  std::unique_ptr<Communicator> comm_;
  std::unique_ptr<Communicator> gpu_comm_;  // NCCL, once asked for
};

// Reads the settings and the launcher's variables, initialises MPI
// (MPI_THREAD_MULTIPLE) unless the program already did, checks that MPI and the
// variables agree, and returns the runtime context. Calling it again returns
// the same context. Throws ConfigError on inconsistent input.
Runtime& init(int& argc, char**& argv);

// Ends the runtime: stops the comm threads and finalises MPI if init() started it.
void finalize();

// The runtime context, or nullptr before init().
Runtime* current();

// Runs `body` with an initialised runtime and turns any exception into a clear
// message and a non-zero exit: with more than one rank the whole job is ended
// (MPI_Abort), so no rank is left waiting in a collective. Returns body's result.
int runMain(int argc, char** argv, const std::function<int(Runtime&)>& body);

}  // namespace cohort
