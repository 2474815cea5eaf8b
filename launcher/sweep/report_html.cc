#include "sweep/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "cohort/sweep/args_template.h"
#include "common/table.h"
#include "sweep/report_svg.h"
#include "sweep/trial_value.h"

namespace cohort::sweep_tool {
namespace {

using sweep::TrialRecord;
using sweep::TrialSeries;
using sweep::TrialState;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// No external fetch: local fonts only (See Note [Self-contained report]).
const char* const kCss = R"(
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       margin: 24px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 12px; } h2 { font-size: 17px; margin: 28px 0 8px; }
table { border-collapse: collapse; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e3e3e3; text-align: left;
         vertical-align: top; }
table.facts th { color: #555; font-weight: 600; }
table.trials th { background: #f4f4f4; position: sticky; top: 0; }
table.trials td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.trials tr.best td { background: #fff6d5; font-weight: 600; }
td.reason { max-width: 420px; word-break: break-word; color: #555; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px;
          border-radius: 2px; }
svg { max-width: 100%; height: auto; background: #fff; }
.plot { fill: none; stroke: #999; } .grid { stroke: #ebebeb; }
text.tick { font-size: 11px; fill: #555; } text.name { font-size: 12px; fill: #222; }
path.curve { fill: none; stroke-width: 1.6; opacity: 0.75; stroke-linecap: round;
             stroke-linejoin: round; }
path.curve[data-state="cut"] { stroke-dasharray: 6 4; }
path.curve[data-best] { stroke-width: 3.5; opacity: 1; }
path.curve:hover { stroke-width: 4; opacity: 1; }
path.cut-mark { fill: none; stroke-width: 2; }
circle.point { opacity: 0.85; stroke: #fff; stroke-width: 1; }
circle.point[data-best] { stroke: #000; stroke-width: 2; opacity: 1; }
figure { margin: 0 0 12px; } figcaption { color: #555; font-size: 12px; }
.scatters { display: flex; flex-wrap: wrap; gap: 12px 24px; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; }
footer { margin-top: 28px; color: #777; font-size: 12px; }
)";

// One trial as the page shows it.
struct Row {
  const TrialRecord* trial = nullptr;
  const TrialSeries* series = nullptr;  // null: it reported no point
  double best = kNaN;                   // its best finite point for the goal
  bool isBest = false;                  // the sweep's best trial
  const char* color = "";
};

struct Page {
  const ReportInput& in;
  std::optional<BestTrial> best;
  std::vector<Row> rows;
};

std::string paramText(const TrialRecord& t, const std::string& name) {
  const auto it = t.params.find(name);
  return it == t.params.end() ? "-" : sweep::argText(*it);
}

std::string durationText(const TrialRecord& t) {
  if (t.state == TrialState::kRunning) return "running";
  if (t.started <= 0 || t.ended < t.started) return "-";
  const double s = t.ended - t.started;
  const long whole = static_cast<long>(s);
  char text[48];
  if (s < 60)
    std::snprintf(text, sizeof text, "%.1fs", s);
  else if (s < 3600)
    std::snprintf(text, sizeof text, "%ldm %02lds", whole / 60, whole % 60);
  else
    std::snprintf(text, sizeof text, "%ldh %02ldm", whole / 3600, whole / 60 % 60);
  return text;
}

std::string timeText(double seconds) { return seconds <= 0 ? "-" : cli::localTime(seconds); }

// "bandit (evaluation_interval 1, slack_factor 0.2)": the type and its settings.
std::string settingsText(const nlohmann::ordered_json& settings) {
  std::string rest;
  for (const auto& [key, value] : settings.items()) {
    if (key != "type") rest += (rest.empty() ? "" : ", ") + key + " " + sweep::argText(value);
  }
  const std::string type = settings.value("type", "?");
  return rest.empty() ? type : type + " (" + rest + ")";
}

// The best trial as `cohort-sweep best` finds it (trial_value.h), which
// reads the series by id - 1: `in.series` may lack trials.
std::optional<BestTrial> bestOf(const ReportInput& in) {
  int64_t last = 0;
  for (const auto& t : in.trials) last = std::max(last, t.id);
  std::vector<TrialSeries> dense(static_cast<size_t>(last));
  for (size_t i = 0; i < dense.size(); ++i) dense[i].trial = static_cast<int64_t>(i) + 1;
  for (const auto& s : in.series)
    if (s.trial >= 1 && s.trial <= last) dense[static_cast<size_t>(s.trial - 1)] = s;
  return bestTrial(in.trials, dense, in.spec.metric.goal);
}

std::vector<Row> rowsOf(const ReportInput& in, const std::optional<BestTrial>& best) {
  std::map<int64_t, const TrialSeries*> byId;
  for (const auto& s : in.series) byId[s.trial] = &s;
  std::vector<Row> rows;
  for (const auto& t : in.trials) {
    Row r;
    r.trial = &t;
    const auto it = byId.find(t.id);
    if (it != byId.end()) r.series = it->second;
    if (r.series) {
      for (const auto& p : r.series->points)
        if (better(p.value, r.best, in.spec.metric.goal)) r.best = p.value;
    }
    r.isBest = best && best->trial == t.id;
    r.color = paletteColor(static_cast<size_t>(std::max<int64_t>(t.id - 1, 0)));
    rows.push_back(r);
  }
  return rows;
}

std::string fact(const std::string& name, const std::string& html) {
  return "<tr><th>" + name + "</th><td>" + html + "</td></tr>\n";
}

std::string summaryHtml(const Page& page) {
  const auto& spec = page.in.spec;
  const auto json = sweep::toJson(spec);
  std::map<TrialState, int> counts;
  for (const auto& t : page.in.trials) ++counts[t.state];
  std::string states;
  for (const auto& [state, n] : counts)
    states += (states.empty() ? ": " : ", ") + std::to_string(n) + " " + sweep::stateName(state);
  std::string trials = std::to_string(page.in.trials.size());
  if (spec.limits.maxTrials > 0) trials += " of at most " + std::to_string(spec.limits.maxTrials);
  std::string best =
      "none yet: no completed trial has reported a finite " + htmlEscape(spec.metric.name);
  if (page.best) {
    const Row* row = nullptr;
    for (const auto& r : page.rows)
      if (r.isBest) row = &r;
    best = "trial " + std::to_string(page.best->trial) + ": " + htmlEscape(spec.metric.name) + " " +
           valueText(page.best->value) + " (its last point, as cohort-sweep best ranks)";
    for (const auto& p : spec.space)
      best += "<br>" + htmlEscape(p.name) + " = " + htmlEscape(paramText(*row->trial, p.name));
  }
  return "<table class=\"facts\">\n" +
         fact("Metric",
              htmlEscape(spec.metric.name) + " (" + sweep::goalName(spec.metric.goal) + ")") +
         fact("Sampler", htmlEscape(settingsText(json["sampler"]))) +
         fact("Policy", htmlEscape(settingsText(json["policy"]))) +
         fact("Trials", trials + htmlEscape(states)) + fact("Best trial", best) +
         fact("Generated", timeText(page.in.generated)) + "</table>\n";
}

std::string tableHtml(const Page& page) {
  const auto& spec = page.in.spec;
  std::string out = "<table class=\"trials\">\n<thead><tr><th>trial</th><th>state</th>";
  for (const auto& p : spec.space) out += "<th>" + htmlEscape(p.name) + "</th>";
  out += "<th>best " + htmlEscape(spec.metric.name) +
         "</th><th>last step</th><th>duration</th><th>reason</th></tr></thead>\n<tbody>\n";
  for (const auto& r : page.rows) {
    const TrialRecord& t = *r.trial;
    const bool points = r.series && !r.series->points.empty();
    out += "<tr data-trial=\"" + std::to_string(t.id) + "\"" + (r.isBest ? " class=\"best\"" : "") +
           "><td><span class=\"swatch\" style=\"background:" + r.color + "\"></span>" +
           std::to_string(t.id) + "</td><td>" + sweep::stateName(t.state) + "</td>";
    for (const auto& p : spec.space) out += "<td>" + htmlEscape(paramText(t, p.name)) + "</td>";
    out += "<td class=\"num\">" + valueText(r.best) + "</td><td class=\"num\">" +
           (points ? std::to_string(r.series->points.back().step) : "-") +
           "</td><td class=\"num\">" + durationText(t) + "</td><td class=\"reason\">" +
           htmlEscape(t.reason) + "</td></tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string curveSvg(const Row& r, const Scale& x, const Scale& y) {
  if (!r.series) return "";
  std::vector<std::pair<double, double>> points;
  const sweep::MetricPoint* last = nullptr;  // the last finite point
  for (const auto& p : r.series->points) {
    points.emplace_back(static_cast<double>(p.step), p.value);
    if (std::isfinite(p.value)) last = &p;
  }
  if (!last) return "";
  const std::string id = std::to_string(r.trial->id);
  const std::string state = sweep::stateName(r.trial->state);
  std::string out = "<path class=\"curve\" data-trial=\"" + id + "\" data-state=\"" + state + "\"" +
                    (r.isBest ? " data-best=\"true\"" : "") + " stroke=\"" + r.color + "\" d=\"" +
                    pathData(points, x, y) + "\"><title>trial " + id + " (" + state + "): best " +
                    valueText(r.best) + "</title></path>\n";
  if (r.trial->state == TrialState::kCut) {
    const double cx = x.at(static_cast<double>(last->step)), cy = y.at(last->value);
    out += "<path class=\"cut-mark\" data-trial=\"" + id + "\" stroke=\"" + r.color + "\" d=\"M" +
           px(cx - 5) + " " + px(cy - 5) + " L" + px(cx + 5) + " " + px(cy + 5) + " M" +
           px(cx - 5) + " " + px(cy + 5) + " L" + px(cx + 5) + " " + px(cy - 5) +
           "\"><title>trial " + id + " cut at step " + std::to_string(last->step) +
           "</title></path>\n";
  }
  return out;
}

std::string curvesHtml(const Page& page) {
  const std::string name = page.in.spec.metric.name;
  std::vector<double> steps, values;
  for (const auto& r : page.rows) {
    if (!r.series) continue;
    for (const auto& p : r.series->points) {
      if (!std::isfinite(p.value)) continue;  // skipped, and breaks the line
      steps.push_back(static_cast<double>(p.step));
      values.push_back(p.value);
    }
  }
  if (values.empty())
    return "<p>No trial has reported a finite " + htmlEscape(name) + " yet.</p>\n";
  const Frame f;
  const Scale x = scaleFor(steps, false, true, f.x0(), f.x1());
  const Scale y = scaleFor(values, false, false, f.y0(), f.y1());
  std::string out = "<figure>\n" + svgOpen(f, name + " by step") +
                    axesSvg(f, ticksOf(x), ticksOf(y), "step", name);
  for (const bool best : {false, true}) {  // the best trial last, on top
    for (const auto& r : page.rows)
      if (r.isBest == best) out += curveSvg(r, x, y);
  }
  return out +
         "</svg>\n<figcaption>One line per trial (colours as in the table); dashed with a "
         "&#215; at its last point: cut by the policy; thick: the best trial.</figcaption>\n"
         "</figure>\n";
}

// A category's label on the axis: at most 14 bytes, cut between characters.
std::string shortLabel(const std::string& text) {
  if (text.size() <= 14) return text;
  size_t n = 12;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n) + "\u2026";
}

std::string scatterHtml(const Page& page, const sweep::Parameter& param) {
  const auto& d = param.distribution;
  const std::string metric = page.in.spec.metric.name;
  std::vector<const Row*> rows;
  std::vector<nlohmann::json> values;
  bool categorical = d.kind == sweep::Kind::kChoice;
  for (const auto& r : page.rows) {
    const auto it = r.trial->params.find(param.name);
    if (!std::isfinite(r.best) || it == r.trial->params.end()) continue;
    rows.push_back(&r);
    values.emplace_back(*it);
    if (!values.back().is_number()) categorical = true;  // not from this space: shown as text
  }
  const std::string caption = htmlEscape(param.name) + ": " + sweep::kindName(d.kind);
  if (rows.empty())
    return "<figure><figcaption>" + caption + ": no trial with a finite " + htmlEscape(metric) +
           " yet</figcaption></figure>\n";
  Frame f;
  f.width = 440;
  f.height = 300;
  std::vector<double> xs(rows.size(), kNaN), ys;
  std::vector<Tick> xTicks;
  bool log = false;
  if (categorical) {
    // The choice's values as written, then any other value a trial has.
    std::vector<nlohmann::json> categories;
    if (d.kind == sweep::Kind::kChoice) categories = d.values;
    for (const auto& v : values)
      if (std::find(categories.begin(), categories.end(), v) == categories.end())
        categories.push_back(v);
    std::vector<std::string> labels;
    for (const auto& c : categories) labels.push_back(shortLabel(sweep::argText(c)));
    const double slot = (f.x1() - f.x0()) / static_cast<double>(categories.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto at = std::find(categories.begin(), categories.end(), values[i]);
      // A small fixed offset per trial, so trials with one value do not hide each other.
      const double jitter = static_cast<double>(rows[i]->trial->id * 37 % 11 - 5) / 5;
      xs[i] = categoryAt(static_cast<size_t>(at - categories.begin()), categories.size(), f.x0(),
                         f.x1()) +
              jitter * std::min(slot * 0.25, 10.0);
    }
    xTicks = categoryTicks(labels, f.x0(), f.x1());
  } else {
    log = d.kind == sweep::Kind::kLogUniform || d.kind == sweep::Kind::kQLogUniform;
    const bool whole =
        d.kind == sweep::Kind::kRandInt || (d.kind == sweep::Kind::kQUniform && d.integralQ());
    std::vector<double> raw;
    for (const auto& v : values) raw.push_back(v.get<double>());
    const Scale x = scaleFor(raw, log, whole, f.x0(), f.x1());
    for (size_t i = 0; i < rows.size(); ++i)
      if (x.shows(raw[i])) xs[i] = x.at(raw[i]);  // a log axis cannot show 0
    xTicks = ticksOf(x);
  }
  for (const Row* r : rows) ys.push_back(r->best);
  const Scale y = scaleFor(ys, false, false, f.y0(), f.y1());
  std::string out =
      "<figure>\n" + svgOpen(f, param.name + " against " + metric) +
      axesSvg(f, xTicks, ticksOf(y), param.name + (log ? " (log scale)" : ""), "best " + metric);
  size_t hidden = 0;
  for (const bool best : {false, true}) {  // the best trial last, on top
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i]->isBest != best) continue;
      if (!std::isfinite(xs[i])) {
        ++hidden;
        continue;
      }
      const std::string id = std::to_string(rows[i]->trial->id);
      out += "<circle class=\"point\" data-trial=\"" + id + "\"" +
             (best ? " data-best=\"true\"" : "") + " cx=\"" + px(xs[i]) + "\" cy=\"" +
             px(y.at(ys[i])) + "\" r=\"" + (best ? "6" : "4.5") + "\" fill=\"" + rows[i]->color +
             "\"><title>trial " + id + ": " + htmlEscape(param.name) + " " +
             htmlEscape(sweep::argText(values[i])) + ", best " + htmlEscape(metric) + " " +
             valueText(ys[i]) + "</title></circle>\n";
    }
  }
  std::string note = caption;
  if (hidden > 0) note += "; " + std::to_string(hidden) + " trial(s) at 0 or below not shown";
  return out + "</svg>\n<figcaption>" + note + "</figcaption>\n</figure>\n";
}

}  // namespace

std::string reportHtml(const ReportInput& input) {
  Page page{input, bestOf(input), {}};
  page.rows = rowsOf(input, page.best);
  const std::string title = htmlEscape(input.title);
  const std::string metric = htmlEscape(input.spec.metric.name);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Sweep " +
      title + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n<h1>Sweep " + title +
      "</h1>\n" + summaryHtml(page) + "<h2>Trials</h2>\n" + tableHtml(page) + "<h2>" + metric +
      " by step</h2>\n" + curvesHtml(page) + "<h2>Parameters against the best " + metric +
      "</h2>\n<div class=\"scatters\">\n";
  for (const auto& p : input.spec.space) out += scatterHtml(page, p);
  out += "</div>\n";
  if (!input.spec.text.empty())
    out += "<details>\n<summary>The sweep file</summary>\n<pre>" + htmlEscape(input.spec.text) +
           "</pre>\n</details>\n";
  return out + "<footer>Written by cohort-sweep report, " + timeText(input.generated) +
         ".</footer>\n</body>\n</html>\n";
}

}  // namespace cohort::sweep_tool
