#include "cohortrun/code_identity.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "cohort/core/error.h"
#include "cohort/storage/checksum.h"
#include "common/posix_io.h"

namespace cohort::launcher {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kGitTimeoutS = 20;

// The git work tree holding `dir`: its root, HEAD's commit and whether
// tracked files changed; null when there is none.
json gitOf(const std::string& dir) {
  std::string root, commit, status;
  if (runCommand({"git", "-C", dir, "rev-parse", "--show-toplevel"}, &root, kGitTimeoutS) != 0)
    return nullptr;
  if (runCommand({"git", "-C", dir, "rev-parse", "HEAD"}, &commit, kGitTimeoutS) != 0)
    return nullptr;
  const int s = runCommand({"git", "-C", dir, "status", "--porcelain", "--untracked-files=no"},
                           &status, kGitTimeoutS);
  return {{"root", trimmedOutput(root)},
          {"commit", trimmedOutput(commit)},
          {"dirty", s == 0 ? json(!trimmedOutput(status).empty()) : json()}};
}

}  // namespace

json codeIdentity(const std::string& program, const std::string& work_dir) {
  json code = {{"program", program}, {"sha256", nullptr}, {"git", nullptr}};
  try {
    code["sha256"] = storage::fileChecksumHex(storage::ChecksumKind::kSha256, program);
  } catch (const Error& e) {
    code["note"] = "the program could not be hashed: " + e.detail();
  }
  std::error_code error;
  const std::string program_dir = fs::path(program).parent_path().string();
  json git = program_dir.empty() ? json() : gitOf(program_dir);
  if (git.is_null()) git = gitOf(work_dir);
  code["git"] = git;
  return code;
}

json readInputs(const std::string& logs_dir) {
  json inputs = json::array();
  std::error_code error;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(logs_dir) / "inputs", error)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    json j = json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
    if (j.is_object()) inputs.push_back(j);
  }
  return inputs;
}

}  // namespace cohort::launcher
