// cohort-upload: copies a run's logs and outputs folders to Azure Blob
// Storage, HDFS (WebHDFS) or a folder. Credentials come only from the
// environment (COHORT_AZURE_ACCOUNT_KEY, COHORT_AZURE_SAS_TOKEN,
// COHORT_HDFS_DELEGATION_TOKEN or COHORT_CREDENTIALS_FILE), never from the
// command line. cohortrun --upload runs it in watch mode beside the job.
//
//   cohort-upload [--to URL] [--logs DIR] [--outputs DIR] [--watch [--interval S] | --check]
//
// URL defaults to COHORT_UPLOAD_URL.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/settings.h"
#include "upload_loop.h"

namespace {

constexpr const char* kUsage =
    "usage: cohort-upload [--to URL] [--logs DIR] [--outputs DIR] [--watch [--interval S] | --check]\n"
    "  Copies DIR(s) to URL/logs and URL/outputs (only files changed since the last copy).\n"
    "  --to URL     azure://ACCOUNT/CONTAINER[/PREFIX], http(s)://HOST:PORT/ACCOUNT/CONTAINER[/PREFIX],\n"
    "               hdfs://NAMENODE:PORT/PATH or a folder (default: COHORT_UPLOAD_URL)\n"
    "  --watch      copy the logs every COHORT_UPLOAD_INTERVAL_S seconds and each committed checkpoint,\n"
    "               then everything once more when standard input closes or on SIGTERM\n"
    "  --interval S seconds between copies of the logs in watch mode\n"
    "  --check      only check that the destination accepts the credentials\n"
    "  Credentials: COHORT_AZURE_ACCOUNT_KEY, COHORT_AZURE_SAS_TOKEN, COHORT_HDFS_DELEGATION_TOKEN\n"
    "  or COHORT_CREDENTIALS_FILE (never on the command line).\n";

int usageError(const std::string& what) {
  std::cerr << "cohort-upload: " << what << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  cohort::upload::LoopOptions options;
  double interval = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--watch") {
      options.watch = true;
    } else if (arg == "--check") {
      options.check_only = true;
    } else if (arg == "--to") {
      if (!value(&options.url)) return usageError("--to needs a URL");
    } else if (arg == "--interval") {
      std::string text;
      char* end = nullptr;
      if (!value(&text) || (interval = std::strtod(text.c_str(), &end)) <= 0 || *end != '\0') {
        return usageError("--interval needs a positive number of seconds");
      }
    } else if (arg == "--logs") {
      if (!value(&options.logs_dir)) return usageError("--logs needs a folder");
    } else if (arg == "--outputs") {
      if (!value(&options.outputs_dir)) return usageError("--outputs needs a folder");
    } else {
      return usageError("unknown argument '" + arg + "'");
    }
  }
  try {
    cohort::Settings settings = cohort::Settings::fromEnvironment(cohort::processEnv());
    if (interval > 0) settings.upload_interval_s = interval;
    if (options.url.empty()) options.url = settings.upload_url;
    if (options.url.empty()) return usageError("no destination: pass --to URL or set COHORT_UPLOAD_URL");
    if (!options.check_only && options.logs_dir.empty() && options.outputs_dir.empty()) {
      return usageError("nothing to copy: pass --logs DIR and/or --outputs DIR");
    }
    return cohort::upload::runUpload(options, settings);
  } catch (const cohort::Error& e) {
    std::cerr << "cohort-upload: " << e.what() << std::endl;
    return 2;
  }
}
