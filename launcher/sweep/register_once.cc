#include "sweep/register_once.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "common/posix_io.h"
#include "sweep/sweep_registration.h"

namespace cohort::sweep_tool {

int registerOnce(const sweep::SweepSpec& spec, const SweepFolder& folder,
                 const std::string& sweep_id, int64_t best, const DriverLog& log) {
  const std::string done = folder.registered();
  const auto before = nlohmann::json::parse(launcher::readWholeFile(done), nullptr, false);
  if (jsonField(before, "trial", int64_t{0}) == best) {
    log.say("trial " + std::to_string(best) + "'s model is registered already, as " +
            jsonField(before, "model", std::string()));
    return 0;
  }
  const TrialFolder trial = folder.trial(best);
  std::string registered;
  try {
    registered = registerBest(spec, trial, sweep_id, best);
  } catch (const Error& e) {
    // The sweep did its work: its own exit status says that only the registration failed.
    const std::string why = "the sweep completed, but registering trial " + std::to_string(best) +
                            "'s model (" + trial.model + ") as " + spec.registry.name +
                            " failed: " + e.detail() + "\n  what to do: " + e.hint() +
                            "; then `cohort-sweep run` on this folder registers it";
    log.say(why);
    if (log.quiet())
      std::fprintf(stderr, "cohort-sweep: %s\n", why.c_str());  // a failure is never quiet
    return kRegisterFailed;
  }
  launcher::writeFileAtomically(
      done, nlohmann::json{{"trial", best}, {"model", registered}}.dump() + "\n");
  log.say("registered trial " + std::to_string(best) + "'s model as " + registered);
  return 0;
}

}  // namespace cohort::sweep_tool
