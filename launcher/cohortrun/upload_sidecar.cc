#include "cohortrun/upload_sidecar.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "cohort/core/error.h"
#include "common/posix_io.h"

namespace cohort::launcher {

namespace {

constexpr double kUploadCheckTimeoutS = 120;  // the check itself retries transient failures

}  // namespace

void checkUploadTarget(const std::string& program, const std::string& url) {
  std::string output;
  const int status = runCommand({program, "--check", "--to", url}, &output, kUploadCheckTimeoutS);
  if (status == 0) return;
  output = trimmedOutput(output);
  if (status < 0 && output.empty())
    output = "cannot run " + program + " (or it took longer than 120 s)";
  throw ConfigError(
      "--upload " + url + ": the destination cannot be used, so the job was not started:\n" +
          output,
      "fix the URL or the credentials (COHORT_AZURE_ACCOUNT_KEY, COHORT_AZURE_SAS_TOKEN, "
      "COHORT_HDFS_DELEGATION_TOKEN or COHORT_CREDENTIALS_FILE), or run without --upload");
}

UploadSidecar::UploadSidecar(const std::string& program, const std::string& url, double interval_s,
                             const std::string& logs_dir, const std::string& outputs_dir) {
  ChildSpec spec;
  spec.argv = {program, "--watch", "--to", url, "--logs", logs_dir, "--outputs", outputs_dir};
  if (interval_s > 0) {
    spec.argv.push_back("--interval");
    spec.argv.push_back(std::to_string(interval_s));
  }
  const std::string log_path = logs_dir + "/upload.log";
  UniqueFd log(openToWrite(log_path, O_WRONLY | O_CREAT | O_APPEND));
  if (log.fd < 0) {
    throw ConfigError("cannot start the upload: " + openToWriteProblem(log_path, errno),
                      "check that the logs folder is writable");
  }
  // Its standard input is the end-of-run signal (finish() closes it); its own
  // process group: a Ctrl-C at the terminal reaches cohortrun, which then
  // ends it in order.
  spec.in = Stream::kPipe;
  spec.out = Stream::kFd;
  spec.out_fd = log.fd;
  spec.err = Stream::kLikeStdout;
  spec.own_group = true;
  spec.exec_error_prefix = "cohortrun: ";
  spec.exec_error_hint = " (is cohort-upload installed beside cohortrun?)";
  child_ = std::make_unique<ChildProcess>(spec);
}

UploadSidecar::~UploadSidecar() {
  if (child_) finish();
}

int UploadSidecar::finish() {
  if (!child_) return -1;
  child_->stdinPipe().reset();
  // Bounded: every request of cohort-upload has a timeout and a number of tries.
  const ExitStatus status = child_->wait();
  child_.reset();
  return status.signal != 0 ? 128 + status.signal : status.exit_code;
}

}  // namespace cohort::launcher
