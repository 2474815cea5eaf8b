#include "cohort/world/runtime.h"

#include <ATen/ops/full.h>
#include <mpi.h>

#include <cstdlib>
#include <filesystem>

#include "cohort/comm/mpi_check.h"
#include "cohort/comm/mpi_communicator.h"
#include "cohort/comm/nccl_communicator.h"
#include "cohort/core/error.h"
#include "cohort/core/error_record.h"
#include "cohort/core/file_io.h"
#include "cohort/core/log.h"
#include "cohort/kernels/cuda/cuda_device.h"

namespace cohort {

namespace {

// The one runtime context (see STYLE: no other mutable globals).
std::unique_ptr<Runtime>& context() {
  static std::unique_ptr<Runtime> instance;
  return instance;
}

// Note [Quiet start-up]: every rank logs the world and every setting at debug
// level; rank 0 also writes them to LOGS/settings.txt and tells the terminal
// so in one line. A logs folder that cannot be written is not an error here
// (the trainer's own logs will say so): the settings then go to the terminal.
void recordSettings(const WorldInfo& world, const Settings& settings) {
  const std::string where = "rank " + std::to_string(world.rank) + " of " +
                            std::to_string(world.size) + ", local " +
                            std::to_string(world.local_rank) + " of " +
                            std::to_string(world.local_size) + ", launcher " + world.source;
  std::string text = "world: " + where + "\n";
  log::debug("world: " + where);
  for (const auto& [name, value] : settings.describe()) {
    text += name + "=" + value + "\n";
    log::debug("setting " + name + "=" + value);
  }
  if (world.rank != 0) return;
  const std::string path = settings.logs_dir + "/settings.txt";
  std::error_code failed;
  std::filesystem::create_directories(settings.logs_dir, failed);
  std::string problem =
      failed ? "cannot create " + settings.logs_dir + ": " + failed.message() : "";
  if (!failed && writeFileAtomically(path, text, &problem, {/*durable=*/false, ""})) {
    log::info(where + "; settings written to " + path);
    return;
  }
  log::warn(problem + "; the settings are:\n" + text.substr(0, text.size() - 1));
}

int mpiLocalSize(int* local_rank) {
  MPI_Comm node;
  COHORT_MPI_CHECK(
      MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  int size = 1;
  COHORT_MPI_CHECK(MPI_Comm_rank(node, local_rank));
  COHORT_MPI_CHECK(MPI_Comm_size(node, &size));
  COHORT_MPI_CHECK(MPI_Comm_free(&node));
  return size;
}

// MPI's answer wins; a launcher variable that disagrees with it means the
// processes were not started the way the variables claim.
void reconcileWithMpi(WorldInfo* world) {
  int rank = 0, size = 1, local_rank = 0;
  COHORT_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  COHORT_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
  int local_size = mpiLocalSize(&local_rank);
  if (world->source != "none" && (world->rank != rank || world->size != size)) {
    throw ConfigError("the " + world->source + " variables say rank " +
                          std::to_string(world->rank) + " of " + std::to_string(world->size) +
                          " but MPI says rank " + std::to_string(rank) + " of " +
                          std::to_string(size),
                      "cohort communicates over MPI: start the ranks with mpirun, srun "
                      "--mpi=pmix or cohortrun, and do not set rank variables by hand");
  }
  // cohortrun's agent sets the local pair from the engine's own variables
  // (see launcher/cohortrun/rank_identity.h); MPI must see the same node.
  if (world->source == "cohortrun" &&
      (world->local_rank != local_rank || world->local_size != local_size)) {
    throw ConfigError("COHORT_LOCAL_RANK/COHORT_LOCAL_SIZE say local rank " +
                          std::to_string(world->local_rank) + " of " +
                          std::to_string(world->local_size) + " but MPI says " +
                          std::to_string(local_rank) + " of " + std::to_string(local_size) +
                          " ranks share this machine",
                      "start the job with cohortrun (or unset the COHORT_LOCAL_* variables): the "
                      "engine and MPI must agree on which ranks share a machine");
  }
  world->rank = rank;
  world->size = size;
  world->local_rank = local_rank;
  world->local_size = local_size;
}

MpiCommunicator::Options mpiOptions(const Settings& settings) {
  MpiCommunicator::Options options;
  options.timeout_s = settings.collective_timeout_s;
  options.shm = settings.shm;
  return options;
}

}  // namespace

Runtime& init(int& argc, char**& argv) {
  if (context()) return *context();
  EnvLookup env = processEnv();
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->settings_ = Settings::fromEnvironment(env);
  // From here on a failure leaves an error record (Note [Error records]).
  ErrorRecordSite site{rt->settings_.logs_dir, -1, rt->settings_.run_id,
                       rt->settings_.restart_count};
  setErrorRecordSite(site);
  log::Level level = log::Level::kInfo;
  log::parseLevel(rt->settings_.log_level, &level);
  log::setLevel(level);
  rt->world_ = discoverWorld(env);
  if (rt->world_.source != "none") {
    site.rank = rt->world_.rank;
    setErrorRecordSite(site);
  }

  int initialised = 0;
  COHORT_MPI_CHECK(MPI_Initialized(&initialised));
  if (!initialised) {
    int provided = 0;
    COHORT_MPI_CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided));
    rt->owns_mpi_ = true;
    if (provided < MPI_THREAD_MULTIPLE) {
      COHORT_MPI_WARN(MPI_Finalize());
      throw ConfigError("this MPI library does not provide MPI_THREAD_MULTIPLE",
                        "use an MPI built with thread support (Debian's Open MPI has it)");
    }
  }
  try {
    // Failures of MPI calls on the world (and what is split from it) come
    // back to COHORT_MPI_CHECK instead of aborting inside MPI.
    COHORT_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    reconcileWithMpi(&rt->world_);
    site.rank = rt->world_.rank;
    setErrorRecordSite(site);
    armFatalSignalRecords();  // after MPI_Init: see error_record.h
    log::setRank(rt->world_.rank, rt->world_.size);
    rt->comm_ = std::make_unique<MpiCommunicator>(MPI_COMM_WORLD, mpiOptions(rt->settings_));
  } catch (...) {
    // Leave MPI running: the other ranks may be waiting for this one in a
    // collective, and only MPI_Abort (runMain does it) can end them. A
    // finalise here would leave them waiting for ever.
    rt->owns_mpi_ = false;
    throw;
  }

