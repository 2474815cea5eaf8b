// `cohort-sweep report`: one self-contained HTML page about a sweep.
//
// Note [Self-contained report]: the page fetches nothing: no script, style
// sheet, font or image by URL (air-gapped sites open it from a file), and
// its charts are inline SVG (report_svg.h) drawn without JavaScript. Every
// text from the sweep (its title, parameter names and values, reasons, the
// sweep file) is HTML-escaped. It holds, in order:
//   - a summary: the metric and its goal, the sampler, the policy, how many
//     trials are in each state, and the best trial (the completed trial
//     with the best last value, as `cohort-sweep best` ranks them:
//     trial_value.h) with its value and parameters;
//   - the trials table: id, state, one column per parameter, the trial's
//     best value of the metric (max for maximize, min for minimize; "-"
//     when it has no finite one), its last step, duration and reason;
//   - the metric against the step: one `path.curve[data-trial=ID]` per
//     trial with a finite point (NaN points break the line), dashed for a
//     cut trial with a `.cut-mark[data-trial=ID]` at its last point, the
//     best trial drawn thick (`data-best`);
//   - per parameter, its value against the trial's best metric: one
//     `circle.point[data-trial=ID]` per trial with a finite best; a log x
//     axis for loguniform and qloguniform, evenly spaced labelled values
//     for choice.
#pragma once

#include <string>
#include <vector>

#include "cohort/sweep/policy.h"
#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep_tool {

struct ReportInput {
  std::string title;  // e.g. the sweep folder's name
  sweep::SweepSpec spec;
  std::vector<sweep::TrialRecord> trials;
  std::vector<sweep::TrialSeries> series;  // by trial id; may lack trials with no point
  double generated = 0;                    // unix seconds
};

// The page (See Note [Self-contained report]).
std::string reportHtml(const ReportInput& input);

}  // namespace cohort::sweep_tool
