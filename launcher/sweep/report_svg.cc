#include "sweep/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cohort::sweep_tool {
namespace {

constexpr int kLinearTicks = 5;  // about this many steps across a linear axis
constexpr int kMostLogTicks = 8;

std::string printed(const char* format, int precision, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, precision, value);
  return text;
}

// 1, 2 or 5 times a power of ten, near `raw`.
double niceStep(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double n = raw / magnitude;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * magnitude;
}

// A linear tick's label: as many decimals as the step needs, no more.
std::string linearLabel(double value, const Scale& s) {
  if (std::fabs(value) < s.step * 1e-6) return "0";
  const double largest = std::max(std::fabs(s.lo), std::fabs(s.hi));
  if (largest >= 1e9 || s.step < 1e-6) {
    const int digits =
        static_cast<int>(std::floor(std::log10(largest)) - std::floor(std::log10(s.step))) + 1;
    return printed("%.*g", std::clamp(digits, 1, 15), value);
  }
  const int decimals = static_cast<int>(-std::floor(std::log10(s.step) + 1e-9));
  return printed("%.*f", std::max(0, decimals), value);
}

}  // namespace

std::string htmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string px(double x) { return printed("%.*f", 1, x); }

double Scale::at(double value) const {
  const double t = log ? (std::log10(value) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                       : (value - lo) / (hi - lo);
  return from + t * (to - from);
}

bool Scale::shows(double value) const { return std::isfinite(value) && (!log || value > 0); }

Scale scaleFor(const std::vector<double>& values, bool log, bool whole, double from, double to) {
  Scale s;
  s.log = log;
  s.whole = whole;
  s.from = from;
  s.to = to;
  bool any = false;
  for (const double v : values) {
    if (!s.shows(v)) continue;
    s.lo = any ? std::min(s.lo, v) : v;
    s.hi = any ? std::max(s.hi, v) : v;
    any = true;
  }
  // See Note [Chart ranges].
  if (!any) {
    s.lo = log ? 1 : 0;
    s.hi = log ? 10 : 1;
  } else if (s.lo == s.hi && log) {
    s.lo /= 10;
    s.hi *= 10;
  } else if (s.lo == s.hi) {
    const double pad = s.lo == 0 ? 1 : std::fabs(s.lo) * 0.1;
    s.lo -= pad;
    s.hi += pad;
  }
  if (log) {
    s.lo = std::pow(10.0, std::floor(std::log10(s.lo) + 1e-9));
    s.hi = std::pow(10.0, std::ceil(std::log10(s.hi) - 1e-9));
    if (s.hi <= s.lo) s.hi = s.lo * 10;
    return s;
  }
  s.step = niceStep((s.hi - s.lo) / kLinearTicks);
  if (whole) s.step = std::max(1.0, s.step);
  s.lo = std::floor(s.lo / s.step + 1e-9) * s.step;
  s.hi = std::ceil(s.hi / s.step - 1e-9) * s.step;
  if (s.hi <= s.lo) s.hi = s.lo + s.step;
  return s;
}

std::vector<Tick> ticksOf(const Scale& s) {
  std::vector<Tick> out;
  if (s.log) {
    const int first = static_cast<int>(std::lround(std::log10(s.lo)));
    const int last = static_cast<int>(std::lround(std::log10(s.hi)));
    const int stride = std::max(1, (last - first + kMostLogTicks - 1) / kMostLogTicks);
    for (int k = first; k <= last; k += stride) {
      const double v = std::pow(10.0, k);
      out.push_back({s.at(v), printed("%.*g", 6, v)});
    }
    return out;
  }
  const long n = std::min(100L, std::lround((s.hi - s.lo) / s.step));
  for (long k = 0; k <= n; ++k) {
    const double v = s.lo + static_cast<double>(k) * s.step;
    out.push_back({s.at(v), linearLabel(v, s)});
  }
  return out;
}

double categoryAt(size_t index, size_t count, double from, double to) {
  return from + (static_cast<double>(index) + 0.5) * (to - from) / static_cast<double>(count);
}

std::vector<Tick> categoryTicks(const std::vector<std::string>& labels, double from, double to) {
  std::vector<Tick> out;
  for (size_t i = 0; i < labels.size(); ++i)
    out.push_back({categoryAt(i, labels.size(), from, to), labels[i]});
  return out;
}

std::string svgOpen(const Frame& f, const std::string& label) {
  return "<svg viewBox=\"0 0 " + px(f.width) + " " + px(f.height) + "\" width=\"" + px(f.width) +
         "\" height=\"" + px(f.height) + "\" role=\"img\" aria-label=\"" + htmlEscape(label) +
         "\">\n";
}

std::string axesSvg(const Frame& f, const std::vector<Tick>& x, const std::vector<Tick>& y,
                    const std::string& xName, const std::string& yName) {
  std::string out = "<g class=\"axes\">\n";
  out += "<rect class=\"plot\" x=\"" + px(f.x0()) + "\" y=\"" + px(f.y1()) + "\" width=\"" +
         px(f.x1() - f.x0()) + "\" height=\"" + px(f.y0() - f.y1()) + "\"/>\n";
  for (const auto& t : x) {
    out += "<line class=\"grid\" x1=\"" + px(t.at) + "\" x2=\"" + px(t.at) + "\" y1=\"" +
           px(f.y1()) + "\" y2=\"" + px(f.y0() + 4) + "\"/>";
    out += "<text class=\"tick\" x=\"" + px(t.at) + "\" y=\"" + px(f.y0() + 16) +
           "\" text-anchor=\"middle\">" + htmlEscape(t.label) + "</text>\n";
  }
  for (const auto& t : y) {
    out += "<line class=\"grid\" x1=\"" + px(f.x0() - 4) + "\" x2=\"" + px(f.x1()) + "\" y1=\"" +
           px(t.at) + "\" y2=\"" + px(t.at) + "\"/>";
    out += "<text class=\"tick\" x=\"" + px(f.x0() - 6) + "\" y=\"" + px(t.at + 4) +
           "\" text-anchor=\"end\">" + htmlEscape(t.label) + "</text>\n";
  }
  out += "<text class=\"name\" x=\"" + px((f.x0() + f.x1()) / 2) + "\" y=\"" + px(f.height - 6) +
         "\" text-anchor=\"middle\">" + htmlEscape(xName) + "</text>\n";
  out += "<text class=\"name\" text-anchor=\"middle\" transform=\"translate(14 " +
         px((f.y0() + f.y1()) / 2) + ") rotate(-90)\">" + htmlEscape(yName) + "</text>\n";
  return out + "</g>\n";
}

std::string pathData(const std::vector<std::pair<double, double>>& points, const Scale& x,
                     const Scale& y) {
  std::string d;
  size_t run = 0;  // points in the current piece of line
  for (const auto& [px_, py] : points) {
    if (!x.shows(px_) || !y.shows(py)) {
      if (run == 1) d += "h0";
      run = 0;
      continue;
    }
    d += (run == 0 ? (d.empty() ? "M" : " M") : " L") + px(x.at(px_)) + " " + px(y.at(py));
    ++run;
  }
  if (run == 1) d += "h0";
  return d;
}

const char* paletteColor(size_t index) {
  static const char* const kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return kColors[index % 10];
}

}  // namespace cohort::sweep_tool
