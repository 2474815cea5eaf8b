// Reading the process environment through a function, so that discovery and
// settings can be tested with a made-up environment.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace cohort {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real environment (getenv).
EnvLookup processEnv();

// A fixed environment, for tests.
EnvLookup mapEnv(std::map<std::string, std::string> values);

}  // namespace cohort
