#include "command_line.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cohort/core/env.h"
#include "cohort/core/error.h"

namespace cohort::cli {

namespace {

// The help of every tool: description, options, footer; no CLI11 usage line
// (the description has the tool's own) and no "[OPTIONS]" badges.
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() { column_width(28); }
  std::string make_usage(const CLI::App*, std::string) const override { return ""; }
  // "--dry-run", not the "--dry-run{given-alone}" of flag().
  std::string make_option_name(const CLI::Option* option, bool positional) const override {
    std::string name = CLI::Formatter::make_option_name(option, positional);
    for (size_t open; (open = name.find('{')) != std::string::npos;) {
      name.erase(open, name.find('}', open) - open + 1);
    }
    return name;
  }
};

// The long name of `names` ("-h,--help" -> "--help"), else its first.
std::string mainName(const std::string& names) {
  std::string first;
  size_t start = 0;
  while (start <= names.size()) {
    size_t comma = names.find(',', start);
    if (comma == std::string::npos) comma = names.size();
    const std::string name = names.substr(start, comma - start);
    if (name.rfind("--", 0) == 0) return name;
    if (first.empty()) first = name;
    start = comma + 1;
  }
  return first;
}

}  // namespace

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

CommandLine::CommandLine(std::string tool, const std::string& description,
                         const std::string& footer)
    : tool_(std::move(tool)), app_(description, tool_) {
  app_.set_help_flag();  // -h/--help is an ordinary flag (helpFlag): the tool decides what it does
  app_.formatter(std::make_shared<HelpFormatter>());
  app_.footer(footer);
  app_.allow_extras();  // unknown options and stray arguments are ours to report (parse)
}

void CommandLine::value(const std::string& names, const std::string& value_name,
                        const std::string& description, ApplyValue apply) {
  const std::string name = mainName(names);
  CLI::callback_t callback = [name, apply](const CLI::results_t& results) {
    apply(name, results.empty() ? std::string() : results.back());
    return true;
  };
  app_.add_option(names, callback, description)
      ->option_text(value_name)
      ->trigger_on_parse();  // applied where it appears, once per time it appears
}

void CommandLine::flag(const std::string& names, const std::string& description,
                       std::function<void()> apply) {
  // A flag given alone hands on this default value ("--dry-run{...}" in
  // CLI11's syntax), and --flag=VALUE hands on VALUE, which is refused.
  static const std::string kAlone = "given-alone";
  std::string with_defaults;
  size_t start = 0;
  while (start <= names.size()) {
    size_t comma = names.find(',', start);
    if (comma == std::string::npos) comma = names.size();
    with_defaults += (with_defaults.empty() ? "" : ",") + names.substr(start, comma - start) + "{" +
                     kAlone + "}";
    start = comma + 1;
  }
  const std::string name = mainName(names);
  const std::string text = description;
  app_.add_flag(with_defaults, text)
      ->trigger_on_parse()
      ->each([this, name, apply](const std::string& value) {
        if (value != kAlone) fail(name + " takes no value", "write " + name + " alone");
        apply();
      });
}

void CommandLine::helpFlag(bool* requested) {
  flag("-h,--help", "print this help and exit", [requested] { *requested = true; });
}

std::string CommandLine::help() const { return app_.help(); }

void CommandLine::fail(const std::string& what, const std::string& hint) const {
  const std::string see = tool_ + " --help lists every option";
  throw ConfigError(what, hint.empty() ? see : hint + " (" + see + ")");
}

std::vector<std::string> CommandLine::optionNames() const {
  std::vector<std::string> names;
  for (const CLI::Option* option : app_.get_options()) {
    for (const auto& l : option->get_lnames()) names.push_back("--" + l);
    for (const auto& s : option->get_snames()) names.push_back("-" + s);
  }
  return names;
}

void CommandLine::unknownOption(const std::string& argument) const {
  const std::string name = argument.substr(0, argument.find('='));
  const std::string what = "unknown option '" + name + "'";
  std::string nearest;
  size_t nearest_distance = 3;  // further than two edits is not a typo
  for (const auto& known : optionNames()) {
    const size_t d = editDistance(name, known);
    if (d < nearest_distance) {
      nearest = known;
      nearest_distance = d;
    }
  }
  if (unknown_hint_) fail(what, unknown_hint_(name, nearest));
  fail(what, nearest.empty() ? "" : "did you mean " + nearest + "?");
}

std::vector<std::string> CommandLine::parse(const std::vector<std::string>& args) {
  app_.prefix_command(takes_program_);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
  try {
    app_.parse(reversed);
  } catch (const CLI::ArgumentMismatch& e) {
    // The one way left to get it: a value option last, without its value
    // ("--nodes: 1 required ... missing").
    const std::string message = e.what();
    const std::string name = message.substr(0, message.find(':'));
    const CLI::Option* option = app_.get_option_no_throw(name);
    const std::string value =
        option && !option->get_option_text().empty() ? option->get_option_text() : "VALUE";
    fail(name + " needs a value", "write e.g. " + name + " " + value);
  } catch (const CLI::ParseError& e) {
    fail(e.what(), "");
  }
  std::vector<std::string> rest = app_.remaining();
  // Unknown options are left in order before where the program begins.
  if (!rest.empty() && rest[0] != "--" && !rest[0].empty() && rest[0][0] == '-')
    unknownOption(rest[0]);
  if (!takes_program_) {
    if (!rest.empty()) fail("unexpected argument '" + rest[0] + "'", "");
    return {};
  }
  if (!rest.empty() && rest[0] == "--") rest.erase(rest.begin());
  return rest;
}

int64_t CommandLine::count(const std::string& option, const std::string& text, int64_t least,
                           int64_t most) const {
  const auto n = parseInteger(text);
  if (n && *n >= least && *n <= most) return *n;
  if (n && *n > most) {
    fail(option + " '" + text + "' is more than " + std::to_string(most),
         "write e.g. " + option + " " + std::to_string(std::max<int64_t>(least, 2)));
  }
  fail(option + " '" + text + "' is not a whole number" +
           (least > 0 ? " of at least " + std::to_string(least) : ""),
       "write e.g. " + option + " " + std::to_string(std::max<int64_t>(least, 2)));
}

double CommandLine::number(const std::string& option, const std::string& text, double above,
                           double most) const {
  const auto x = parseNonNegative(text);
  if (x && *x > above && *x <= most) return *x;
  char most_text[32];
  std::snprintf(most_text, sizeof most_text, "%.15g", most);
  char above_text[32];
  std::snprintf(above_text, sizeof above_text, "%.15g", above);
  const std::string range = (above == 0 ? std::string("a positive number")
                                        : "a number above " + std::string(above_text)) +
                            " of at most " + most_text;
  fail(option + " takes " + range + ", not '" + text + "'", "");
}

}  // namespace cohort::cli
