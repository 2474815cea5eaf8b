// Where a data set lives, parsed from the text a user gives:
//
//   /data/fmnist, ./fmnist, file:///data/fmnist   a local folder or NFS mount
//   azure://ACCOUNT/CONTAINER[/PREFIX]            Azure Blob Storage
//   https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]   the same, https form
//   http(s)://HOST:PORT/ACCOUNT/CONTAINER[/PREFIX]   a path-style endpoint (Azurite)
//   hdfs://NAMENODE:PORT/path                     HDFS over WebHDFS (the namenode's HTTP port)
//
// Parsing is pure (no I/O) and every refusal is a ConfigError naming the text.
#pragma once

#include <string>

namespace cohort::storage {

struct StorageUrl {
  enum class Kind { kLocal, kAzure, kWebHdfs };
  Kind kind = Kind::kLocal;
  std::string text;  // as given, for messages

  // kLocal: the folder.
  std::string path;

  // kAzure: the account, container and blob-name prefix (no leading or trailing '/'),
  // and the account's blob endpoint when the URL names one (https or path-style form).
  std::string account;
  std::string container;
  std::string prefix;
  std::string endpoint;  // e.g. "https://acct.blob.core.windows.net" or
                         // "http://127.0.0.1:10000/devstoreaccount1"

  // kWebHdfs: namenode host and port, and the absolute HDFS folder (no trailing '/').
  std::string host;
  int port = 0;
  std::string hdfs_path;
};

StorageUrl parseStorageUrl(const std::string& text);

// Percent-encodes everything but unreserved characters and '/' (for URL paths).
std::string percentEncodePath(const std::string& text);
// Percent-encodes everything but unreserved characters (for query values).
std::string percentEncode(const std::string& text);

}  // namespace cohort::storage
