// Dynamic batching: requests that arrive close together run as one forward
// pass.
//
// Note [Dynamic batching]
// A request is queued with its rows (the leading dimension of its inputs),
// its deadline and a completion to call. A batch takes the oldest request,
// then waits up to max_delay for more, until the batch holds
// max_batch rows or nothing more is queued within the delay (max_delay 0:
// whatever is queued now, no waiting). It waits only when the previous batch
// held more than one request: a lone client, whose next request cannot come
// before its answer, would wait max_delay for nothing on every request, while
// under concurrency requests queue up during each forward pass anyway. A
// request whose deadline passed while
// it was queued is answered 504 without running. The queue is bounded: a
// submit to a full queue is refused at once (the server answers 503 with
// Retry-After) rather than letting latency grow without bound. No request
// holds a thread while it waits: the completion is called where its batch
// ran, and the server posts the answer back to the connection. drain() stops new
// submits and runs what is queued, for a SIGTERM that lets accepted requests
// finish.
//
// Note [Batches on the connection threads]
// A batch runs as a task posted to the server's connection threads (its
// io_context, through a BatchExecutor), with the gathering delay as a timer
// there; the batcher has no thread of its own. It had one until 2026-12: on
// one core, that thread beside the connection thread cost two context
// switches a request (the connection thread woken by each arriving request
// while the forward pass ran; `perf stat`: 2.2 a request, a tenth of the
// CPU). Run on the connection thread, the forward pass and the reading of
// the next requests take turns with no switch between them, and requests
// that arrive meanwhile wait in the socket, to be read when it ends (6,600
// switches a second became 44). With more connection threads the others go
// on reading meanwhile. One batch runs at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "cohort/serve/infer_request.h"

namespace cohort::serve {

class ServedModel;

struct BatcherOptions {
  int64_t max_batch = 32;  // rows in one forward pass
  std::chrono::microseconds max_delay{2000};
  int max_queue = 1024;  // requests waiting; more are refused
};

// What a request's completion gets: 200 with the outputs, or an error status.
struct BatchResult {
  int status = 200;
  std::string error;
  std::vector<Tensor> outputs;
};

struct BatchItem {
  InferRequest request;
  int64_t rows = 1;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point queued_at;  // set by submit()
  std::function<void(BatchResult)> done;
  // The model the request was admitted for: it runs on that one even when
  // another version has been swapped in meanwhile (server.h).
  std::shared_ptr<ServedModel> model;
};

// Where batches run (See Note [Batches on the connection threads]): `post`
// runs a task soon, `post_after` after a delay; both on threads that run
// other work too.
struct BatchExecutor {
  std::function<void(std::function<void()>)> post;
  std::function<void(std::chrono::microseconds, std::function<void()>)> post_after;
};

class DynamicBatcher {
 public:
  // `run` gets each batch (at least one item, at most max_batch rows, or one
  // larger item alone) and returns one result per item, in order.
  using RunBatch = std::function<std::vector<BatchResult>(const std::vector<BatchItem*>&)>;

  DynamicBatcher(BatcherOptions options, RunBatch run, BatchExecutor executor);
  ~DynamicBatcher();  // drain()
  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;

  // Queues `item`; false (item untouched) when the queue is full or draining.
  bool submit(BatchItem&& item);
  // Refuses new items; what is still queued runs on the calling thread (the
  // executor may have stopped).
  void drain();

  struct Stats {
    int64_t batches = 0;
    int64_t rows = 0;
    int64_t expired = 0;  // answered 504
    int64_t refused = 0;  // queue full
  };
  Stats stats() const;
  int queued() const;

 private:
  // The oldest item, then more while they fit in max_batch rows (the lock held).
  std::vector<BatchItem> takeBatch();
  // Answers the expired items 504 and runs the others (the lock not held).
  void execute(std::vector<BatchItem>& batch);
  // Posts the next batch's run, now or when its delay ends, unless one is
  // running or posted (the lock held).
  void schedule();
  // Runs one batch if `generation` is still current.
  void runPosted(uint64_t generation);

  const BatcherOptions options_;
  const RunBatch run_;
  const BatchExecutor executor_;
  mutable std::mutex mutex_;
  std::deque<BatchItem> queue_;
  bool draining_ = false;
  int64_t last_batch_items_ = 0;  // requests in the previous batch (0: none yet)
  int64_t queued_rows_ = 0;
  // A batch is running; a run is posted (`posted_now_` for now, else
  // `timed_` for when the delay ends); stale posts (an older generation) do
  // nothing.
  bool running_ = false;
  bool posted_now_ = false;
  bool timed_ = false;
  uint64_t generation_ = 0;
  // A posted run may come after the batcher is gone (a timer it no longer
  // needs): each holds this, and enters only while `alive`; the destructor
  // clears it and waits until no run is inside (`inside`, under `mutex`),
  // without holding the mutex during a run, so a stale run on another
  // connection thread never waits for a forward pass.
  struct PostGuard {
    std::mutex mutex;
    std::condition_variable left;
    bool alive = true;
    int inside = 0;
  };
  std::shared_ptr<PostGuard> guard_ = std::make_shared<PostGuard>();
  Stats stats_;
};

}  // namespace cohort::serve