  recordSettings(rt->world_, rt->settings_);
  context() = std::move(rt);
  return *context();
}

Communicator& Runtime::comm(const c10::Device& device) {
  if (device.is_cpu()) return *comm_;
  COHORT_CHECK(device.is_cuda() && device.has_index(), ConfigError,
               "no communicator for tensors on " + device.str(),
               "put the tensors on the CPU or on this rank's GPU (cuda:N)");
  if (!gpu_comm_) {
    const CudaStatus cuda = cudaStatus();
    COHORT_CHECK(cuda.usable, ConfigError, "cannot use " + device.str() + ": " + cuda.why,
                 "keep the model on the CPU (rt.device() picks the CPU when no GPU is usable)");
    gpu_comm_ =
        makeNcclCommunicator(MPI_COMM_WORLD, device.index(), settings_.collective_timeout_s);
  }
  return *gpu_comm_;
}

c10::Device Runtime::device() {
  const CudaStatus cuda = cudaStatus();
  std::string why = cuda.why;
  if (cuda.usable && world_.local_size > cuda.devices) {
    why = std::to_string(world_.local_size) + " ranks share this machine's " +
          std::to_string(cuda.devices) + " GPU(s): each rank needs its own";
  }
  // Every rank trains on the same kind of device, or none could talk to the others.
  at::Tensor usable = at::full({1}, why.empty() ? 1 : 0, at::kLong);
  comm_->allreduce(usable, ReduceOp::kMin);
  if (usable.item<int64_t>() == 0) {
    log::warn("training on the CPU: " +
              (why.empty() ? std::string("another machine has no usable GPU for each rank") : why));
    return c10::Device(c10::kCPU);
  }
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(world_.local_rank));
}

Runtime::~Runtime() {
  gpu_comm_.reset();
  comm_.reset();
  if (owns_mpi_) {
    int finalised = 0;
    COHORT_MPI_WARN(MPI_Finalized(&finalised));
    if (!finalised) COHORT_MPI_WARN(MPI_Finalize());
  }
}

void Runtime::abort(int code) noexcept {
  COHORT_MPI_WARN(MPI_Abort(MPI_COMM_WORLD, code));
  std::abort();  // MPI_Abort does not return; this satisfies [[noreturn]]
}

void finalize() { context().reset(); }

Runtime* current() { return context().get(); }

int runMain(int argc, char** argv, const std::function<int(Runtime&)>& body) {
  try {
    Runtime& rt = init(argc, argv);
    int code = body(rt);
    finalize();
    return code;
  } catch (const std::exception& e) {
    log::error(e.what());
    writeErrorRecord("exception", e.what());  // See Note [Error records]
    // With other ranks alive, end them too: they would wait for this one in
    // their next collective. (The runtime may not exist yet if init() threw.)
    int initialised = 0, finalised = 0, size = 1;
    COHORT_MPI_WARN(MPI_Initialized(&initialised));
    COHORT_MPI_WARN(MPI_Finalized(&finalised));
    if (initialised && !finalised) COHORT_MPI_WARN(MPI_Comm_size(MPI_COMM_WORLD, &size));
    if (size > 1) COHORT_MPI_WARN(MPI_Abort(MPI_COMM_WORLD, 1));
    finalize();
    return 1;
  }
}

}  // namespace cohort
