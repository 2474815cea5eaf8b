// How a collective combines the ranks' values. Its own header, so that code
// that reduces raw memory (the shared-memory allreduce) need not parse libtorch.
#pragma once

namespace cohort {

enum class ReduceOp { kSum, kAvg, kMin, kMax };

const char* reduceOpName(ReduceOp op);

}  // namespace cohort
