// A tensor's shape as messages write it: "[2, 3]" ("[]" for a scalar).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cohort {

std::string shapeText(const std::vector<int64_t>& dims);

}  // namespace cohort
