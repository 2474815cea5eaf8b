#include "cohort/comm/mpi_communicator.h"

#include <climits>

#include "cohort/comm/mpi_check.h"
#include "cohort/core/error.h"
#include "cohort/core/error_record.h"
#include "cohort/core/log.h"

namespace cohort {

namespace {

// Largest element count handed to one MPI call (MPI counts are int).
constexpr int64_t kMaxChunk = INT_MAX / 2;

void requireCpu(const at::Tensor& t, const char* collective) {
  if (!t.defined()) {
    throw CommError(std::string(collective) + " was given an undefined tensor",
                    "pass a defined CPU tensor");
  }
  if (!t.device().is_cpu()) {
    throw CommError(std::string(collective) + " was given a tensor on " + t.device().str() +
                        "; the MPI communicator takes CPU tensors",
                    "move the tensor to the CPU, or use the NCCL communicator for CUDA tensors");
  }
}

void requireMatch(const at::Tensor& input, const at::Tensor& output, int64_t numel,
                  const char* collective) {
  if (output.scalar_type() != input.scalar_type() || output.numel() != numel ||
      !output.is_contiguous()) {
    throw CommError(std::string(collective) + ": output (" + c10::toString(output.scalar_type()) +
                        ", " + std::to_string(output.numel()) + " elements" +
                        (output.is_contiguous() ? "" : ", not contiguous") +
                        ") does not fit input (" + c10::toString(input.scalar_type()) + ", " +
                        std::to_string(numel) + " elements expected)",
                    "pass a contiguous output of the input's dtype with the expected size");
  }
}

void divideForAverage(at::Tensor& t, int size) {
  if (size == 1) return;
  if (at::isFloatingType(t.scalar_type())) {
    t.div_(size);
  } else {
    t.div_(size, "trunc");
  }
}

}  // namespace

MpiCommunicator::MpiCommunicator(MPI_Comm parent, const Options& options)
    : watchdog_(options.timeout_s, [](const std::string& message) {
        log::error(message);
        writeErrorRecord("watchdog", message);  // See Note [Error records]
        COHORT_MPI_WARN(MPI_Abort(MPI_COMM_WORLD, 70));
      }) {
  COHORT_MPI_CHECK(MPI_Comm_dup(parent, &comm_));
  COHORT_MPI_CHECK(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN));
  COHORT_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  COHORT_MPI_CHECK(MPI_Comm_size(comm_, &size_));
  if (options.shm && size_ > 1) {
    std::string why;
    shm_ = ShmAllreduce::create(comm_, &why);
    if (!shm_) log::debug("allreduce through MPI only: " + why);
  }
  worker_ = std::thread([this] { workerLoop(); });
}

std::string MpiCommunicator::allreducePath() const {
  if (!shm_) return "MPI";
  return "shared memory between " + std::to_string(shm_->localSize()) + " ranks per machine";
}

std::vector<at::Tensor> MpiCommunicator::newReductionBuffers(const std::vector<BufferSpec>& specs) {
  if (!shm_) return Communicator::newReductionBuffers(specs);
  // Segment creation is collective over the machine's ranks: keep it in turn
  // with the other collectives (Note [Collective order]).
  std::vector<at::Tensor> buffers;
  Label label{"newReductionBuffers", "-", static_cast<int64_t>(specs.size())};
  runInTurn(issued_.fetch_add(1), label, [&] { buffers = shm_->newBuffers(comm_, specs); });
  return buffers;
}

MachineShared MpiCommunicator::newMachineShared(int64_t numel, at::ScalarType dtype) {
  if (!shm_) return {};
  MachineShared shared;
  Label label{"newMachineShared", c10::toString(dtype), numel};
  runInTurn(issued_.fetch_add(1), label,
            [&] { shared.tensor = shm_->newShared(comm_, numel, dtype); });
  if (!shared.tensor.defined()) return {};
  shared.local_rank = shm_->localRank();
  shared.local_size = shm_->localSize();
  return shared;
}

