#include "cohort/comm/nccl_communicator.h"

#include <ATen/ATen.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <cuda_runtime_api.h>
#include <nccl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include "cohort/comm/mpi_check.h"
#include "cohort/comm/nccl_library.h"
#include "cohort/comm/nccl_watch.h"
#include "cohort/core/error.h"
#include "cohort/core/host_name.h"
#include "cohort/core/log.h"
#include "cohort/kernels/cuda/check.h"
#include "cohort/kernels/cuda/cuda_device.h"
#include "cohort/kernels/cuda/cuda_stream.h"
#include "cohort/kernels/cuda/launch.h"

namespace cohort {

namespace {

#define COHORT_NCCL_CHECK(call, what)                                                           \
  do {                                                                                          \
    const ncclResult_t cohort_nccl_ = (call);                                                   \
    if (cohort_nccl_ != ncclSuccess) {                                                          \
      throw CommError(std::string(what) +                                                       \
                          ": " #call " failed: " + nccl().getErrorString(cohort_nccl_) + " [" + \
                          detail::sourceLocation(__FILE__, __LINE__) + "]",                     \
                      "another rank has probably failed; look at its log (NCCL_DEBUG=WARN "     \
                      "says more)");                                                            \
    }                                                                                           \
  } while (0)

ncclDataType_t ncclType(at::ScalarType type) {
  switch (type) {
    case at::kFloat:
      return ncclFloat32;
    case at::kDouble:
      return ncclFloat64;
    case at::kHalf:
      return ncclFloat16;
    case at::kBFloat16:
      return ncclBfloat16;
    case at::kLong:
      return ncclInt64;
    case at::kInt:
      return ncclInt32;
    case at::kByte:
      return ncclUint8;
    default:
      throw CommError(std::string("cannot communicate tensors of dtype ") + c10::toString(type),
                      "use float32, float64, bfloat16, float16, int64, int32 or uint8");
  }
}

ncclRedOp_t ncclOp(ReduceOp op, at::ScalarType type) {
  switch (op) {
    case ReduceOp::kSum:
      return ncclSum;
    case ReduceOp::kMin:
      return ncclMin;
    case ReduceOp::kMax:
      return ncclMax;
    case ReduceOp::kAvg:
      return at::isFloatingType(type) ? ncclAvg : ncclSum;  // see allreduce
  }
  return ncclSum;
}

const c10::impl::DeviceGuardImplInterface& cudaImpl() {
  return *c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA);
}

// A collective queued on the NCCL stream; wait() orders libtorch's stream after it.
class NcclWork final : public Work {
 public:
  NcclWork(c10::DeviceIndex device, std::shared_ptr<void> done, std::function<void()> after)
      : device_(device), done_(std::move(done)), after_(std::move(after)) {}

  bool isCompleted() override {
    return cudaEventQuery(static_cast<cudaEvent_t>(done_.get())) != cudaErrorNotReady;
  }
  void wait() override {
    cudaImpl().block(done_.get(), cudaImpl().getStream(c10::Device(c10::kCUDA, device_)));
    if (after_) {
      after_();  // queued on libtorch's stream, after the collective
      after_ = nullptr;
    }
  }
  void synchronize() override {
    wait();
    COHORT_CUDA_CHECK(cudaSetDevice(device_));
    COHORT_CUDA_CHECK(cudaDeviceSynchronize());  // the copies wait() queued too
  }

 private:
  c10::DeviceIndex device_;
  std::shared_ptr<void> done_;  // a cudaEvent_t
  std::function<void()> after_;
};

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(MPI_Comm world, c10::DeviceIndex device, double timeout_s);
  ~NcclCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "nccl"; }

  WorkPtr allreduceAsync(at::Tensor& tensor, ReduceOp op) override {
    return allreduceAsync(tensor, tensor, op);
  }
  WorkPtr allreduceAsync(const at::Tensor& input, at::Tensor& output, ReduceOp op) override;
  WorkPtr broadcastAsync(at::Tensor& tensor, int root) override;
  WorkPtr allgatherAsync(const at::Tensor& input, at::Tensor& output) override;
  WorkPtr barrierAsync() override;
  WorkPtr allreduceBucketAsync(at::Tensor& bucket, at::Tensor& residual,
                               Compression compress) override;
  void barrier() override { barrierAsync()->synchronize(); }
  std::vector<at::Tensor> newReductionBuffers(const std::vector<BufferSpec>& specs) override;

 private:
  void requireHere(const at::Tensor& t, const char* collective) const;
  // Queues `body(stream)` on the NCCL stream after libtorch's pending work.
  WorkPtr run(const char* name, const at::Tensor& t, const std::function<void(cudaStream_t)>& body,
              std::function<void()> after = nullptr);

  int rank_ = 0;
  int size_ = 1;
  c10::DeviceIndex device_;
  ncclComm_t comm_ = nullptr;
  std::unique_ptr<SideStream> stream_;
  std::atomic<uint64_t> seq_{0};
  std::unique_ptr<NcclWatch> watch_;
};

