#include "sweep/sweep_commands.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "cohort/core/error.h"
#include "cohort/sweep/args_template.h"
#include "common/posix_io.h"
#include "common/table.h"
#include "sweep/report_html.h"
#include "sweep/sweep_folder.h"
#include "sweep/sweep_view.h"
#include "sweep/trial_value.h"

namespace cohort::sweep_tool {
namespace {

using nlohmann::ordered_json;

const sweep::TrialSeries* seriesOf(const SweepView& v, int64_t id) {
  return sweep_tool::seriesOf(v.series, id);
}

std::string duration(const sweep::TrialRecord& t) {
  if (t.started <= 0) return "";
  const double end = t.ended > 0 ? t.ended : launcher::unixNow();
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", end - t.started);
  return text;
}

std::string shortened(const std::string& text, size_t most) {
  return text.size() <= most ? text : text.substr(0, most - 3) + "...";
}

ordered_json trialJson(const SweepView& v, const sweep::TrialRecord& t) {
  const auto* s = seriesOf(v, t.id);
  const TrialFolder folder = SweepFolder(v.dir).trial(t.id);
  return {{"trial", t.id},
          {"state", sweep::stateName(t.state)},
          {"value", finiteOrNull<ordered_json>(s ? trialValue(*s) : NAN)},
          {"step", s && !s->points.empty() ? ordered_json(s->points.back().step) : ordered_json()},
          {"points", s ? s->points.size() : 0},
          {"params", t.params},
          {"job", t.jobId},
          {"exit_status", t.exitStatus ? ordered_json(*t.exitStatus) : ordered_json()},
          {"reason", t.reason},
          {"created", t.created},
          {"started", t.started},
          {"ended", t.ended},
          {"outputs", folder.outputs},
          {"logs", folder.logs}};
}

std::vector<std::string> row(const SweepView& v, const sweep::TrialRecord& t) {
  const auto* s = seriesOf(v, t.id);
  std::vector<std::string> cells = {
      std::to_string(t.id), sweep::stateName(t.state), valueText(s ? trialValue(*s) : NAN),
      s && !s->points.empty() ? std::to_string(s->points.back().step) : ""};
  for (const auto& p : v.spec.space)
    cells.push_back(t.params.contains(p.name) ? sweep::argText(t.params[p.name]) : "");
  cells.push_back(duration(t));
  cells.push_back(shortened(t.reason, 100));
  return cells;
}

std::vector<std::string> header(const SweepView& v) {
  std::vector<std::string> h = {"trial", "state", v.spec.metric.name, "step"};
  for (const auto& p : v.spec.space) h.push_back(p.name);
  h.push_back("time");
  h.push_back("reason");
  return h;
}

}  // namespace

int printStatus(const std::string& dir, bool as_json) {
  const SweepView v = readSweep(dir);
  std::map<std::string, int64_t> counts;
  for (const auto& t : v.trials) ++counts[sweep::stateName(t.state)];
  const auto best = bestTrial(v.trials, v.series, v.spec.metric.goal);
  if (as_json) {
    ordered_json doc = {{"sweep", v.id},
                        {"dir", dir},
                        {"metric", v.spec.metric.name},
                        {"goal", sweep::goalName(v.spec.metric.goal)},
                        {"max_trials", v.spec.limits.maxTrials},
                        {"states", counts},
                        {"best", best ? ordered_json(best->trial) : ordered_json()},
                        {"trials", ordered_json::array()}};
    for (const auto& t : v.trials) doc["trials"].push_back(trialJson(v, t));
    cli::printText(doc.dump(2) + "\n");
    return 0;
  }
  std::string states;
  for (const auto& [state, n] : counts)
    states += (states.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  std::string text =
      "sweep " + v.id + " (" + dir + "): " + v.spec.metric.name + ", " +
      sweep::goalName(v.spec.metric.goal) + "; sampler " + sweep::samplerName(v.spec.sampler.kind) +
      ", policy " + sweep::policyName(v.spec.policy.kind) + "\n" + std::to_string(v.trials.size()) +
      " of " + std::to_string(v.spec.limits.maxTrials) + " trials" +
      (states.empty() ? "" : ": " + states) + "\n";
  if (best) {
    text += "best: trial " + std::to_string(best->trial) + ", " + v.spec.metric.name + " " +
            sweep::numberText(best->value) + "\n";
  }
  cli::Table table(header(v));
  for (const auto& t : v.trials) table.add(row(v, t));
  if (!table.empty()) text += "\n" + table.text();
  cli::printText(text);
  return 0;
}

int printBest(const std::string& dir, int count, bool as_json) {
  const SweepView v = readSweep(dir);
  std::vector<const sweep::TrialRecord*> done;
  for (const auto& t : v.trials) {
    const auto* s = seriesOf(v, t.id);
    if (t.state == sweep::TrialState::kCompleted && s && std::isfinite(trialValue(*s)))
      done.push_back(&t);
  }
  std::stable_sort(done.begin(), done.end(), [&](const auto* a, const auto* b) {
    return better(trialValue(*seriesOf(v, a->id)), trialValue(*seriesOf(v, b->id)),
                  v.spec.metric.goal);
  });
  if (static_cast<int>(done.size()) > count) done.resize(static_cast<size_t>(count));
  if (as_json) {
    ordered_json doc = ordered_json::array();
    for (const auto* t : done) doc.push_back(trialJson(v, *t));
    cli::printText(doc.dump(2) + "\n");
    return done.empty() ? 1 : 0;
  }
  if (done.empty()) {
    std::fprintf(stderr, "cohort-sweep: no trial of %s has completed with a value of %s yet\n",
                 dir.c_str(), v.spec.metric.name.c_str());
    return 1;
  }
  std::vector<std::string> h = {"rank", "trial", v.spec.metric.name};
  for (const auto& p : v.spec.space) h.push_back(p.name);
  h.push_back("outputs");
  cli::Table table(h);
  int rank = 0;
  for (const auto* t : done) {
    std::vector<std::string> cells = {std::to_string(++rank), std::to_string(t->id),
                                      valueText(trialValue(*seriesOf(v, t->id)))};
    for (const auto& p : v.spec.space)
      cells.push_back(t->params.contains(p.name) ? sweep::argText(t->params[p.name]) : "");
    cells.push_back(SweepFolder(dir).trial(t->id).outputs);
    table.add(cells);
  }
  cli::printText(table.text());
  return 0;
}

int writeReport(const std::string& dir, const std::string& out) {
  SweepView v = readSweep(dir);
  ReportInput input;
  input.title = v.id;
  input.spec = std::move(v.spec);
  input.trials = std::move(v.trials);
  input.series = std::move(v.series);
  input.generated = launcher::unixNow();
  const std::string path = out.empty() ? SweepFolder(dir).report() : out;
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw ConfigError("-o " + path + " is a folder",
                      "give the report's file name, e.g. -o " + path + "/report.html");
  }
  launcher::writeFileAtomically(path, reportHtml(input));
  std::printf("wrote %s (%zu trials)\n", path.c_str(), input.trials.size());
  return 0;
}

}  // namespace cohort::sweep_tool