MpiCommunicator::~MpiCommunicator() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  worker_.join();  // the comm thread drains what was queued before it stops
  shm_.reset();
  COHORT_MPI_WARN(MPI_Comm_free(&comm_));
}

// ---- turns (see Note [Collective order]) ----

void MpiCommunicator::waitForTurn(uint64_t seq) {
  if (finished_.load() == seq) return;
  std::unique_lock<std::mutex> lock(mutex_);
  ++waiters_;
  turn_cv_.wait(lock, [&] { return finished_.load() == seq; });
  --waiters_;
}

void MpiCommunicator::finishTurn(uint64_t seq) {
  finished_.store(seq + 1);
  if (waiters_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    turn_cv_.notify_all();
  }
}

template <typename Body>
void MpiCommunicator::runInTurn(uint64_t seq, const Label& label, Body&& body) {
  waitForTurn(seq);
  watchdog_.begin(seq, label.name, label.dtype, label.numel);
  std::exception_ptr error;
  try {
    body();
  } catch (...) {
    error = std::current_exception();
  }
  watchdog_.end();
  finishTurn(seq);
  if (error) std::rethrow_exception(error);
}

WorkPtr MpiCommunicator::submit(Label label, std::function<void()> body) {
  auto work = std::make_shared<Work>();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      throw CommError(std::string(label.name) + " issued after the communicator was shut down",
                      "issue collectives between cohort::init() and cohort::finalize()");
    }
    // Taking the number under the lock keeps the queue in sequence order.
    queue_.push_back({issued_.fetch_add(1), label, std::move(body), work});
  }
  queue_cv_.notify_one();
  return work;
}

void MpiCommunicator::workerLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to run
    Queued next = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::exception_ptr error;
    try {
      runInTurn(next.seq, next.label, next.body);
    } catch (...) {
      error = std::current_exception();
    }
    next.work->markDone(error);
    lock.lock();
  }
}

// ---- the MPI calls ----

void MpiCommunicator::check(int code, const char* call, const Label& label) const {
  if (code == MPI_SUCCESS) return;
  char text[512];
  throw CommError(std::string(call) + " failed in " + label.name + " (" +
                      std::to_string(label.numel) + " x " + label.dtype +
                      "): " + mpiErrorText(code, text),
                  "another rank has probably exited; look at its log for the first error");
}

void MpiCommunicator::reduceInPlace(at::Tensor& tensor, ReduceOp op, const Label& label) {
  if (tensor.is_contiguous()) {
    reduceInto(tensor, tensor, op, label);
    return;
  }
  at::Tensor packed = tensor.contiguous();
  reduceInto(packed, packed, op, label);
  tensor.copy_(packed);
}

void MpiCommunicator::reduceInto(const at::Tensor& input, at::Tensor& output, ReduceOp op,
                                 const Label& label) {
  const at::Tensor in = input.is_contiguous() ? input : input.contiguous();
  if (shm_ && shm_->handles(in, output)) {
    shm_->run(output, op, size_);
    return;
  }
  if (shm_ && shm_->handlesSmall(in)) {
    shm_->runSmall(in, output, op, size_);
    return;
  }
  const bool in_place = in.data_ptr() == output.data_ptr();
  MPI_Datatype type = types_.datatype(in.scalar_type());
  MPI_Op mpi_op = types_.op(op, in.scalar_type());
  const int64_t width = static_cast<int64_t>(in.element_size());
  auto* send = static_cast<char*>(in.data_ptr());
  auto* recv = static_cast<char*>(output.data_ptr());
  for (int64_t done = 0; done < in.numel(); done += kMaxChunk) {
    int count = static_cast<int>(std::min(kMaxChunk, in.numel() - done));
    check(MPI_Allreduce(in_place ? MPI_IN_PLACE : send + done * width, recv + done * width, count,
                        type, mpi_op, comm_),
          "MPI_Allreduce", label);
  }
  if (op == ReduceOp::kAvg) divideForAverage(output, size_);
}

