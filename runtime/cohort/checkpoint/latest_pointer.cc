#include "cohort/checkpoint/latest_pointer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "cohort/checkpoint/checkpoint_folder.h"
#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/log.h"

namespace cohort::checkpoint {

namespace {

const char* kLatest = "latest";
constexpr size_t kMaxLatestBytes = 4096;

// `text` fit for a message: at most 60 characters, control characters as '?'.
std::string printable(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 60))
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return text.size() > 60 ? out + "..." : out;
}

// What the regular file `latest` names, or why it names nothing ("" and `problem`).
std::string readPointer(const fs::path& latest, std::string* problem) {
  std::error_code error;
  const auto bytes = fs::file_size(latest, error);
  if (error) {
    *problem = "cannot be read (" + error.message() + ")";
    return "";
  }
  if (bytes > kMaxLatestBytes) {
    *problem = "is " + std::to_string(bytes) + " bytes, not a checkpoint folder's name";
    return "";
  }
  std::ifstream in(latest, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.eof() && !in) {
    *problem = "cannot be read (" + std::string(std::strerror(errno)) + ")";
    return "";
  }
  if (!text.empty() && text.back() == '\n') text.pop_back();
  int64_t step = 0;
  if (text.empty()) {
    *problem = "is empty";
  } else if (!parseStepFolderName(text, &step)) {
    *problem = "holds '" + printable(text) + "', which is not a checkpoint folder's name";
  } else {
    return text;
  }
  return "";
}

}  // namespace

void refuseLatestFolder(const fs::path& checkpoints_dir) {
  const fs::path latest = checkpoints_dir / kLatest;
  std::error_code error;
  if (!fs::is_directory(fs::symlink_status(latest, error))) return;
  if (::rmdir(latest.c_str()) == 0) {
    log::warn(latest.string() + " was an empty folder, where cohort keeps the file naming the " +
              "newest checkpoint; removed it");
    return;
  }
  throw Error(latest.string() +
                  " is a folder, where cohort keeps the text file naming the newest " +
                  "checkpoint (See Note [Latest pointer] in checkpoint/latest_pointer.h)",
              "move that folder out of " + checkpoints_dir.string() +
                  " (cohort writes `latest` itself), then run again");
}

std::string latestProblem(const fs::path& checkpoints_dir, const std::string& expected) {
  const fs::path latest = checkpoints_dir / kLatest;
  std::error_code error;
  const fs::file_status link = fs::symlink_status(latest, error);
  if (link.type() == fs::file_type::not_found) return expected.empty() ? "" : "is missing";
  if (error) return "cannot be read (" + error.message() + ")";
  if (fs::is_symlink(link)) {
    const fs::path target = fs::read_symlink(latest, error);
    return "is a symbolic link (to " + printable(target.string()) +
           "), not the text file cohort writes";
  }
  if (fs::is_directory(link)) return "is a folder";
  if (!fs::is_regular_file(link)) return "is not a regular file";
  std::string problem;
  const std::string named = readPointer(latest, &problem);
  if (named.empty()) return problem;
  if (expected.empty()) return "names " + named + ", but there is no sound checkpoint";
  if (named != expected) return "names " + named + ", not the newest sound checkpoint " + expected;
  return "";
}

void pointLatestAt(const fs::path& checkpoints_dir, const std::string& folder_name) {
  refuseLatestFolder(checkpoints_dir);
  const fs::path latest = checkpoints_dir / kLatest;
  const fs::path temp = checkpoints_dir / kLatestTempName;
  try {
    if (folder_name.empty()) {
      std::error_code error;
      fs::remove(latest, error);
      if (error) {
        throw Error("cannot remove " + latest.string() + ": " + error.message(),
                    "check that the outputs folder is writable");
      }
      fsyncPath(checkpoints_dir);
    } else {
      // A fixed temporary name, which the one writer replaces and
      // listCheckpoints reports as a leftover.
      std::error_code ignored;
      fs::remove(temp, ignored);
      std::string problem;
      if (!writeFileAtomically(latest.string(), folder_name + "\n", &problem,
                               {/*durable=*/true, temp.string()})) {
        throw Error(problem, "check that the outputs folder is writable and has free space");
      }
    }
  } catch (...) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
}

void repairLatest(const fs::path& checkpoints_dir, const std::string& expected) {
  refuseLatestFolder(checkpoints_dir);
  const std::string problem = latestProblem(checkpoints_dir, expected);
  if (problem.empty()) return;
  pointLatestAt(checkpoints_dir, expected);
  log::warn((checkpoints_dir / kLatest).string() + " " + problem +
            (expected.empty() ? "; removed it" : "; it now names " + expected));
}

}  // namespace cohort::checkpoint
