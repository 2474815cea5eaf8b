// Running cohort's CUDA work in order with libtorch's.
//
// Note [Stream order]
// libtorch queues a device's work on its current stream. cohort's kernels must
// run after the work that produced their inputs and before the work that reads
// their outputs. When the current stream is the default stream (as it is
// unless a program changes it) cohort launches on it directly. Otherwise it
// launches on a side stream of its own, which first waits on an event recorded
// on libtorch's stream, and libtorch's stream then waits on an event recorded
// after cohort's work. The events go through c10's device-generic interface,
// so this compiles against any libtorch, CPU-only builds included.
#pragma once

#include <c10/core/Device.h>

#include <memory>

namespace cohort {

// A stream of cohort's own on one device, with the events that order it.
class SideStream {
 public:
  explicit SideStream(c10::DeviceIndex device);
  ~SideStream();
  SideStream(const SideStream&) = delete;
  SideStream& operator=(const SideStream&) = delete;

  void* get() const { return stream_; }  // a cudaStream_t
  c10::DeviceIndex device() const { return device_; }

  // This stream waits for what libtorch has queued so far on its current stream.
  void waitForTorch();
  // libtorch's current stream waits for what has been queued so far on this one.
  void torchWaitsForThis();

 private:
  c10::DeviceIndex device_;
  void* stream_ = nullptr;
  void* torch_done_ = nullptr;  // events recorded on libtorch's stream (c10 owns them)
  void* ours_done_ = nullptr;   // a cudaEvent_t recorded on this stream
};

// Where to launch work that must run in order with libtorch (Note [Stream
// order]): for its lifetime, stream() is libtorch's default stream or `side`,
// ordered after libtorch's pending work; libtorch's stream waits for it at the end.
class StreamScope {
 public:
  explicit StreamScope(SideStream& side);
  ~StreamScope();
  StreamScope(const StreamScope&) = delete;
  StreamScope& operator=(const StreamScope&) = delete;

  void* stream() const { return stream_; }

 private:
  SideStream* side_ = nullptr;  // null when launching on the default stream
  void* stream_ = nullptr;
};

// Whether libtorch's current stream on `device` is the default stream.
bool torchOnDefaultStream(c10::DeviceIndex device);

}  // namespace cohort
