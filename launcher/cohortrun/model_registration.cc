#include "cohortrun/model_registration.h"

#include <filesystem>

#include "cohort/core/error.h"
#include "common/posix_io.h"

namespace cohort::launcher {

namespace {

constexpr double kRegistryCheckTimeoutS = 120;  // cohort-model retries transient failures itself
constexpr double kRegisterTimeoutS = 3600;      // a large model over a slow link

std::vector<std::string> withRegistry(const std::string& program, const std::string& registry) {
  std::vector<std::string> argv = {program};
  if (!registry.empty()) argv.insert(argv.end(), {"--registry", registry});
  return argv;
}

}  // namespace

void checkRegistry(const std::string& program, const std::string& registry) {
  std::vector<std::string> argv = withRegistry(program, registry);
  argv.insert(argv.end(), {"check"});
  std::string output;
  const int status = runCommand(argv, &output, kRegistryCheckTimeoutS);
  if (status == 0) return;
  if (status < 0 && output.empty())
    output = "cannot run " + program + " (or it took longer than 120 s)";
  throw ConfigError(
      "--register: the model registry cannot be written, so the job was not started:\n" +
          trimmedOutput(output),
      "fix --registry (or COHORT_REGISTRY) or the credentials (COHORT_AZURE_ACCOUNT_KEY, "
      "COHORT_AZURE_SAS_TOKEN, COHORT_HDFS_DELEGATION_TOKEN or COHORT_CREDENTIALS_FILE), or run "
      "without --register");
}

int registerModel(const std::string& program, const std::string& registry, const std::string& name,
                  const std::string& outputs_dir, const std::string& logs_dir,
                  const std::string& run_id, std::string* output) {
  std::vector<std::string> argv = withRegistry(program, registry);
  argv.insert(argv.end(), {"register", name, "--from", outputs_dir, "--logs", logs_dir, "--tag",
                           "run_id=" + run_id});
  const int status = runCommand(argv, output, kRegisterTimeoutS);
  *output = trimmedOutput(*output);
  return status;
}

std::string registrationFailure(const std::string& outputs_dir, int status,
                                const std::string& output) {
  const std::string model = outputs_dir + "/model";
  std::error_code error;
  const bool there =
      std::filesystem::is_directory(model, error) && !std::filesystem::is_empty(model, error);
  return "the registration of " + model + " failed (cohort-model exit status " +
         std::to_string(status) + "); " +
         (there ? "the model is still there"
                : "the job left no model there (a trainer writes it at the end, "
                  "cohort::checkpoint::exportModel)") +
         ":\n  " + output;
}

}  // namespace cohort::launcher
