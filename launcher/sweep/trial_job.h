// One trial as a cohortrun job: started by the driver, or found again by a
// driver that was restarted (Note [Reattaching trials]).
//
// Each trial has its own folder in the sweep folder, trials/NNNNN/
// (sweep_folder.h's TrialFolder), with the job's outputs/ and logs/
// (cohortrun's --outputs and --logs), and cohortrun.log, cohortrun's own
// console. Before every start the driver writes LOGS/trial.json (the sweep, the trial and its
// parameters), which the registry reads for its lineage links, and the job gets COHORT_SWEEP_ID and
// COHORT_TRIAL_ID in every rank's environment.
//
// Note [Reattaching trials]: a job's id is "local:PID:START", cohortrun's
// pid and its start time in clock ticks since boot (/proc/PID/stat), so a
// pid the kernel handed to another process since is not taken for the job.
// A driver killed with kill -9 leaves its cohortrun jobs running (they are
// in process groups of their own and get no parent-death signal); the
// restarted driver finds each by its id, follows it until it ends, and then
// reads how it ended from LOGS/run.json, which cohortrun rewrites at the end
// of every attempt. A job that is gone without a final run.json is requeued.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_spec.h"
#include "cohort/sweep/trial_lifecycle.h"
#include "sweep/sweep_folder.h"

namespace cohort::launcher {
class ChildProcess;
}

namespace cohort::sweep_tool {

// What every trial of one sweep is started with.
struct LaunchContext {
  std::string cohortrun;  // the launcher's path
  SweepFolder folder;     // absolute
  std::string sweep_id;   // COHORT_SWEEP_ID
  std::string digest;     // the sweep's digest (trial.json)
  const sweep::SweepSpec* spec = nullptr;
  double grace_s = 10;  // cohortrun's --grace-period for a trial that is stopped
};

class TrialJob {
 public:
  // Starts `trial` (a resumed start when `resume`) on `hosts` (engine hosts;
  // empty otherwise). Throws ConfigError when cohortrun cannot be started.
  static TrialJob start(const LaunchContext& context, const sweep::TrialRecord& trial,
                        const std::vector<std::string>& hosts, bool resume);
  // The job `job_id` (Note [Reattaching trials]) if it still runs.
  static std::optional<TrialJob> reattach(const std::string& job_id, const TrialFolder& folder);

  TrialJob(TrialJob&&) noexcept;
  TrialJob& operator=(TrialJob&&) noexcept;
  ~TrialJob();

  const std::string& id() const { return id_; }
  const TrialFolder& folder() const { return folder_; }
  // SIGTERM to cohortrun: its ranks get SIGTERM, the grace period, then SIGKILL.
  void stop();
  bool stopRequested() const { return stopped_; }
  // True once the job has ended (never blocks).
  bool ended();
  // How it ended (call once ended() is true).
  sweep::JobEnd end() const;

 private:
  TrialJob() = default;

  std::string id_;
  TrialFolder folder_;
  pid_t pid_ = -1;
  std::string start_ticks_;
  std::unique_ptr<launcher::ChildProcess> child_;  // null when reattached
  bool stopped_ = false;
  bool ended_ = false;
  int child_status_ = -1;  // the child's exit status (started, not reattached)
};

// How a finished job's run.json says it ended (known false without one).
sweep::JobEnd readJobEnd(const std::string& logs_dir);

// The hosts a job's run.json says it runs on (none when it cannot be read).
std::vector<std::string> runHosts(const std::string& logs_dir);

}  // namespace cohort::sweep_tool
