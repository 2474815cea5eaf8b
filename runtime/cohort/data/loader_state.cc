#include "cohort/data/loader_state.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>

#include "cohort/core/error.h"
#include "cohort/core/number.h"

namespace cohort::data {

using nlohmann::json;

std::string LoaderState::toJson() const {
  json doc = {{"format", "cohort-loader-state"},
              {"version", 1},
              {"dataset", dataset},
              {"seed", std::to_string(seed)},  // a string: JSON readers may not keep 64 bits
              {"shuffle", shuffle},
              {"window_shards", window_shards},
              {"epoch", epoch},
              {"position", position}};
  if (first_sample != 0 || end_sample != 0) doc["samples"] = {first_sample, end_sample};
  return doc.dump();
}

LoaderState LoaderState::fromJson(const std::string& text, const std::string& source) {
  const std::string hint = "pass the text ShardedLoader::state().toJson() produced";
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw DataError(source + ": a loader state is not a JSON object", hint);
  auto field = [&](const char* name) -> const json& {
    auto it = doc.find(name);
    if (it == doc.end())
      throw DataError(source + ": the loader state has no \"" + name + "\"", hint);
    return *it;
  };
  auto count = [&](const char* name, int64_t most) {
    const json& v = field(name);
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > most) {
      throw DataError(source + ": the loader state's \"" + name + "\" is not a count", hint);
    }
    return v.get<int64_t>();
  };
  if (field("format") != "cohort-loader-state" || field("version") != 1) {
    throw DataError(source + ": not a version 1 cohort loader state", hint);
  }
  LoaderState s;
  if (!field("dataset").is_string() || !field("seed").is_string() ||
      !field("shuffle").is_boolean()) {
    throw DataError(source + ": the loader state's dataset, seed or shuffle has the wrong type",
                    hint);
  }
  s.dataset = field("dataset").get<std::string>();
  const std::string seed = field("seed").get<std::string>();
  const auto seed_number = parseUnsigned64(seed);
  if (!seed_number) throw DataError(source + ": the loader state's seed is not a number", hint);
  s.seed = *seed_number;
  s.shuffle = field("shuffle").get<bool>();
  s.window_shards = static_cast<int>(count("window_shards", 1 << 20));
  if (s.window_shards < 1)
    throw DataError(source + ": the loader state's window_shards is 0", hint);
  s.epoch = count("epoch", int64_t{1} << 40);
  s.position = count("position", int64_t{1} << 50);
  if (const auto range = doc.find("samples"); range != doc.end()) {  // absent: the whole set
    const bool pair = range->is_array() && range->size() == 2 && (*range)[0].is_number_integer() &&
                      (*range)[1].is_number_integer();
    if (!pair || (*range)[0].get<int64_t>() < 0 ||
        (*range)[1].get<int64_t>() <= (*range)[0].get<int64_t>() ||
        (*range)[1].get<int64_t>() > (int64_t{1} << 50)) {
      throw DataError(source + ": the loader state's \"samples\" is not a range [first, end)",
                      hint);
    }
    s.first_sample = (*range)[0].get<int64_t>();
    s.end_sample = (*range)[1].get<int64_t>();
  }
  return s;
}

}  // namespace cohort::data
