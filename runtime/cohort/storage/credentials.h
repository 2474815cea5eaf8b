// The credentials file named by COHORT_CREDENTIALS_FILE: secrets kept out of
// the command line and, if wanted, out of the environment too.
//
//   # cohort credentials
//   azure_account_key = <base64 key>
//   azure_sas_token   = sv=...&sig=...
//   hdfs_delegation_token = <token>
//
// Blank lines and lines starting with '#' are ignored; any other line must be
// one of these keys, '=', and a value.
#pragma once

#include <map>
#include <string>

namespace cohort::storage {

// Parses the text of a credentials file; `path` is for messages. An unknown
// key, a line without '=' or an empty value is a ConfigError naming the line
// (never its value).
std::map<std::string, std::string> parseCredentials(const std::string& text,
                                                    const std::string& path);

// Reads and parses the file; a file others can read is accepted with a warning.
std::map<std::string, std::string> readCredentialsFile(const std::string& path);

}  // namespace cohort::storage
