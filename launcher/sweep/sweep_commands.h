// The commands of cohort-sweep that read a sweep folder: `status` and `best`
// (tables, or JSON) and `report` (report_html.h).
// status and best only read the store (WAL: while the driver writes), in two queries,
// so they answer in well under a second with 10,000 trials.
#pragma once

#include <string>

namespace cohort::sweep_tool {

// Prints the sweep's summary and every trial; returns the exit status.
int printStatus(const std::string& dir, bool json);
// Prints the `count` best completed trials, best first.
int printBest(const std::string& dir, int count, bool json);
// Writes the HTML report to `out` ("": DIR/report.html).
int writeReport(const std::string& dir, const std::string& out);

}  // namespace cohort::sweep_tool
