// The text of `cohortrun --help` around its list of options, which CLI11
// makes from the options' own descriptions (options.cc; See Note [Command
// lines]).
#pragma once

namespace cohort::launcher {

// Title, usage, what cohortrun does and where it runs.
const char* helpDescription();
// Examples, the ranks' environment, the logs folder and the exit statuses.
const char* helpFooter();

}  // namespace cohort::launcher
