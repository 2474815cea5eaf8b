// The GPU backend: collectives on CUDA tensors over NCCL.
//
// Note [NCCL streams]
// NCCL is bootstrapped over MPI (rank 0's unique id is broadcast) and each rank
// drives one GPU. Collectives run on a stream of the communicator's own: it
// first waits for an event recorded on libtorch's current stream (so the
// tensor's producers have finished), and the collective's Work records an
// event that wait() makes libtorch's stream wait for (so its consumers see the
// result) -- the host is not blocked. A watch thread polls the in-flight
// collectives: one that has not finished within the collective timeout, or an
// asynchronous NCCL error (a peer died, a network fault), aborts the NCCL
// communicator and ends the job with a message naming the collective, its
// sequence number and the rank, instead of hanging it.
#pragma once

#include <c10/core/Device.h>
#include <mpi.h>

#include <memory>

#include "cohort/comm/communicator.h"

namespace cohort {

// Collective over `world`: every rank passes its own GPU. Throws ConfigError
// naming the ranks when two ranks of one machine would share a GPU, and in a
// build without CUDA or NCCL.
std::unique_ptr<Communicator> makeNcclCommunicator(MPI_Comm world, c10::DeviceIndex device,
                                                   double timeout_s);

}  // namespace cohort
