// The NCCL communicator in a cohort built without CUDA: it says so.
#include "cohort/comm/nccl_communicator.h"
#include "cohort/kernels/cuda/cuda_device.h"

namespace cohort {

std::unique_ptr<Communicator> makeNcclCommunicator(MPI_Comm, c10::DeviceIndex, double) {
  builtWithoutCuda();
}

}  // namespace cohort
