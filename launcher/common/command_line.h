// Note [Command lines]: cohort's tools (cohortrun, its rank agent,
// cohort-pack, cohort-upload, cohort-model, cohort-sweep) read their command
// lines with CLI11, through CommandLine, so they follow the same conventions:
//   - -h/--help prints the help to standard output and the tool exits 0
//     before it touches anything; the help is the tool's description (a
//     title, a "usage:" line, what it does), its options as CLI11 lists them
//     (each option is described once, where it is defined) and a footer with
//     examples. A tool with commands (cohort-model register, cohort-sweep
//     run) lists them, and `TOOL COMMAND --help` is the command's own help in
//     the same form;
//   - a value follows its option or an '=' (--nodes 2, --nodes=2) and may
//     start with '-' (--engine-option --mca); a flag takes no value;
//   - every mistake is a ConfigError that says what is wrong and what to
//     write instead, ending "(TOOL --help lists every option)"; an unknown
//     option gets the tool's own hint (cohortrun knows what other launchers'
//     options are called here), else the nearest option's name;
//   - numbers are range-checked (count(), number(), nonNegative()), the
//     error naming the option and the range;
//   - runTool (run_tool.h) prints the error and picks the exit status, 2 for
//     a bad command line in every tool.
// Values are applied by callbacks in the order they appear.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cohort::cli {

class HelpFormatter;

class CommandLine {
 public:
  // The hint for an unknown option `name`; `nearest` is the known option
  // within two edits of it, or "".
  using UnknownHint =
      std::function<std::string(const std::string& name, const std::string& nearest)>;
  using ApplyValue = std::function<void(const std::string& option, const std::string& value)>;

  // `description` is the help before the options (title, usage, what it
  // does), `footer` the help after them (examples, environment).
  CommandLine(std::string tool, const std::string& description, const std::string& footer);
  ~CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // An option with a value; `names` as CLI11 takes them ("--nodes", "-n,--nodes"),
  // `value_name` shown in the help ("N", "DIR").
  void value(const std::string& names, const std::string& value_name,
             const std::string& description, ApplyValue apply);
  // A flag (no value).
  void flag(const std::string& names, const std::string& description, std::function<void()> apply);
  // An argument without an option name ("NAME", "DIR"), taken in the order
  // defined; a `required` one that is missing is an error naming it.
  void argument(const std::string& name, const std::string& description, bool required,
                std::function<void(const std::string& value)> apply);
  // -h/--help: a flag that sets *requested (and the same flag of every
  // command defined after it).
  void helpFlag(bool* requested);

  // A command of a tool that has several (cohort-model register, cohort-sweep
  // run): a CommandLine of its own, named "TOOL NAME" in its messages, listed
  // with `summary` in the tool's help. Its help is "TOOL NAME: summary",
  // "usage: USAGE", `details` (if any), its options and arguments, and
  // `footer`. The tool's own options (value() and flag() of this one) may
  // stand before or after the command. Define the tool's options first.
  CommandLine& command(const std::string& name, const std::string& summary,
                       const std::string& usage, const std::string& details,
                       const std::string& footer);
  // After parse(): the command given ("" if none).
  std::string chosenCommand() const;

  // What to say about an unknown option (default: "did you mean NEAREST?").
  void onUnknownOption(UnknownHint hint) { unknown_hint_ = std::move(hint); }
  // Arguments that are not options start a program (cohortrun's PROGRAM
  // ARGS...): parse() returns them and everything after, untouched.
  // Without this, such an argument is an error.
  void takesProgram() { takes_program_ = true; }

  // Parses `args` (argv without argv[0]), applying every value. Returns the
  // program and its arguments (after the first "--", or from the first
  // argument that is not an option), or {} for tools without one. With
  // commands, a missing or unknown command is an error, unless --help was
  // given.
  std::vector<std::string> parse(const std::vector<std::string>& args);

  // The help to print: the tool's, or the command's after `TOOL COMMAND --help`.
  std::string help() const;
  const std::string& tool() const { return tool_; }

  // A ConfigError about the command line: `what`, and `hint` with "(TOOL
  // --help lists every option)" after it.
  [[noreturn]] void fail(const std::string& what, const std::string& hint) const;

  // `text` as a whole number in [least, most], else fail() naming `option`.
  int64_t count(const std::string& option, const std::string& text, int64_t least,
                int64_t most) const;
  // `text` as a number above `above` and at most `most`, else fail().
  double number(const std::string& option, const std::string& text, double above,
                double most) const;
  // `text` as a number from 0 to `most`, else fail().
  double nonNegative(const std::string& option, const std::string& text, double most) const;

 private:
  CommandLine(CommandLine& parent, const std::string& name, const std::string& summary,
              const std::string& description, const std::string& footer, std::string usage);
  [[noreturn]] void unknownOption(const std::string& argument) const;
  std::vector<std::string> optionNames() const;
  const CommandLine* chosen() const;
  void checkArguments() const;

  std::string tool_;                   // "cohort-model", or "cohort-model register" for a command
  std::string usage_;                  // a command's usage line, for a missing argument's hint
  std::unique_ptr<CLI::App> own_app_;  // the tool's (a command's App belongs to the tool's)
  CLI::App* app_;
  std::shared_ptr<HelpFormatter> formatter_;
  std::vector<std::unique_ptr<CommandLine>> commands_;
  std::vector<std::pair<std::string, const CLI::Option*>> required_;  // arguments
  UnknownHint unknown_hint_;
  bool* help_requested_ = nullptr;
  bool command_help_ = false;  // a command's own --help was given
  bool takes_program_ = false;
};

// Levenshtein distance, for "did you mean".
size_t editDistance(const std::string& a, const std::string& b);

}  // namespace cohort::cli
