#include "cohort/storage/credentials.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "cohort/core/error.h"
#include "cohort/core/log.h"

namespace cohort::storage {

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

std::map<std::string, std::string> parseCredentials(const std::string& text,
                                                    const std::string& path) {
  static const char* kKeys[] = {"azure_account_key", "azure_sas_token", "hdfs_delegation_token"};
  const std::string hint =
      "each line of the credentials file is KEY = VALUE with KEY one of azure_account_key, "
      "azure_sas_token, hdfs_delegation_token (see README, Sharded data)";
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const std::string where = path + " line " + std::to_string(number);
    const auto eq = line.find('=');
    if (eq == std::string::npos) throw ConfigError(where + " has no '='", hint);
    const std::string key = trim(line.substr(0, eq));
    const std::string value = trim(line.substr(eq + 1));
    bool known = false;
    for (const char* k : kKeys) known = known || key == k;
    if (!known) {
      const std::string shown = key.size() > 40 ? key.substr(0, 40) + "..." : key;
      throw ConfigError(where + ": unknown key '" + shown + "'", hint);
    }
    if (value.empty()) throw ConfigError(where + ": " + key + " has an empty value", hint);
    values[key] = value;
  }
  return values;
}

std::map<std::string, std::string> readCredentialsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(
        "cannot read the credentials file " + path + " (COHORT_CREDENTIALS_FILE)",
        "check the path and that this user may read it, or unset COHORT_CREDENTIALS_FILE");
  }
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH))) {
    log::warn("the credentials file " + path + " can be read by other users; chmod 600 it");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parseCredentials(text.str(), path);
}

}  // namespace cohort::storage
