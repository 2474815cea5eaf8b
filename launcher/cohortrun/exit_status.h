// cohortrun's exit statuses: each kind of failure has its own, so scripts
// and schedulers can tell them apart (also listed by --help and the README).
#pragma once

namespace cohort::launcher::exit_status {

constexpr int kSucceeded = 0;
constexpr int kRankFailed = 1;      // a rank exited non-zero (an exception, an error)
constexpr int kNotStarted = 2;      // bad command line, or a check before start failed
constexpr int kRankKilled = 3;      // a rank died of a signal
constexpr int kHostLost = 4;        // a host, or its link, went away
constexpr int kEngineFailed = 5;    // the engine failed and no rank is to blame
constexpr int kUploadFailed = 6;    // the job succeeded, the last --upload did not
constexpr int kRegisterFailed = 7;  // the job succeeded, --register did not
constexpr int kLogsNotWritten = 8;  // the job succeeded, its logs (run.json) could not be written
constexpr int kTimedOut = 124;      // --timeout ran out
// Stopped by SIGINT, SIGTERM or SIGHUP: 128 + the signal, as shells report it.
constexpr int kInterruptedBase = 128;

}  // namespace cohort::launcher::exit_status
