// Which code a run ran, for its lineage (run.json's "code"): the program's
// path and the sha256 of its file, taken when the run starts (so a rebuild
// later does not change the record), and, when the program or the working
// folder is inside a git work tree, its commit and whether it had
// uncommitted changes.
//   {"program": "/home/me/train", "sha256": "...",
//    "git": {"root": "/home/me/src", "commit": "3f2a...", "dirty": true}}
// "git" is null outside a work tree or without git; a program that cannot
// be read gets a null sha256 and a "note" saying why.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace cohort::launcher {

nlohmann::json codeIdentity(const std::string& program, const std::string& work_dir);

// The data sets the ranks' loaders noted in LOGS/inputs/ (see
// cohort/data/input_record.h), sorted by file name; [] when none.
nlohmann::json readInputs(const std::string& logs_dir);

}  // namespace cohort::launcher