// Two ranks of one machine on one GPU would deadlock or crawl in NCCL: refuse
// it on every rank, naming them.
void checkOneRankPerGpu(MPI_Comm world, c10::DeviceIndex device) {
  constexpr int kWidth = 128;
  char mine[kWidth] = {};
  const std::string host = hostName().substr(0, 63);
  char bus[32] = {};
  cudaDeviceGetPCIBusId(bus, sizeof bus, device);
  std::snprintf(mine, sizeof mine, "%s %s", host.c_str(), bus);
  int size = 1;
  COHORT_MPI_CHECK(MPI_Comm_size(world, &size));
  std::vector<char> all(static_cast<size_t>(size) * kWidth);
  COHORT_MPI_CHECK(MPI_Allgather(mine, kWidth, MPI_CHAR, all.data(), kWidth, MPI_CHAR, world));
  std::map<std::string, int> first_rank;
  for (int r = 0; r < size; ++r) {
    const std::string key(&all[static_cast<size_t>(r) * kWidth]);
    auto [it, fresh] = first_rank.emplace(key, r);
    if (!fresh) {
      throw ConfigError("ranks " + std::to_string(it->second) + " and " + std::to_string(r) +
                            " both use the GPU at " + key,
                        "give each rank of a machine its own GPU: start at most as many ranks "
                        "per machine as it has GPUs, and pick the device by local rank");
    }
  }
}

NcclCommunicator::NcclCommunicator(MPI_Comm world, c10::DeviceIndex device, double timeout_s)
    : device_(device) {
  COHORT_MPI_CHECK(MPI_Comm_rank(world, &rank_));
  COHORT_MPI_CHECK(MPI_Comm_size(world, &size_));
  COHORT_CUDA_CHECK(cudaSetDevice(device));
  checkOneRankPerGpu(world, device);
  nccl();  // every rank loads NCCL (or says why not) before the unique id is shared
  ncclUniqueId id;
  if (rank_ == 0) COHORT_NCCL_CHECK(nccl().getUniqueId(&id), "starting NCCL");
  COHORT_MPI_CHECK(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, world));
  COHORT_NCCL_CHECK(nccl().commInitRank(&comm_, size_, id, rank_), "starting NCCL");
  stream_ = std::make_unique<SideStream>(device);
  watch_ = std::make_unique<NcclWatch>(
      device, timeout_s,
      [this] {
        ncclResult_t state = ncclSuccess;
        nccl().commGetAsyncError(comm_, &state);
        return state == ncclSuccess ? std::string()
                                    : std::string("NCCL reported an asynchronous error: ") +
                                          nccl().getErrorString(state);
      },
      [this](const std::string& message) {
        log::error(message);
        // Abort NCCL so no kernel of ours waits on a dead peer for ever, but
        // do not wait on the abort itself for long: a GPU that is stuck can
        // hold it up, and ending the job comes first.
        std::thread([comm = comm_] { nccl().commAbort(comm); }).detach();
        std::this_thread::sleep_for(std::chrono::seconds(2));
        COHORT_MPI_WARN(MPI_Abort(MPI_COMM_WORLD, 71));
      });
  log::debug("NCCL communicator of " + std::to_string(size_) + " ranks on " +
             describeDevice(device));
}

NcclCommunicator::~NcclCommunicator() {
  watch_.reset();
  cudaSetDevice(device_);
  cudaStreamSynchronize(static_cast<cudaStream_t>(stream_->get()));
  stream_.reset();
  if (comm_ != nullptr) nccl().commDestroy(comm_);
}

