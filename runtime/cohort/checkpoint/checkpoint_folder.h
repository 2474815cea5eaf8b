// The on-disk layout of checkpoints and how one is committed.
//
// Note [Checkpoint commit]
// OUTPUTS/checkpoints/ holds committed folders step-NNNNNNNN/ (the step, eight
// digits or more) and a text file `latest` naming the newest. A checkpoint is
// written into .step-NNNNNNNN.tmp/; each file is hashed (XXH3-128) and
// fsynced as it is finished; checksums.json (each file's size and digest) is
// written and fsynced, then the folder itself; the folder is renamed to
// step-NNNNNNNN and the parent fsynced; last, `latest` is replaced by writing
// .latest.tmp, fsyncing it, renaming it over `latest` and fsyncing the parent
// (See Note [Latest pointer] in latest_pointer.h).
// A crash at any point leaves either the old state or the new one: a
// dot-named folder is never read (and removed on the next start), and a
// committed folder is used only if every file still matches checksums.json,
// so a truncated or bit-flipped file sends resume to the checkpoint before.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace cohort::checkpoint {

namespace fs = std::filesystem;

// "step-00000042".
std::string stepFolderName(int64_t step);
// The step of a committed folder's name, or false for any other name.
bool parseStepFolderName(const std::string& name, int64_t* step);

// Writes `text` to `path` (replacing it) and forces it to disk. Throws
// cohort::Error naming the file and the system's reason on failure.
void writeTextFile(const fs::path& path, const std::string& text);

// Forces a file's or folder's entry to disk; renames `from` to `to`. Both
// throw cohort::Error naming the path and the system's reason.
void fsyncPath(const fs::path& path);
void renamePath(const fs::path& from, const fs::path& to);

// Hashes a finished file and forces it to disk; returns its XXH3-128 digest.
// Throws cohort::Error (naming the file and the system's reason) on failure.
std::string sealFile(const fs::path& file, int64_t* bytes);

// A checkpoint being written. Destroying it before commit() removes what was
// written (a failed save leaves nothing behind).
class PendingCheckpoint {
 public:
  // Creates CHECKPOINTS/.step-NNNNNNNN.tmp/ (and CHECKPOINTS), replacing a
  // leftover of the same name. Throws cohort::Error when it cannot, or when
  // CHECKPOINTS/latest is a folder that commit() could not replace
  // (refuseLatestFolder), before anything is written.
  PendingCheckpoint(fs::path checkpoints_dir, int64_t step);
  ~PendingCheckpoint();
  PendingCheckpoint(const PendingCheckpoint&) = delete;
  PendingCheckpoint& operator=(const PendingCheckpoint&) = delete;

  // Where to write the file `name` of the checkpoint.
  fs::path path(const std::string& name) const { return temp_ / name; }
  // Seals the finished file `name` (see sealFile) and records its digest.
  void seal(const std::string& name);
  // Commits (see Note [Checkpoint commit]) and returns the committed folder.
  // A committed folder of the same step is replaced.
  fs::path commit();

 private:
  struct Sealed {
    int64_t bytes;
    std::string digest;
  };
  fs::path dir_;
  fs::path temp_;
  int64_t step_;
  std::map<std::string, Sealed> files_;
  bool committed_ = false;
};

// Why the committed folder cannot be used -- a file missing, truncated or
// changed, or checksums.json unreadable -- or "" when every file matches.
std::string verifyCheckpoint(const fs::path& folder);

struct CommittedCheckpoint {
  int64_t step;
  fs::path folder;
};
// The committed folders in CHECKPOINTS, newest step first (none if the folder
// does not exist). An entry whose type cannot be read (a symbolic link that
// loops or dangles) is skipped, and added to `unreadable` (if given) as
// "PATH: the system's reason".
std::vector<CommittedCheckpoint> listCheckpoints(const fs::path& checkpoints_dir,
                                                 std::vector<std::string>* unreadable = nullptr);

// Removes the dot-named leftovers of writes a crash interrupted (unfinished
// step folders and .latest.tmp); returns their names.
std::vector<std::string> removeUnfinished(const fs::path& checkpoints_dir);

// Throws, naming it, when `checkpoints_dir` exists but cannot be the
// checkpoint folder: a file, or a path that cannot be resolved (a symbolic
// link loop). A folder that does not exist yet is fine.
void refuseUnusableFolder(const fs::path& checkpoints_dir);

}  // namespace cohort::checkpoint
