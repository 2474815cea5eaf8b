#include "upload_sidecar.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cohort/core/error.h"
#include "posix_io.h"

namespace cohort::launcher {

namespace {

constexpr double kCheckTimeoutS = 120;  // the check itself retries transient failures

}  // namespace

std::string findUploadProgram(const std::string& launcher) {
  const std::string beside = launcher.substr(0, launcher.rfind('/') + 1) + "cohort-upload";
  if (access(beside.c_str(), X_OK) == 0) return beside;
  return "cohort-upload";  // execvp searches the PATH
}

void checkUploadTarget(const std::string& program, const std::string& url) {
  std::string output;
  const int status = runCommand({program, "--check", "--to", url}, &output, kCheckTimeoutS);
  if (status == 0) return;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  if (status < 0 && output.empty()) output = "cannot run " + program + " (or it took longer than 120 s)";
  throw ConfigError("--upload " + url + ": the destination cannot be used, so the job was not started:\n" + output,
                    "fix the URL or the credentials (COHORT_AZURE_ACCOUNT_KEY, COHORT_AZURE_SAS_TOKEN, "
                    "COHORT_HDFS_DELEGATION_TOKEN or COHORT_CREDENTIALS_FILE), or run without --upload");
}

UploadSidecar::UploadSidecar(const std::string& program, const std::string& url, double interval_s,
                             const std::string& logs_dir, const std::string& outputs_dir) {
  std::vector<std::string> argv = {program, "--watch", "--to", url, "--logs", logs_dir, "--outputs", outputs_dir};
  if (interval_s > 0) {
    argv.push_back("--interval");
    argv.push_back(std::to_string(interval_s));
  }
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string log_path = logs_dir + "/upload.log";
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int fds[2];
  if (log_fd < 0 || pipe2(fds, O_CLOEXEC) != 0) {
    if (log_fd >= 0) close(log_fd);
    throw ConfigError("cannot start the upload: cannot open " + log_path + ": " + std::strerror(errno),
                      "check that the logs folder is writable");
  }
  pid_ = fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec. Its own process group: a
    // Ctrl-C at the terminal reaches cohortrun, which then ends it in order.
    setpgid(0, 0);
    dup2(fds[0], STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execvp(args[0], args.data());
    const char message[] = "cohort-upload: cannot be started (is it installed beside cohortrun?)\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    _exit(127);
  }
  close(fds[0]);
  close(log_fd);
  if (pid_ < 0) {
    close(fds[1]);
    throw ConfigError(std::string("cannot start cohort-upload: fork: ") + std::strerror(errno), "");
  }
  stdin_fd_ = fds[1];
}

UploadSidecar::~UploadSidecar() {
  if (pid_ > 0) finish();
}

int UploadSidecar::finish() {
  if (pid_ <= 0) return -1;
  close(stdin_fd_);
  stdin_fd_ = -1;
  // Bounded: every request of cohort-upload has a timeout and a number of tries.
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace cohort::launcher
