// cohort-serve's HTTP server: the Open Inference Protocol (KServe v2) over
// HTTP/1.1 with keep-alive, on Boost.Beast.
//
//   GET  /v2/health/live, /v2/health/ready, /v2
//   GET  /v2/models/NAME[/versions/V], .../ready, /v2/models/NAME/versions/V/lineage
//   POST /v2/models/NAME[/versions/V]/infer
//   GET  /metrics (Prometheus text)
//
// Connections are served asynchronously by a few threads: a request waiting
// for its batch holds no thread (its answer is posted back to its
// connection when the batch is done), so idle keep-alive connections cost
// only their buffers. Every answer carries the model's version and digest
// (Cohort-Model-Version, Cohort-Model-Sha256). A body over max_body_bytes is
// answered 413 naming the limit and --max-body-mb; a full queue 503 with
// Retry-After; a request past its deadline 504.
//
// On SIGTERM (or SIGINT) readiness turns 503 at once and new inference
// requests are answered 503 with Retry-After (connections are still
// accepted, so that probes get their answer); requests already queued or
// running finish, their answers saying Connection: close, and run() returns
// once they are done and 250 ms have passed (a request sent just before the
// signal is still answered), or drain_seconds have passed.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "cohort/serve/batcher.h"
#include "cohort/serve/served_model.h"

namespace cohort::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: any free port (bound_port says which)
  int threads = 2;
  int64_t max_body_bytes = int64_t{64} << 20;
  std::chrono::milliseconds request_timeout{30000};
  double drain_seconds = 30;
  BatcherOptions batching;
  RequestLimits limits;
};

class Server {
 public:
  Server(ServerOptions options, std::unique_ptr<ServedModel> model);
  ~Server();
  // Binds the port (throws Error naming host and port when it cannot).
  int boundPort() const;
  // Serves `next` from now on (thread-safe): requests admitted before keep
  // the version they were admitted for, to their answer; the old version is
  // freed when its last request is answered.
  void swap(std::unique_ptr<ServedModel> next);
  // Before run(): `share` (0-1) of the infer requests that name no version go
  // to `canary` (another version of the model, --canary); a request naming
  // the canary's version goes to it. Answers say which version served them.
  void setCanary(std::unique_ptr<ServedModel> canary, double share);
  // Replaces the canary set before run() as swap() replaces the primary
  // (--follow of a canary NAME@ALIAS), keeping its share.
  void swapCanary(std::unique_ptr<ServedModel> next);
  ModelIdentity identity() const;        // of the version new requests get
  ModelIdentity canaryIdentity() const;  // of the canary ({} when there is none)
  bool stopping() const;                 // SIGTERM has come

  // Serves until SIGTERM or SIGINT, then drains; returns the number of
  // requests still in flight when drain_seconds ran out (0 normally).
  int run();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cohort::serve
