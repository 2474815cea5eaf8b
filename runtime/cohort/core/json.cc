#include "cohort/core/json.h"

namespace cohort {

namespace {

struct TooDeep {};

// See Note [Untrusted JSON]: the depth is checked as each level opens.
template <typename Json>
Json parseWithDepthLimit(const std::string& text, std::string* why) {
  const typename Json::parser_callback_t depth_guard = [](int depth,
                                                          typename Json::parse_event_t event,
                                                          Json&) {
    if ((event == Json::parse_event_t::array_start || event == Json::parse_event_t::object_start) &&
        depth >= kMaxJsonDepth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    return Json::parse(text, depth_guard);
  } catch (const TooDeep&) {
    if (why) *why = "it nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  } catch (const nlohmann::json::exception& e) {
    if (why) *why = "not valid JSON (" + std::string(e.what()) + ")";
  }
  return Json(Json::value_t::discarded);
}

}  // namespace

nlohmann::json parseUntrustedJson(const std::string& text, std::string* why) {
  return parseWithDepthLimit<nlohmann::json>(text, why);
}

OrderedJson parseUntrustedOrderedJson(const std::string& text, std::string* why) {
  return parseWithDepthLimit<OrderedJson>(text, why);
}

}  // namespace cohort
