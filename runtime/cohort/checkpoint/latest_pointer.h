// The `latest` pointer of a checkpoints folder: what it names, and its repair.
//
// Note [Latest pointer]
// CHECKPOINTS/latest is a text file holding the name of the newest committed
// folder ("step-00000042\n"). The uploader (storage/uploader.cc) and the
// registry's lineage read it; resume does not (it takes the newest folder
// that passes its checksums, See Note [Checkpoint commit]). So resume makes
// `latest` agree with what it resumed: one that is missing, holds anything
// but a committed folder's name (garbage, "../../etc"), names another folder,
// or is a symbolic link (a loop included) is rewritten, and a warning says
// what it was. A folder named `latest` is never deleted unless it is empty
// (it may hold someone's files): it is an error naming it, at resume and
// before a save writes anything.
#pragma once

#include <filesystem>
#include <string>

namespace cohort::checkpoint {

// Removes CHECKPOINTS/latest if it is an empty folder (with a warning);
// throws cohort::Error naming it, and saying to move it away, if it is a
// folder with something in it.
void refuseLatestFolder(const std::filesystem::path& checkpoints_dir);

// What is wrong with CHECKPOINTS/latest when it should name the committed
// folder `expected` ("": there is none, so there should be no `latest`), as
// a phrase ("holds 'garbage', which is not a checkpoint folder's name"), or
// "" when it is right.
std::string latestProblem(const std::filesystem::path& checkpoints_dir,
                          const std::string& expected);

// What pointLatestAt writes aside and renames over `latest` (a leftover of
// a crash is removed with the unfinished checkpoints).
inline constexpr const char* kLatestTempName = ".latest.tmp";

// Replaces CHECKPOINTS/latest by a file naming `folder_name` (written aside
// as .latest.tmp, fsynced, renamed over, the folder fsynced), or removes it
// when `folder_name` is "". Throws cohort::Error when it cannot; leaves no
// .latest.tmp behind.
void pointLatestAt(const std::filesystem::path& checkpoints_dir, const std::string& folder_name);

// Makes CHECKPOINTS/latest name `expected` (see latestProblem), with a
// warning saying what it was when it did not; throws as refuseLatestFolder.
void repairLatest(const std::filesystem::path& checkpoints_dir, const std::string& expected);

}  // namespace cohort::checkpoint
