// COHORT_MPI_CHECK(call): an MPI call whose failure is a CommError naming the
// call, file:line and MPI's own message. COHORT_MPI_WARN(call): the same for
// places that must not throw (destructors, error paths), as a warning.
//
// Checks only see failures on communicators whose error handler returns
// (MPI_ERRORS_RETURN): cohort::init sets it on MPI_COMM_WORLD, and the
// communicators split or duplicated from it inherit it.
#pragma once

namespace cohort {

void throwIfMpiFailed(int code, const char* call, const char* file, int line);
void warnIfMpiFailed(int code, const char* call, const char* file, int line) noexcept;

// MPI's message for an error code ("MPI_ERR_COMM: invalid communicator").
const char* mpiErrorText(int code, char (&buffer)[512]);

}  // namespace cohort

#define COHORT_MPI_CHECK(call) ::cohort::throwIfMpiFailed((call), #call, __FILE__, __LINE__)
#define COHORT_MPI_WARN(call) ::cohort::warnIfMpiFailed((call), #call, __FILE__, __LINE__)
