// Mapping tensor dtypes and reduce ops to MPI. float16 and bfloat16 have no
// MPI type: they travel as 16-bit words and reduce through user-defined ops
// that compute in float32 and round back.
#pragma once

#include <c10/core/ScalarType.h>
#include <mpi.h>

#include "cohort/comm/communicator.h"

namespace cohort {

// Owns the user-defined MPI ops; create after MPI_Init, destroy before MPI_Finalize.
class MpiTypes {
 public:
  MpiTypes();
  ~MpiTypes();
  MpiTypes(const MpiTypes&) = delete;
  MpiTypes& operator=(const MpiTypes&) = delete;

  // Throws CommError for a dtype cohort does not communicate.
  MPI_Datatype datatype(c10::ScalarType type) const;
  // kAvg maps to a sum; the caller divides afterwards.
  MPI_Op op(ReduceOp op, c10::ScalarType type) const;

 private:
  // [half, bfloat16] x [sum, min, max]
  MPI_Op reduced_[2][3];
};

}  // namespace cohort
