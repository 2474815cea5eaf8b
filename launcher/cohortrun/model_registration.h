// cohortrun --register NAME: when the job succeeds, its OUTPUTS/model is
// registered as the next version of NAME by cohort-model (beside cohortrun,
// else on the PATH), with the run's logs for the lineage. The registry is
// --registry URL, else COHORT_REGISTRY, else cohort-model's default; its
// credentials come from the environment cohortrun inherited, never its
// command line. Before anything starts, `cohort-model check` writes and
// removes a probe object there, so that a wrong URL, refused credentials or
// a location that cannot be written end the run at once.
#pragma once

#include <string>
#include <vector>

namespace cohort::launcher {

// `cohort-model [--registry URL] check`: a ConfigError with its message when
// the registry cannot be read and written.
void checkRegistry(const std::string& program, const std::string& registry);

// Registers; returns cohort-model's exit status, its output in *output.
int registerModel(const std::string& program, const std::string& registry, const std::string& name,
                  const std::string& outputs_dir, const std::string& logs_dir,
                  const std::string& run_id, std::string* output);

// What cohortrun says when the registration failed with `status`: says the
// model is still in OUTPUTS/model only when it is.
std::string registrationFailure(const std::string& outputs_dir, int status,
                                const std::string& output);

}  // namespace cohort::launcher
