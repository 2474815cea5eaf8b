// Note [Run record]: LOGS/run.json, what a run was: its command, engine,
// hosts, times, attempts and how it ended, the versions and code it ran and
// the data sets it read. cohortrun writes it when the run starts and after
// every attempt (atomically, so a launcher that is killed leaves an accurate
// record of what it had seen); cohortrun reads the run id of a previous run
// back, cohort-sweep how a trial's job ended and where it ran, and the
// registry's lineage what it keeps of the run. RunRecord is the file: every
// one of them reads and writes it through toJson/fromJson, and no one else
// parses run.json. Reading is strict about the fields cohortrun always
// writes (a missing or ill-typed one is a DataError naming the file and the
// field) and tolerant of fields it does not know (a newer cohort's).
// docs/cohortrun.md describes the fields.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cohort {

struct RunHost {
  std::string name;
  int first_rank = 0;
  int ranks = 0;
};

struct RunAttempt {
  int restart = 0;
  double start = 0;  // Unix seconds
  double end = 0;    // 0 while running
  int exit_status = 0;
  std::string root_cause;  // the headline, "" when it succeeded
  int rank = -1;           // the rank blamed, if any
  std::string host;
  std::string logs;  // where its rank logs and records are
};

struct RunRecord {
  std::string run_id;
  std::string state = "running";     // running, succeeded, failed, submitted
  int exit_status = -1;              // -1 while running
  std::vector<std::string> command;  // cohortrun's own argv
  std::vector<std::string> program;  // PROGRAM ARGS
  std::string work_dir;
  std::string outputs_dir;
  std::string engine;                       // "mpirun", "none", "srun", "sbatch"
  std::vector<std::string> engine_command;  // the last attempt's
  std::string slurm_job_id;                 // "" outside Slurm
  int nodes = 1;
  int procs_per_node = 1;
  int world_size = 1;
  std::vector<RunHost> hosts;  // empty when not known before the start (sbatch)
  double start = 0;            // Unix seconds
  double end = 0;              // 0 while running
  int max_restarts = 0;
  std::vector<RunAttempt> attempts;
  std::vector<std::pair<std::string, std::string>> versions;
  nlohmann::json code;                              // the program's identity; null: unknown
  nlohmann::json inputs = nlohmann::json::array();  // the data sets the loaders noted
  std::string registered;  // with --register: NAME:VERSION, once registered

  // How often the run was restarted (attempts after the first).
  int restarts() const;

  // The text of run.json: indented JSON and a newline, invalid UTF-8 replaced.
  std::string toJson() const;
  // The record `text` holds; `file` names it in the DataError thrown when
  // `text` is not JSON, or a field is missing or of the wrong type.
  static RunRecord fromJson(const std::string& text, const std::string& file);

  // LOGS/run.json for the logs folder `logs_dir`.
  static std::string pathIn(const std::string& logs_dir);
  // The record in `path`; nullopt when there is no such file. A DataError
  // naming the file and the field when it is not a run record.
  static std::optional<RunRecord> readFile(const std::string& path);
  // Writes toJson() to `path` atomically (See Note [Atomic file writes] in
  // cohort/core/file_io.h); a ConfigError saying what failed (a full disk).
  void writeFile(const std::string& path) const;
};

}  // namespace cohort
