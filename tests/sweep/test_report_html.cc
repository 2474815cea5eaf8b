// The HTML report (launcher/sweep/report_html.h) of a real sweep store in a
// temporary folder: it fetches nothing, escapes a parameter value written
// with <>&"', draws one curve per trial with a point and marks the cut
// trial; one point, equal values and NaN draw without NaN coordinates. Then,
// where Debian's chromium is on PATH, a headless Chromium renders it: the
// screenshot is a 1200x2000 PNG larger than an empty page's, and its DOM
// holds the curves.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "cohort/sweep/store.h"
#include "cohort/sweep/sweep_file.h"
#include "sweep/report_html.h"
#include "sweep/report_svg.h"
#include "sweep/sweep_folder.h"

namespace cohort::sweep_tool {
namespace {

namespace fs = std::filesystem;
using sweep::TrialState;

const char* const kText = "<b>&\"x'";
const char* const kEscaped = "&lt;b&gt;&amp;&quot;x&#39;";

const char* const kSweep = R"(program: ./train
metric: {name: accuracy, goal: maximize}
space:
  lr: {type: loguniform, low: 1e-4, high: 1e-1}
  batch: {type: choice, values: [32, 64, 128]}
  tag: {type: choice, values: [plain, '<b>&"x''']}
sampler: {type: random, seed: 3}
limits: {max_trials: 8}
policy: {type: bandit, slack_factor: 0.2}
)";

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A coordinate or size that printed as nan or inf.
bool hasBadNumber(const std::string& html) {
  static const std::regex bad(R"re(\s(d|cx|cy|x|y|x1|x2|y1|y2|width|height)="[^"]*(nan|inf))re",
                              std::regex::icase);
  return std::regex_search(html, bad);
}

bool onPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

class ReportHtmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cohort-sweep-report-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    folder_ = pattern;
  }
  void TearDown() override { fs::remove_all(folder_); }

  // Six trials: two completed (2 is best, with a NaN point), one cut, one
  // failed with no point, one running with one point, one queued.
  ReportInput sweepInput() {
    ReportInput in;
    in.title = "sweep-<1>";
    in.spec = sweep::parseSweep(kSweep, "sweep.yaml");
    sweep::Store store = sweep::Store::open(SweepFolder(folder_).store(), in.spec);
    const double nan = std::nan("");
    auto run = [&](sweep::Params params, const std::vector<sweep::MetricPoint>& points) {
      const int64_t id = store.addTrial(params);
      store.start(id, "job-" + std::to_string(id));
      if (!points.empty()) store.addMetrics(id, points);
      return id;
    };
    const int64_t a =
        run({{"lr", 0.001}, {"batch", 32}, {"tag", "plain"}}, {{1, 0.5}, {2, 0.7}, {3, 0.8}});
    const int64_t b = run({{"lr", 0.01}, {"batch", 64}, {"tag", kText}},
                          {{1, 0.5}, {2, nan}, {3, 0.85}, {4, 0.9}});
    const int64_t c = run({{"lr", 0.05}, {"batch", 128}, {"tag", "plain"}}, {{1, 0.3}, {2, 0.35}});
    const int64_t d = run({{"lr", 0.002}, {"batch", 32}, {"tag", kText}}, {});
    run({{"lr", 0.0002}, {"batch", 64}, {"tag", "plain"}}, {{1, 0.6}});
    store.addTrial({{"lr", 0.003}, {"batch", 128}, {"tag", "plain"}});
    store.finish(a, TrialState::kCompleted, 0, "");
    store.finish(b, TrialState::kCompleted, 0, "");
    store.finish(c, TrialState::kCut, 143, "bandit: 0.35 < 0.75 <script>alert(1)</script>");
    store.finish(d, TrialState::kFailed, 1, "exited 1 & wrote nothing");
    in.trials = store.trials();
    for (auto& s : store.series())
      if (!s.points.empty()) in.series.push_back(s);  // as a caller may: no empty series
    in.generated = 1.7e9;
    return in;
  }

