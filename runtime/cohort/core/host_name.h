// This machine's name, as the records and logs give it (error records, the
// TensorBoard file name, the registry's "user@host", cohortrun's plans).
#pragma once

#include <string>

namespace cohort {

// gethostname(2); "" when it fails.
std::string hostName();

}  // namespace cohort
