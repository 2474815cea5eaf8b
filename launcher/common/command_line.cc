#include "common/command_line.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/number.h"

namespace cohort::cli {

// The help of every tool and command: description, arguments, options,
// commands, footer; no CLI11 usage line (the description has the tool's own)
// and no "[OPTIONS]" badges. A command is listed with its summary, and its own
// help starts with its description.
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() {
    column_width(28);
    label("Positionals", "Arguments");
  }
  void describe(const CLI::App* app, std::string description) {
    descriptions_[app] = std::move(description);
  }
  std::string make_description(const CLI::App* app) const override {
    const auto found = descriptions_.find(app);
    const std::string text = found != descriptions_.end() ? found->second : app->get_description();
    return text.empty() ? "" : text + "\n";
  }
  std::string make_usage(const CLI::App*, std::string) const override { return ""; }
  // "--dry-run", not the "--dry-run{given-alone}" of flag().
  std::string make_option_name(const CLI::Option* option, bool positional) const override {
    std::string name = CLI::Formatter::make_option_name(option, positional);
    for (size_t open; (open = name.find('{')) != std::string::npos;) {
      name.erase(open, name.find('}', open) - open + 1);
    }
    return name;
  }

 private:
  std::map<const CLI::App*, std::string> descriptions_;
};

