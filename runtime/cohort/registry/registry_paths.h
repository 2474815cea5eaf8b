// Inside the registry library only: the names of Note [Registry layout]
// (cohort/registry/registry.h).
#pragma once

#include <cstdint>
#include <string>

namespace cohort::registry::detail {

// "0000000V": a version, claim or event number as stored.
std::string number(int64_t n);
// The number a listed "0000000V" or "0000000V.json" stands for, or 0.
int64_t numberOf(const std::string& object);
// "models/NAME".
std::string modelPrefix(const std::string& name);

}  // namespace cohort::registry::detail