void MpiCommunicator::reduceBucket(at::Tensor& bucket, at::Tensor& residual, Compression compress,
                                   const Label& label) {
  if (shm_ && shm_->handles(bucket, bucket)) {
    shm_->run(bucket, ReduceOp::kSum, size_, ShmCompressed{compress, &residual});
    return;
  }
  float* sender = residual.defined() ? residual.data_ptr<float>() : nullptr;
  float* owner = sender != nullptr ? sender + bucket.numel() : nullptr;
  check(exchange_.run(comm_, bucket.data_ptr<float>(), sender, owner, bucket.numel(), compress),
        "MPI_Alltoallv/MPI_Allgatherv", label);
}

void MpiCommunicator::broadcastFrom(at::Tensor& tensor, int root, const Label& label) {
  at::Tensor packed = tensor.is_contiguous() ? tensor : tensor.contiguous();
  MPI_Datatype type = types_.datatype(packed.scalar_type());
  const int64_t width = static_cast<int64_t>(packed.element_size());
  auto* data = static_cast<char*>(packed.data_ptr());
  for (int64_t done = 0; done < packed.numel(); done += kMaxChunk) {
    int count = static_cast<int>(std::min(kMaxChunk, packed.numel() - done));
    check(MPI_Bcast(data + done * width, count, type, root, comm_), "MPI_Bcast", label);
  }
  if (!packed.is_same(tensor)) tensor.copy_(packed);
}

void MpiCommunicator::gatherInto(const at::Tensor& input, at::Tensor& output, const Label& label) {
  const at::Tensor in = input.is_contiguous() ? input : input.contiguous();
  if (in.numel() > kMaxChunk) {
    throw CommError("allgather of " + std::to_string(in.numel()) + " elements per rank is over " +
                        "the MPI count limit of " + std::to_string(kMaxChunk),
                    "gather the tensor in slices");
  }
  MPI_Datatype type = types_.datatype(in.scalar_type());
  int count = static_cast<int>(in.numel());
  check(MPI_Allgather(in.data_ptr(), count, type, output.data_ptr(), count, type, comm_),
        "MPI_Allgather", label);
}

// ---- the collectives ----
//
// Each collective is written once: validated on the caller's thread, labelled
// for the watchdog, and given a body. `run` decides where the body runs:
// Inline runs it on the caller's thread in its turn (the blocking forms), Queue
// hands it to the comm thread and returns its Work (the async forms); both keep
// the issue order (Note [Collective order]).

struct MpiCommunicator::Inline {
  MpiCommunicator* self;
  template <typename Body>
  void operator()(const Label& label, Body&& body) const {
    self->runInTurn(self->issued_.fetch_add(1), label, body);
  }
};

struct MpiCommunicator::Queue {
  MpiCommunicator* self;
  template <typename Body>
  WorkPtr operator()(const Label& label, Body&& body) const {
    return self->submit(label, std::forward<Body>(body));
  }
};

template <typename Run>
auto MpiCommunicator::allreduceWith(Run run, at::Tensor& tensor, ReduceOp op) {
  requireCpu(tensor, "allreduce");
  types_.op(op, tensor.scalar_type());
  const Label label{"allreduce", c10::toString(tensor.scalar_type()), tensor.numel()};
  return run(label, [this, tensor, op, label]() mutable { reduceInPlace(tensor, op, label); });
}

template <typename Run>
auto MpiCommunicator::allreduceWith(Run run, const at::Tensor& input, at::Tensor& output,
                                    ReduceOp op) {
  requireCpu(input, "allreduce");
  requireCpu(output, "allreduce");
  requireMatch(input, output, input.numel(), "allreduce");
  types_.op(op, input.scalar_type());
  const Label label{"allreduce", c10::toString(input.scalar_type()), input.numel()};
  return run(label,
             [this, input, output, op, label]() mutable { reduceInto(input, output, op, label); });
}

