// The logs folder between runs and attempts. The top of LOGS always holds the
// current attempt (rank-N.log, exit-rank-N.json, error-rank-N.json); an
// earlier attempt of this run moves to LOGS/attempt-K/, and the files of an
// earlier run in the same folder move to LOGS/previous/RUN_ID/, so nothing is
// overwritten and no old record is read as a new one.
#pragma once

#include <string>

namespace cohort::launcher {

// Moves an earlier run's files away (see above). Returns the folder they went
// to, or "" when there were none. Throws ConfigError when they cannot be moved.
std::string archivePreviousRun(const std::string& logs_dir, const std::string& run_id);

// Moves the rank logs and records of attempt `restart` to LOGS/attempt-K/.
// Returns that folder.
std::string archiveAttempt(const std::string& logs_dir, int restart);

// "" when a small file can be written in the logs folder now, else why not
// ("cannot write files in LOGS: No space left on device"): asked when ranks left no
// exit record, which a full disk explains as well as a killed rank does.
std::string logsWriteProblem(const std::string& logs_dir);

}  // namespace cohort::launcher
