// cohortrun --upload: cohort-upload runs beside the job in watch mode
// (copying the logs every interval and each committed checkpoint), and after
// the last attempt it copies the logs and the whole outputs folder one last
// time. cohort-upload gets the credentials from the environment cohortrun
// inherited, never on its command line; its messages go to LOGS/upload.log.
#pragma once

#include <memory>
#include <string>

#include "common/child_process.h"

namespace cohort::launcher {

// Runs `cohort-upload --check` (opens the destination, which tests the
// credentials); a ConfigError carrying its message when it fails.
void checkUploadTarget(const std::string& program, const std::string& url);

class UploadSidecar {
 public:
  // Starts `program --watch`. interval_s 0: cohort-upload's default.
  UploadSidecar(const std::string& program, const std::string& url, double interval_s,
                const std::string& logs_dir, const std::string& outputs_dir);
  ~UploadSidecar();
  UploadSidecar(const UploadSidecar&) = delete;
  UploadSidecar& operator=(const UploadSidecar&) = delete;

  // Tells it the run is over (closes its standard input) and waits for its
  // last copy. Returns its exit status (0: everything is uploaded).
  int finish();

 private:
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace cohort::launcher