void NcclCommunicator::requireHere(const at::Tensor& t, const char* collective) const {
  if (!t.defined()) {
    throw CommError(std::string(collective) + " was given an undefined tensor",
                    "pass a defined CUDA tensor");
  }
  if (!t.is_cuda() || t.device().index() != device_) {
    throw CommError(std::string(collective) + " was given a tensor on " + t.device().str() +
                        "; this NCCL communicator works on cuda:" + std::to_string(device_),
                    "move the tensor to this rank's GPU, or use the MPI communicator for CPU "
                    "tensors");
  }
}

WorkPtr NcclCommunicator::run(const char* name, const at::Tensor& t,
                              const std::function<void(cudaStream_t)>& body,
                              std::function<void()> after) {
  COHORT_CUDA_CHECK(cudaSetDevice(device_));
  stream_->waitForTorch();
  auto stream = static_cast<cudaStream_t>(stream_->get());
  body(stream);
  cudaEvent_t event = nullptr;
  COHORT_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  std::shared_ptr<void> done(event, [](void* e) { cudaEventDestroy(static_cast<cudaEvent_t>(e)); });
  COHORT_CUDA_CHECK(cudaEventRecord(event, stream));
  const std::string label = std::string(name) + " of " +
                            std::to_string(t.defined() ? t.numel() : 0) + " x " +
                            (t.defined() ? c10::toString(t.scalar_type()) : "none");
  watch_->started(seq_++, label, done);
  return std::make_shared<NcclWork>(device_, done, std::move(after));
}

WorkPtr NcclCommunicator::allreduceAsync(const at::Tensor& input, at::Tensor& output, ReduceOp op) {
  requireHere(input, "allreduce");
  requireHere(output, "allreduce");
  if (output.scalar_type() != input.scalar_type() || output.numel() != input.numel()) {
    throw CommError("allreduce: output (" + std::string(c10::toString(output.scalar_type())) +
                        ", " + std::to_string(output.numel()) + ") does not fit input (" +
                        c10::toString(input.scalar_type()) + ", " + std::to_string(input.numel()) +
                        ")",
                    "pass an output of the input's dtype and size");
  }
  const ncclDataType_t type = ncclType(input.scalar_type());
  // Over one rank an average is the sum, which NCCL leaves in place untouched,
  // where ncclAvg would rescale every element by 1.
  const ncclRedOp_t nccl_op = size_ == 1 ? ncclSum : ncclOp(op, input.scalar_type());
  // Non-contiguous tensors travel through contiguous copies, queued on libtorch's stream.
  const at::Tensor in = input.contiguous();
  at::Tensor out =
      output.is_contiguous() ? output : at::empty_like(output, at::MemoryFormat::Contiguous);
  const bool integer_average =
      op == ReduceOp::kAvg && size_ > 1 && !at::isFloatingType(input.scalar_type());
  // Runs at wait(), on libtorch's stream; it also keeps the tensors alive until then.
  std::function<void()> after = [in, out, output, integer_average, size = size_]() mutable {
    if (integer_average) out.div_(size, "trunc");
    if (!out.is_same(output)) output.copy_(out);
  };
  return run(
      "allreduce", input,
      [&](cudaStream_t stream) {
        COHORT_NCCL_CHECK(nccl().allReduce(in.data_ptr(), out.data_ptr(), in.numel(), type, nccl_op,
                                           comm_, stream),
                          "allreduce");
      },
      std::move(after));
}