  // Runs chromium headless on `page` with its own profile, HOME and time limit.
  int chromium(const std::string& flags, const std::string& page, const std::string& out) {
    const std::string home = folder_ + "/home";
    fs::create_directories(home);
    const std::string command = "HOME=" + home + " XDG_CONFIG_HOME=" + home +
                                "/config XDG_CACHE_HOME=" + home +
                                "/cache timeout -k 5 60 chromium --headless --no-sandbox "
                                "--disable-gpu --no-first-run --hide-scrollbars --user-data-dir=" +
                                folder_ + "/profile --window-size=1200,2000 " + flags + " file://" +
                                page + " >" + out + " 2>>" + folder_ + "/chromium.log";
    return std::system(command.c_str());
  }

  std::string folder_;
};

TEST_F(ReportHtmlTest, FetchesNothingEscapesTextAndDrawsEveryCurve) {
  const std::string html = reportHtml(sweepInput());
  for (const char* outside : {"http://", "https://", "src=", "href=", "url(", "@import", "<script",
                              "<link", "<img", "<iframe"})
    EXPECT_FALSE(has(html, outside)) << outside;
  EXPECT_FALSE(has(html, kText));
  EXPECT_TRUE(has(html, kEscaped));
  EXPECT_TRUE(has(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(has(html, "Sweep sweep-&lt;1&gt;"));
  // Curves for 1, 2, 3 and 5 (4 and 6 have no point); the cut trial marked.
  EXPECT_EQ(count(html, "class=\"curve\""), 4u);
  for (const char* id : {"1", "2", "3", "5"})
    EXPECT_TRUE(has(html, std::string("class=\"curve\" data-trial=\"") + id + "\"")) << id;
  EXPECT_EQ(count(html, "class=\"cut-mark\""), 1u);
  EXPECT_TRUE(has(html, "class=\"cut-mark\" data-trial=\"3\""));
  EXPECT_TRUE(has(html, "data-trial=\"3\" data-state=\"cut\""));
  EXPECT_TRUE(has(html, "data-trial=\"2\" data-state=\"completed\" data-best=\"true\""));
  // One point per trial with a finite best, in each of the three scatters.
  EXPECT_EQ(count(html, "class=\"point\""), 12u);
  EXPECT_TRUE(has(html, "lr (log scale)"));
  EXPECT_FALSE(hasBadNumber(html));
  // Summary and table.
  EXPECT_TRUE(has(html, "accuracy (maximize)"));
  EXPECT_TRUE(has(html, "1 queued, 1 running, 1 cut, 2 completed, 1 failed"));
  EXPECT_TRUE(has(html, "trial 2: accuracy 0.9"));
  EXPECT_TRUE(has(html, "<td>failed</td><td>0.002</td><td>32</td><td>" + std::string(kEscaped) +
                            "</td><td class=\"num\">-</td><td class=\"num\">-</td>"));
  EXPECT_TRUE(has(html, "<td class=\"num\">running</td>"));
}

TEST_F(ReportHtmlTest, OnePointEqualValuesAndNaNDrawWithoutNaN) {
  ReportInput in;
  in.spec = sweep::parseSweep(
      "program: ./p\nmetric: {name: loss, goal: minimize}\n"
      "space:\n  w: {type: randint, low: 1, high: 9}\n"
      "  d: {type: qloguniform, low: 0.001, high: 0.1, q: 0.001}\nlimits: {max_trials: 4}\n",
      "s.yaml");
  EXPECT_TRUE(has(reportHtml(in), "No trial has reported a finite loss yet."));
  const double nan = std::nan("");
  for (int64_t id = 1; id <= 3; ++id) {
    sweep::TrialRecord t;
    t.id = id;
    t.state = TrialState::kCompleted;
    t.params = {{"w", 3}, {"d", 0.002}};  // every trial the same x
    in.trials.push_back(t);
  }
  in.series = {{1, true, {{5, 0.25}}}, {2, true, {{1, 0.25}, {2, 0.25}}}, {3, true, {{1, nan}}}};
  const std::string html = reportHtml(in);
  EXPECT_EQ(count(html, "class=\"curve\""), 2u);  // 3 has no finite point
  EXPECT_EQ(count(html, "class=\"point\""), 4u);
  EXPECT_TRUE(has(html, "h0\""));  // the lone point is a dot
  EXPECT_FALSE(hasBadNumber(html));
  EXPECT_TRUE(has(html, "trial 1: loss 0.25"));  // ties: the first
}

TEST(ReportSvg, RangesEndOnTicksWithShortLabels) {
  const Scale one = scaleFor({0.3}, false, false, 0, 100);
  EXPECT_LT(one.lo, 0.3);
  EXPECT_GT(one.hi, 0.3);
  EXPECT_NEAR(one.at(0.3), 50, 1e-9);
  const Scale s = scaleFor({0.31, 0.79, std::nan("")}, false, false, 0, 100);
  EXPECT_DOUBLE_EQ(s.step, 0.1);
  std::vector<std::string> labels;
  for (const auto& t : ticksOf(s)) labels.push_back(t.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"0.3", "0.4", "0.5", "0.6", "0.7", "0.8"}));
  const Scale log = scaleFor({0.0002, 0.05, 0}, true, false, 0, 300);
  EXPECT_DOUBLE_EQ(log.lo, 1e-4);
  EXPECT_DOUBLE_EQ(log.hi, 0.1);
  EXPECT_EQ(ticksOf(log).size(), 4u);
  EXPECT_EQ(ticksOf(log).front().label, "0.0001");
  labels.clear();
  for (const auto& t : ticksOf(scaleFor({100, 1000}, false, true, 0, 100)))
    labels.push_back(t.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"0", "200", "400", "600", "800", "1000"}));
  EXPECT_EQ(scaleFor({7, 7}, false, true, 0, 1).step, 1);
  EXPECT_EQ(htmlEscape(kText), kEscaped);
}