WorkPtr MpiCommunicator::allreduceBucketAsync(at::Tensor& bucket, at::Tensor& residual,
                                              Compression compress) {
  requireCpu(bucket, "allreduce");
  const bool float_bucket =
      bucket.scalar_type() == at::kFloat && bucket.is_contiguous() && bucket.dim() == 1;
  if (compress == Compression::kNone) {
    // Small buckets, and every bucket on one machine with shared memory, as
    // any allreduce; larger ones between machines as Note [Bucket exchange].
    if (!float_bucket || bucket.numel() < kBucketExchangeLeast ||
        (shm_ && shm_->handles(bucket, bucket))) {
      return allreduceAsync(bucket, ReduceOp::kSum);
    }
  } else {
    requireCpu(residual, "allreduce");
    COHORT_CHECK(float_bucket, CommError,
                 std::string("a ") + compressionName(compress) + " allreduce was given a " +
                     c10::toString(bucket.scalar_type()) + " tensor of " +
                     std::to_string(bucket.dim()) + " dimension(s)",
                 "compress float32 gradient buckets only (set compress to none for others)");
    requireMatch(bucket, residual, 2 * bucket.numel(), "compressed allreduce (its residual)");
  }
  const Label label{"allreduce",
                    compress == Compression::kNone ? "Float" : compressionName(compress),
                    bucket.numel()};
  return Queue{this}(label, [this, bucket, residual, compress, label]() mutable {
    reduceBucket(bucket, residual, compress, label);
  });
}

template <typename Run>
auto MpiCommunicator::broadcastWith(Run run, at::Tensor& tensor, int root) {
  requireCpu(tensor, "broadcast");
  types_.datatype(tensor.scalar_type());
  COHORT_CHECK(
      root >= 0 && root < size_, CommError,
      "broadcast root " + std::to_string(root) + " is not a rank of " + std::to_string(size_),
      "pass a root in [0, world size)");
  const Label label{"broadcast", c10::toString(tensor.scalar_type()), tensor.numel()};
  return run(label, [this, tensor, root, label]() mutable { broadcastFrom(tensor, root, label); });
}

template <typename Run>
auto MpiCommunicator::allgatherWith(Run run, const at::Tensor& input, at::Tensor& output) {
  requireCpu(input, "allgather");
  requireCpu(output, "allgather");
  requireMatch(input, output, input.numel() * size_, "allgather");
  types_.datatype(input.scalar_type());
  const Label label{"allgather", c10::toString(input.scalar_type()), input.numel()};
  return run(label, [this, input, output, label]() mutable { gatherInto(input, output, label); });
}

template <typename Run>
auto MpiCommunicator::barrierWith(Run run) {
  const Label label{"barrier", "none", 0};
  return run(label, [this, label] { check(MPI_Barrier(comm_), "MPI_Barrier", label); });
}

WorkPtr MpiCommunicator::allreduceAsync(at::Tensor& tensor, ReduceOp op) {
  return allreduceWith(Queue{this}, tensor, op);
}
WorkPtr MpiCommunicator::allreduceAsync(const at::Tensor& input, at::Tensor& output, ReduceOp op) {
  return allreduceWith(Queue{this}, input, output, op);
}
WorkPtr MpiCommunicator::broadcastAsync(at::Tensor& tensor, int root) {
  return broadcastWith(Queue{this}, tensor, root);
}
WorkPtr MpiCommunicator::allgatherAsync(const at::Tensor& input, at::Tensor& output) {
  return allgatherWith(Queue{this}, input, output);
}
WorkPtr MpiCommunicator::barrierAsync() { return barrierWith(Queue{this}); }

void MpiCommunicator::allreduce(at::Tensor& tensor, ReduceOp op) {
  allreduceWith(Inline{this}, tensor, op);
}
void MpiCommunicator::allreduce(const at::Tensor& input, at::Tensor& output, ReduceOp op) {
  allreduceWith(Inline{this}, input, output, op);
}
void MpiCommunicator::broadcast(at::Tensor& tensor, int root) {
  broadcastWith(Inline{this}, tensor, root);
}
void MpiCommunicator::allgather(const at::Tensor& input, at::Tensor& output) {
  allgatherWith(Inline{this}, input, output);
}
void MpiCommunicator::barrier() { barrierWith(Inline{this}); }

}  // namespace cohort