// See Note [Compressed buckets]. NCCL sums the 16-bit values itself, on the
// NCCL stream, between the compressing and the widening kernels.
WorkPtr NcclCommunicator::allreduceBucketAsync(at::Tensor& bucket, at::Tensor& residual,
                                               Compression compress) {
  if (compress == Compression::kNone) return allreduceAsync(bucket, ReduceOp::kSum);
  requireHere(bucket, "allreduce");
  requireHere(residual, "allreduce");
  if (bucket.scalar_type() != at::kFloat || !bucket.is_contiguous() ||
      residual.scalar_type() != at::kFloat || residual.numel() != 2 * bucket.numel()) {
    throw CommError(std::string("a ") + compressionName(compress) +
                        " allreduce takes a contiguous float32 bucket and a float32 residual "
                        "of twice its size; it was given " +
                        c10::toString(bucket.scalar_type()) + " and " +
                        c10::toString(residual.scalar_type()),
                    "compress float32 gradient buckets only (set compress to none for others)");
  }
  const bool bf16 = compress == Compression::kBf16;
  const int64_t n = bucket.numel();
  // Allocated on libtorch's stream and kept alive until wait(), which orders
  // that stream after the collective.
  at::Tensor low = at::empty({n}, bucket.options().dtype(bf16 ? at::kBFloat16 : at::kHalf));
  return run(
      "allreduce", bucket,
      [&](cudaStream_t stream) {
        auto* data = bucket.data_ptr<float>();
        auto* error = residual.data_ptr<float>();
        if (bf16) {
          cuda::compressIn(data, error, low.data_ptr<c10::BFloat16>(), n, 1.0f, stream);
        } else {
          cuda::compressIn(data, error, low.data_ptr<c10::Half>(), n, 1.0f, stream);
        }
        COHORT_NCCL_CHECK(
            nccl().allReduce(low.data_ptr(), low.data_ptr(), n, bf16 ? ncclBfloat16 : ncclFloat16,
                             ncclSum, comm_, stream),
            "allreduce");
        if (bf16) {
          cuda::decompress(low.data_ptr<c10::BFloat16>(), data, n, stream);
        } else {
          cuda::decompress(low.data_ptr<c10::Half>(), data, n, stream);
        }
      },
      [low, bucket, residual] {});
}

WorkPtr NcclCommunicator::broadcastAsync(at::Tensor& tensor, int root) {
  requireHere(tensor, "broadcast");
  COHORT_CHECK(
      root >= 0 && root < size_, CommError,
      "broadcast root " + std::to_string(root) + " is not a rank of " + std::to_string(size_),
      "pass a root in [0, world size)");
  const ncclDataType_t type = ncclType(tensor.scalar_type());
  at::Tensor packed = tensor.contiguous();
  std::function<void()> after = [packed, tensor]() mutable {
    if (!packed.is_same(tensor)) tensor.copy_(packed);
  };
  return run(
      "broadcast", tensor,
      [&](cudaStream_t stream) {
        COHORT_NCCL_CHECK(nccl().broadcast(packed.data_ptr(), packed.data_ptr(), packed.numel(),
                                           type, root, comm_, stream),
                          "broadcast");
      },
      std::move(after));
}

WorkPtr NcclCommunicator::allgatherAsync(const at::Tensor& input, at::Tensor& output) {
  requireHere(input, "allgather");
  requireHere(output, "allgather");
  if (output.scalar_type() != input.scalar_type() || output.numel() != input.numel() * size_ ||
      !output.is_contiguous()) {
    throw CommError("allgather: output does not fit " + std::to_string(size_) + " x " +
                        std::to_string(input.numel()) + " " + c10::toString(input.scalar_type()),
                    "pass a contiguous output of the input's dtype with world size x its elements");
  }
  const ncclDataType_t type = ncclType(input.scalar_type());
  const at::Tensor in = input.contiguous();
  return run(
      "allgather", input,
      [&](cudaStream_t stream) {
        COHORT_NCCL_CHECK(
            nccl().allGather(in.data_ptr(), output.data_ptr(), in.numel(), type, comm_, stream),
            "allgather");
      },
      [in, output] {});
}

WorkPtr NcclCommunicator::barrierAsync() {
  at::Tensor one = at::ones({1}, at::TensorOptions().dtype(at::kInt).device(at::kCUDA, device_));
  return run(
      "barrier", one,
      [&](cudaStream_t stream) {
        COHORT_NCCL_CHECK(
            nccl().allReduce(one.data_ptr(), one.data_ptr(), 1, ncclInt32, ncclSum, comm_, stream),
            "barrier");
      },
      [one] {});  // keeps the tensor alive until waited on
}

std::vector<at::Tensor> NcclCommunicator::newReductionBuffers(
    const std::vector<BufferSpec>& specs) {
  std::vector<at::Tensor> buffers;
  for (const BufferSpec& spec : specs) {
    buffers.push_back(
        at::zeros({spec.numel}, at::TensorOptions().dtype(spec.dtype).device(at::kCUDA, device_)));
  }
  return buffers;
}

}  // namespace

std::unique_ptr<Communicator> makeNcclCommunicator(MPI_Comm world, c10::DeviceIndex device,
                                                   double timeout_s) {
  return std::make_unique<NcclCommunicator>(world, device, timeout_s);
}

}  // namespace cohort
