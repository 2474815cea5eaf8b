#include "cohort/core/json.h"

namespace cohort {

namespace {

struct TooDeep {};

}  // namespace

nlohmann::json parseUntrustedJson(const std::string& text, std::string* why) {
  // See Note [Untrusted JSON]: the depth is checked as each level opens.
  const nlohmann::json::parser_callback_t depth_guard =
      [](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if ((event == nlohmann::json::parse_event_t::array_start ||
             event == nlohmann::json::parse_event_t::object_start) &&
            depth >= kMaxJsonDepth) {
          throw TooDeep{};
        }
        return true;
      };
  try {
    return nlohmann::json::parse(text, depth_guard);
  } catch (const TooDeep&) {
    if (why) *why = "it nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  } catch (const nlohmann::json::exception& e) {
    if (why) *why = "not valid JSON (" + std::string(e.what()) + ")";
  }
  return nlohmann::json(nlohmann::json::value_t::discarded);
}

}  // namespace cohort