namespace {

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
    : tool_(std::move(tool)),
      own_app_(std::make_unique<CLI::App>(description, tool_)),
      app_(own_app_.get()),
      formatter_(std::make_shared<HelpFormatter>()) {
  app_->set_help_flag();  // -h/--help is an ordinary flag (helpFlag): the tool decides what it does
  app_->formatter(formatter_);
  app_->footer(footer);
  app_->allow_extras();  // unknown options and stray arguments are ours to report (parse)
}

CommandLine::CommandLine(CommandLine& parent, const std::string& name, const std::string& summary,
                         const std::string& description, const std::string& footer,
                         std::string usage)
    : tool_(parent.tool_ + " " + name),
      usage_(std::move(usage)),
      app_(parent.app_->add_subcommand(name, summary)),
      formatter_(parent.formatter_),
      unknown_hint_(parent.unknown_hint_),
      help_requested_(parent.help_requested_) {
  formatter_->describe(app_, description);
  app_->footer(footer);
  app_->group("Commands");
  app_->allow_extras();
  if (help_requested_) {
    bool* requested = help_requested_;
    flag("-h,--help", "print this help and exit", [this, requested] {
      *requested = true;
      command_help_ = true;
    });
  }
}

CommandLine::~CommandLine() = default;

CommandLine& CommandLine::command(const std::string& name, const std::string& summary,
                                  const std::string& usage, const std::string& details,
                                  const std::string& footer) {
  app_->fallthrough();             // the tool's options also after the command
  app_->require_subcommand(0, 1);  // one command at most: a second name is a stray argument
  const std::string description = tool_ + " " + name + ": " + summary + "\n\nusage: " + usage +
                                  (details.empty() ? "" : "\n\n" + details);
  commands_.push_back(std::unique_ptr<CommandLine>(
      new CommandLine(*this, name, summary, description, footer, usage)));
  return *commands_.back();
}

const CommandLine* CommandLine::chosen() const {
  for (const auto& c : commands_) {
    if (c->app_->parsed()) return c.get();
  }
  return nullptr;
}

std::string CommandLine::chosenCommand() const {
  const CommandLine* c = chosen();
  return c ? c->app_->get_name() : "";
}

void CommandLine::argument(const std::string& name, const std::string& description, bool required,
                           std::function<void(const std::string& value)> apply) {
  CLI::callback_t callback = [apply](const CLI::results_t& results) {
    apply(results.empty() ? std::string() : results.back());
    return true;
  };
  CLI::Option* option = app_->add_option(name, callback, description)->trigger_on_parse();
  if (required) required_.emplace_back(name, option);
}

void CommandLine::value(const std::string& names, const std::string& value_name,
                        const std::string& description, ApplyValue apply) {
  const std::string name = mainName(names);
  CLI::callback_t callback = [name, apply](const CLI::results_t& results) {
    apply(name, results.empty() ? std::string() : results.back());
    return true;
  };
  app_->add_option(names, callback, description)
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
  app_->add_flag(with_defaults, text)
      ->trigger_on_parse()
      ->each([this, name, apply](const std::string& value) {
        if (value != kAlone) fail(name + " takes no value", "write " + name + " alone");
        apply();
      });
}

void CommandLine::helpFlag(bool* requested) {
  help_requested_ = requested;
  flag("-h,--help", "print this help and exit", [requested] { *requested = true; });
}

std::string CommandLine::help() const {
  const CommandLine* c = chosen();
  const CLI::App* app = c && c->command_help_ ? c->app_ : app_;
  return formatter_->make_help(app, app->get_name(), CLI::AppFormatMode::Normal);
}

void CommandLine::fail(const std::string& what, const std::string& hint) const {
  const std::string see = tool_ + " --help lists every option";
  throw ConfigError(what, hint.empty() ? see : hint + " (" + see + ")");
}

std::vector<std::string> CommandLine::optionNames() const {
  std::vector<std::string> names;
  std::vector<const CLI::App*> apps = {app_};
  if (const CommandLine* c = chosen()) apps.push_back(c->app_);  // and the tool's own
  for (const CLI::App* app : apps) {
    for (const CLI::Option* option : app->get_options()) {
      for (const auto& l : option->get_lnames()) names.push_back("--" + l);
      for (const auto& s : option->get_snames()) names.push_back("-" + s);
    }
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
  app_->prefix_command(takes_program_);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
  try {
    app_->parse(reversed);
  } catch (const CLI::ArgumentMismatch& e) {
    // The one way left to get it: a value option last, without its value
    // ("--nodes: 1 required ... missing").
    const std::string message = e.what();
    const std::string name = message.substr(0, message.find(':'));
    const CLI::Option* option = app_->get_option_no_throw(name);
    const CommandLine* c = chosen();
    if (!option && c) option = c->app_->get_option_no_throw(name);
    const std::string value =
        option && !option->get_option_text().empty() ? option->get_option_text() : "VALUE";
    fail(name + " needs a value", "write e.g. " + name + " " + value);
  } catch (const CLI::ParseError& e) {
    fail(e.what(), "");
  }
  const CommandLine* command = chosen();
  const CommandLine& at = command ? *command : *this;  // the one whose messages say what to write
  std::vector<std::string> rest = app_->remaining(true);
  // Unknown options are left in order before where the program begins.
  if (!rest.empty() && rest[0] != "--" && !rest[0].empty() && rest[0][0] == '-')
    at.unknownOption(rest[0]);
  if (!commands_.empty() && !command && !rest.empty()) {
    std::string names;
    for (const auto& c : commands_) names += (names.empty() ? "" : ", ") + c->app_->get_name();
    fail("unknown command '" + rest[0] + "'", "write one of: " + names);
  }
  if (!takes_program_) {
    if (!rest.empty()) at.fail("unexpected argument '" + rest[0] + "'", "");
    if (help_requested_ && *help_requested_) return {};
    if (!commands_.empty() && !command) {
      std::string names;
      for (const auto& c : commands_) names += (names.empty() ? "" : ", ") + c->app_->get_name();
      fail("no command", "write " + tool_ + " COMMAND, with one of: " + names);
    }
    at.checkArguments();
    return {};
  }
  if (!rest.empty() && rest[0] == "--") rest.erase(rest.begin());
  return rest;
}

void CommandLine::checkArguments() const {
  for (const auto& [name, option] : required_) {
    if (option->count() == 0)
      fail(tool_ + " needs " + name, usage_.empty() ? "" : "write " + usage_);
  }
}

int64_t CommandLine::count(const std::string& option, const std::string& text, int64_t least,
                           int64_t most) const {
  std::string problem;
  if (const auto n = readWhole(text, least, most, &problem)) return *n;
  fail(option + " " + problem,
       "write e.g. " + option + " " + std::to_string(std::clamp<int64_t>(2, least, most)));
}

double CommandLine::number(const std::string& option, const std::string& text, double above,
                           double most) const {
  std::string problem;
  if (const auto x = readReal(text, above, most, &problem, /*above_least=*/true)) return *x;
  fail(option + " " + problem, "");
}

double CommandLine::nonNegative(const std::string& option, const std::string& text,
                                double most) const {
  std::string problem;
  if (const auto x = readReal(text, 0, most, &problem)) return *x;
  fail(option + " " + problem, "");
}

}  // namespace cohort::cli
