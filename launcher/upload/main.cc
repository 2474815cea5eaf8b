// cohort-upload: copies a run's logs and outputs folders to Azure Blob
// Storage, HDFS (WebHDFS) or a folder. Credentials come only from the
// environment (COHORT_AZURE_ACCOUNT_KEY, COHORT_AZURE_SAS_TOKEN,
// COHORT_HDFS_DELEGATION_TOKEN or COHORT_CREDENTIALS_FILE), never from the
// command line. cohortrun --upload runs it in watch mode beside the job.
// The options are below (See Note [Command lines]); URL defaults to
// COHORT_UPLOAD_URL.
#include <iostream>
#include <string>
#include <vector>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/settings.h"
#include "common/command_line.h"
#include "common/run_tool.h"
#include "upload/upload_loop.h"

namespace {

using S = const std::string&;

constexpr const char* kDescription =
    R"(cohort-upload: copy a run's logs and outputs folders to storage

usage: cohort-upload [--to URL] [--logs DIR] [--outputs DIR] [--watch [--interval S] | --check]

Copies DIR(s) to URL/logs and URL/outputs (only files changed since the last copy).)";

constexpr const char* kFooter = R"(Examples:
  cohort-upload --to azure://myaccount/runs/exp-1 --logs logs --outputs outputs
  cohort-upload --to hdfs://namenode:9870/user/me/exp-1 --check
  cohort-upload --to /mnt/archive/exp-1 --logs logs --watch --interval 60

Credentials: COHORT_AZURE_ACCOUNT_KEY, COHORT_AZURE_SAS_TOKEN, COHORT_HDFS_DELEGATION_TOKEN
or COHORT_CREDENTIALS_FILE (never on the command line).

Exit status: 0 copied; 1 the last copy failed (the files are still in the local folders);
2 bad command line or setting, or a destination that cannot be used.)";

struct UploadCommand {
  cohort::upload::LoopOptions loop;
  double interval_s = 0;  // 0: the settings' (COHORT_UPLOAD_INTERVAL_S)
  bool help = false;
};

// Every option of cohort-upload, described once: the help lists them from here.
void defineOptions(cohort::cli::CommandLine& cl, UploadCommand& o) {
  const cohort::cli::CommandLine* c = &cl;
  cl.value("--to", "URL",
           "azure://ACCOUNT/CONTAINER[/PREFIX],\n"
           "http(s)://HOST:PORT/ACCOUNT/CONTAINER[/PREFIX],\n"
           "hdfs://NAMENODE:PORT/PATH or a folder\n"
           "(default: COHORT_UPLOAD_URL)",
           [&o](S, S v) { o.loop.url = v; });
  cl.value("--logs", "DIR", "the logs folder to copy to URL/logs",
           [&o](S, S v) { o.loop.logs_dir = v; });
  cl.value("--outputs", "DIR", "the outputs folder to copy to URL/outputs",
           [&o](S, S v) { o.loop.outputs_dir = v; });
  cl.flag("--watch",
          "copy the logs every COHORT_UPLOAD_INTERVAL_S seconds\n"
          "and each committed checkpoint, then everything once\n"
          "more when standard input closes or on SIGTERM",
          [&o] { o.loop.watch = true; });
  cl.value("--interval", "S", "seconds between copies of the logs in watch mode",
           [&o, c](S n, S v) { o.interval_s = c->number(n, v, 0, 1e6); });
  cl.flag("--check", "only check that the destination accepts the credentials",
          [&o] { o.loop.check_only = true; });
  cl.helpFlag(&o.help);
}

}  // namespace

int main(int argc, char** argv) {
  UploadCommand o;
  cohort::cli::CommandLine cl("cohort-upload", kDescription, kFooter);
  defineOptions(cl, o);
  // 2 for every failure: cohortrun --upload tells a refused destination (2)
  // from a last copy that failed (runUpload's own status).
  return cohort::cli::runTool("cohort-upload", {2, 2}, [&] {
    cl.parse(std::vector<std::string>(argv + 1, argv + argc));
    if (o.help) {  // before anything (settings, storage) is touched
      std::cout << cl.help();
      return 0;
    }
    cohort::Settings settings = cohort::Settings::fromEnvironment(cohort::processEnv());
    if (o.interval_s > 0) settings.upload_interval_s = o.interval_s;
    if (o.loop.url.empty()) o.loop.url = settings.upload_url;
    if (o.loop.url.empty()) cl.fail("no destination", "pass --to URL or set COHORT_UPLOAD_URL");
    if (!o.loop.check_only && o.loop.logs_dir.empty() && o.loop.outputs_dir.empty()) {
      cl.fail("nothing to copy", "pass --logs DIR and/or --outputs DIR");
    }
    return cohort::upload::runUpload(o.loop, settings);
  });
}
