// Note [Rank records]: how each rank ended, as files in the logs folder.
//   exit-rank-N.json   written by the rank agent when its program ends, under
//                      every engine: exit code or signal, and whether the
//                      engine or cohortrun had asked it to stop (then it is a
//                      consequence of a failure, not a cause).
//   error-rank-N.json  written by the cohort runtime in the rank itself when it
//                      dies of an exception, a fatal signal or a collective
//                      timeout: the error's text (cohort/core/error_record.h,
//                      whose ErrorRecord both the runtime and cohortrun use).
// Both carry the run id and restart count, so records of other runs and
// attempts are never mistaken for this one's, and the time (Unix seconds), so
// the earliest failure can be found (the hosts' clocks must agree, as NTP does).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cohort/core/error_record.h"

namespace cohort::launcher {

struct ExitRecord {
  int rank = -1;
  std::string host;
  long pid = 0;  // the program's
  double time = 0;
  int exit_code = -1;    // set when the program exited
  int signal = 0;        // set when a signal ended it
  bool stopped = false;  // it had been asked to stop (SIGTERM from the engine or cohortrun)
  std::string run_id;
  int restart = 0;

  // Ended by itself with an error: a candidate root cause.
  bool failed() const { return !stopped && (signal != 0 || exit_code != 0); }
};

std::string exitRecordJson(const ExitRecord& record);
std::optional<ExitRecord> parseExitRecord(const std::string& text);

struct RankRecords {
  std::vector<ExitRecord> exits;
  std::vector<ErrorRecord> errors;
  std::vector<int> started;  // ranks whose rank-N.log exists (their agent started)
};

// The records of run `run_id`, attempt `restart`, found in `logs_dir`.
RankRecords readRankRecords(const std::string& logs_dir, const std::string& run_id, int restart);

// "exit-rank-3.json", "error-rank-3.json", "rank-3.log".
std::string exitRecordName(int rank);
std::string errorRecordName(int rank);
std::string rankLogName(int rank);

}  // namespace cohort::launcher
