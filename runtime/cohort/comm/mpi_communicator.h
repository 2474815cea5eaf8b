// The CPU backend: collectives on CPU tensors over MPI.
//
// Note [Collective order]
// MPI matches collectives by the order ranks issue them, so every collective
// gets a sequence number when it is issued and they run strictly in that order.
// Async collectives run on one comm thread, which lets DataParallel overlap
// gradient reduction with backward. Blocking collectives run on the caller's
// thread once every earlier one has finished: at small sizes the two thread
// hand-offs would cost more than the allreduce itself. The watchdog sees each
// collective while it runs.
#pragma once

#include <mpi.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "cohort/comm/bucket_exchange.h"
#include "cohort/comm/communicator.h"
#include "cohort/comm/mpi_types.h"
#include "cohort/comm/shm_allreduce.h"
#include "cohort/comm/watchdog.h"

namespace cohort {

class MpiCommunicator final : public Communicator {
 public:
  struct Options {
    // A collective running longer than this ends the job through MPI_Abort.
    double timeout_s = 300;
    // Reduction buffers in shared memory between the ranks of a machine
    // (Note [Shared-memory allreduce]).
    bool shm = true;
  };

  // Collective. Duplicates `parent` (MPI must be initialised with MPI_THREAD_MULTIPLE).
  MpiCommunicator(MPI_Comm parent, const Options& options);
  ~MpiCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  WorkPtr allreduceAsync(at::Tensor& tensor, ReduceOp op) override;
  WorkPtr allreduceAsync(const at::Tensor& input, at::Tensor& output, ReduceOp op) override;
  WorkPtr broadcastAsync(at::Tensor& tensor, int root) override;
  WorkPtr allgatherAsync(const at::Tensor& input, at::Tensor& output) override;
  WorkPtr barrierAsync() override;

  // Note [Compressed buckets], Note [Bucket exchange].
  WorkPtr allreduceBucketAsync(at::Tensor& bucket, at::Tensor& residual,
                               Compression compress) override;

  void allreduce(at::Tensor& tensor, ReduceOp op) override;
  void allreduce(const at::Tensor& input, at::Tensor& output, ReduceOp op) override;
  void broadcast(at::Tensor& tensor, int root) override;
  void allgather(const at::Tensor& input, at::Tensor& output) override;
  void barrier() override;

  std::vector<at::Tensor> newReductionBuffers(const std::vector<BufferSpec>& specs) override;
  MachineShared newMachineShared(int64_t numel, at::ScalarType dtype) override;
  // "shared memory between L ranks per machine" or "MPI" (for logs and tests).
  std::string allreducePath() const;
  // Allreduces that went through shared memory so far (for tests).
  uint64_t sharedMemoryAllreduces() const { return shm_ ? shm_->count() : 0; }

 private:
  // What the watchdog and error messages say about a collective.
  struct Label {
    const char* name;
    const char* dtype;
    int64_t numel;
  };
  struct Queued {
    uint64_t seq;
    Label label;
    std::function<void()> body;
    WorkPtr work;
  };

  // Where a collective's body runs (mpi_communicator.cc, "the collectives").
  struct Inline;
  struct Queue;
  template <typename Run>
  auto allreduceWith(Run run, at::Tensor& tensor, ReduceOp op);
  template <typename Run>
  auto allreduceWith(Run run, const at::Tensor& input, at::Tensor& output, ReduceOp op);
  template <typename Run>
  auto broadcastWith(Run run, at::Tensor& tensor, int root);
  template <typename Run>
  auto allgatherWith(Run run, const at::Tensor& input, at::Tensor& output);
  template <typename Run>
  auto barrierWith(Run run);

  WorkPtr submit(Label label, std::function<void()> body);
  template <typename Body>
  void runInTurn(uint64_t seq, const Label& label, Body&& body);
  void waitForTurn(uint64_t seq);
  void finishTurn(uint64_t seq);
  void workerLoop();

  // The MPI calls themselves, on prepared (contiguous, validated) tensors.
  void reduceInPlace(at::Tensor& tensor, ReduceOp op, const Label& label);
  void reduceInto(const at::Tensor& input, at::Tensor& output, ReduceOp op, const Label& label);
  void reduceBucket(at::Tensor& bucket, at::Tensor& residual, Compression compress,
                    const Label& label);
  void broadcastFrom(at::Tensor& tensor, int root, const Label& label);
  void gatherInto(const at::Tensor& input, at::Tensor& output, const Label& label);
  void check(int code, const char* call, const Label& label) const;

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  MpiTypes types_;
  Watchdog watchdog_;
  std::unique_ptr<ShmAllreduce> shm_;  // null: every allreduce goes through MPI
  BucketExchange exchange_;            // used in turn, like every collective

  // Turns: a collective with sequence number s runs once finished_ == s. The
  // uncontended path is two atomic operations; waiters_ tells a finishing
  // collective whether anyone needs waking.
  std::atomic<uint64_t> issued_{0};
  std::atomic<uint64_t> finished_{0};
  std::atomic<int> waiters_{0};

  std::mutex mutex_;
  std::condition_variable queue_cv_;  // the comm thread waits for work
  std::condition_variable turn_cv_;   // collectives wait for their turn
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace cohort