TEST_F(ReportHtmlTest, RendersInHeadlessChromium) {
  if (!onPath("chromium") || !onPath("timeout"))
    GTEST_SKIP() << "chromium (Debian's /usr/bin/chromium) or timeout is not on PATH";
  const std::string page = SweepFolder(folder_).report(), empty = folder_ + "/empty.html";
  write(page, reportHtml(sweepInput()));
  write(empty, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body></body></html>");
  const std::string shot = folder_ + "/report.png", blank = folder_ + "/empty.png";
  ASSERT_EQ(chromium("--screenshot=" + shot, page, "/dev/null"), 0)
      << readAll(folder_ + "/chromium.log");
  ASSERT_EQ(chromium("--screenshot=" + blank, empty, "/dev/null"), 0);
  ASSERT_EQ(chromium("--dump-dom", page, folder_ + "/dom.html"), 0);
  for (const std::string& png : {shot, blank}) {
    const std::string bytes = readAll(png);
    ASSERT_GT(bytes.size(), 24u) << png;
    EXPECT_EQ(bytes.substr(0, 8), "\x89PNG\r\n\x1a\n") << png;
    // IHDR: width and height, big-endian, at bytes 16 and 20.
    auto word = [&](size_t at) {
      uint32_t v = 0;
      for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
      return v;
    };
    EXPECT_EQ(word(16), 1200u) << png;
    EXPECT_EQ(word(20), 2000u) << png;
  }
  const auto shotSize = fs::file_size(shot), blankSize = fs::file_size(blank);
  EXPECT_GT(shotSize, 20000u);
  EXPECT_GT(shotSize, 4 * blankSize) << shotSize << " bytes against an empty page's " << blankSize;
  const std::string dom = readAll(folder_ + "/dom.html");
  EXPECT_EQ(count(dom, "class=\"curve\""), 4u) << dom.substr(0, 400);
  EXPECT_EQ(count(dom, "class=\"cut-mark\""), 1u);
  EXPECT_EQ(count(dom, "class=\"point\""), 12u);
  EXPECT_FALSE(has(dom, kText));
}

}  // namespace
}  // namespace cohort::sweep_tool
