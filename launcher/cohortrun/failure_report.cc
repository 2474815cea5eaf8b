#include "cohortrun/failure_report.h"

#include <cstdio>

#include "cohortrun/exit_status.h"

namespace cohort::launcher {

std::string formatFailureReport(const RootCause& cause, const ReportContext& c) {
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", c.seconds);
  const char* verb = cause.status == exit_status::kTimedOut         ? "timed out"
                     : cause.status > exit_status::kInterruptedBase ? "was stopped"
                                                                    : "failed";
  std::string out = std::string("cohortrun: the job ") + verb + " (attempt " +
                    std::to_string(c.restart + 1) + " of " + std::to_string(c.max_restarts + 1) +
                    ", after " + took + " s; exit status " + std::to_string(cause.status) + ")\n";
  out += "  root cause: " + cause.headline + "\n";
  if (!cause.error.empty()) {
    std::string error = cause.error;
    size_t at = 0;
    while ((at = error.find('\n', at)) != std::string::npos)
      error.replace(at++, 1, "\n              ");
    out += "  its error:  " + error + "\n";
  }
  for (const auto& note : cause.notes) out += "  note:       " + note + "\n";
  if (!c.engine_summary.empty()) out += "  engine:     " + c.engine_summary + "\n";
  if (!c.log_path.empty()) {
    out += "  log:        " + c.log_path + (c.log_tail.empty() ? " (empty)\n" : ", last lines:\n");
    for (const auto& line : c.log_tail) out += "    | " + line + "\n";
  }
  bool engine_matters = cause.status < exit_status::kTimedOut;
  if (c.log_path.empty() && engine_matters && !c.engine_lines.empty()) {
    out += "  the engine's last lines:\n";
    for (const auto& line : c.engine_lines) out += "    | " + line + "\n";
  }
  return out;
}

}  // namespace cohort::launcher
