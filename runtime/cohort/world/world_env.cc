#include "cohort/world/world_env.h"

#include <optional>
#include <vector>

#include "cohort/core/error.h"
#include "cohort/core/number.h"

namespace cohort {

namespace {

// The four variable names one launcher sets, in (rank, size, local rank, local size) order.
// local_size may be absent (Slurm sets it only in some forms).
struct Scheme {
  const char* source;
  const char* rank;
  const char* size;
  const char* local_rank;
  const char* local_size;
};

const std::vector<Scheme>& schemes() {
  static const std::vector<Scheme> kSchemes = {
      {"cohortrun", "COHORT_RANK", "COHORT_WORLD_SIZE", "COHORT_LOCAL_RANK", "COHORT_LOCAL_SIZE"},
      {"openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
       "OMPI_COMM_WORLD_LOCAL_SIZE"},
      {"pmi", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"},
      {"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", nullptr},
      {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"},
  };
  return kSchemes;
}

int readCount(const Scheme& s, const char* name, const std::string& text) {
  auto value = parseInteger(text);
  if (!value || *value > 1000000000) {
    throw ConfigError(std::string(name) + "='" + text + "' is not a whole number (read as the " +
                          s.source + " launcher's variables)",
                      "fix or unset " + std::string(name) + "; launchers set it for you");
  }
  return static_cast<int>(*value);
}

// Reads a (value, bound) pair such as (RANK, WORLD_SIZE); both or neither must be set.
std::optional<std::pair<int, int>> readPair(const EnvLookup& env, const Scheme& s,
                                            const char* index_name, const char* count_name) {
  auto index = env(index_name);
  auto count = count_name ? env(count_name) : std::nullopt;
  if (!index && !count) return std::nullopt;
  if (!index || !count) {
    const char* present = index ? index_name : count_name;
    const char* absent = index ? count_name : index_name;
    throw ConfigError(std::string(present) + " is set but " + absent + " is not (" + s.source +
                          " launcher variables are half set)",
                      std::string("set both ") + index_name + " and " + count_name +
                          ", or neither; if a launcher set them, start the job with that launcher");
  }
  int i = readCount(s, index_name, *index);
  int n = readCount(s, count_name, *count);
  if (n < 1) {
    throw ConfigError(std::string(count_name) + "=" + *count + " must be at least 1",
                      "fix or unset " + std::string(count_name));
  }
  if (i >= n) {
    throw ConfigError(
        std::string(index_name) + "=" + *index + " is not below " + count_name + "=" + *count,
        "a rank must be in [0, size): fix or unset both variables");
  }
  return std::make_pair(i, n);
}

}  // namespace

WorldInfo discoverWorld(const EnvLookup& env) {
  for (const Scheme& s : schemes()) {
    auto world = readPair(env, s, s.rank, s.size);
    if (!world) {
      // Local variables without the global pair are as inconsistent as a half pair.
      if (env(s.local_rank) && s.local_size && env(s.local_size)) {
        throw ConfigError(std::string(s.local_rank) + " is set but " + s.rank + " is not",
                          std::string("set ") + s.rank + " and " + s.size + " too, or unset " +
                              s.local_rank + " and " + s.local_size);
      }
      continue;
    }
    WorldInfo info;
    info.source = s.source;
    info.rank = world->first;
    info.size = world->second;
    if (s.local_size != nullptr) {
      if (auto local = readPair(env, s, s.local_rank, s.local_size)) {
        info.local_rank = local->first;
        info.local_size = local->second;
      } else {
        // No local variables: assume one rank per node.
        info.local_rank = 0;
        info.local_size = 1;
      }
    } else if (auto text = env(s.local_rank)) {
      // Slurm: SLURM_LOCALID without a local size; the size comes from MPI later.
      info.local_rank = readCount(s, s.local_rank, *text);
      info.local_size = info.local_rank + 1;
    }
    if (info.local_size > info.size) {
      throw ConfigError("local size " + std::to_string(info.local_size) + " from " + s.local_size +
                            " exceeds world size " + std::to_string(info.size) + " from " + s.size,
                        "fix or unset the " + std::string(s.source) + " variables");
    }
    return info;
  }
  return WorldInfo{};
}

}  // namespace cohort
