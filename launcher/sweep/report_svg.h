// The pieces of the report's inline SVG charts (report_html.h): escaping,
// scales, ticks, axes and line paths. Text only: no fonts, images or
// scripts by URL, so the page opens where nothing can be fetched.
//
// Note [Chart ranges]: a scale shows the finite values it is given (the
// positive ones on a log scale) and ends on a tick: linear ranges widen to
// multiples of a 1, 2 or 5 step, log ranges to whole decades. No value
// shows as [0, 1]; one value, or many equal ones, as that value +- 10%
// (+-1 for 0; a decade either side on a log scale), so a lone point sits
// in the middle of its chart rather than on an edge or at a division by 0.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cohort::sweep_tool {

// `text` for HTML and SVG, text or attribute: & < > " ' as entities.
std::string htmlEscape(const std::string& text);

// A pixel coordinate: one decimal.
std::string px(double x);

// Maps data to pixels along one axis.
struct Scale {
  double lo = 0, hi = 1;  // the data shown (log: the values, not their logs)
  bool log = false;
  bool whole = false;       // ticks at whole numbers only (steps)
  double from = 0, to = 1;  // lo maps to `from`, hi to `to`
  double step = 0.2;        // linear: the tick step

  double at(double value) const;
  // Whether `value` can be placed (finite; positive on a log scale).
  bool shows(double value) const;
};

// The scale for `values` onto [from, to] (See Note [Chart ranges]).
Scale scaleFor(const std::vector<double>& values, bool log, bool whole, double from, double to);

struct Tick {
  double at = 0;  // pixels
  std::string label;
};

std::vector<Tick> ticksOf(const Scale& scale);
// `labels` evenly spaced on [from, to], each in the middle of its slot.
std::vector<Tick> categoryTicks(const std::vector<std::string>& labels, double from, double to);
double categoryAt(size_t index, size_t count, double from, double to);

// A chart's size and the plot area inside its margins, in pixels.
struct Frame {
  double width = 900, height = 420;
  double left = 64, right = 16, top = 12, bottom = 44;

  double x0() const { return left; }
  double x1() const { return width - right; }
  double y0() const { return height - bottom; }  // the bottom: y grows upwards
  double y1() const { return top; }
};

// The opening <svg> tag, sized to scale with the page.
std::string svgOpen(const Frame& frame, const std::string& label);

// The plot area's box, grid lines, tick marks and labels, and the axis names.
std::string axesSvg(const Frame& frame, const std::vector<Tick>& x, const std::vector<Tick>& y,
                    const std::string& xName, const std::string& yName);

// The `d` of a path through `points` (data coordinates): a point the
// scales cannot show breaks the line; a lone point is a dot (round caps).
std::string pathData(const std::vector<std::pair<double, double>>& points, const Scale& x,
                     const Scale& y);

// Colour `index` of a fixed palette of ten, as #rrggbb.
const char* paletteColor(size_t index);

}  // namespace cohort::sweep_tool
