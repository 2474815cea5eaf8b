// The JSON answers of the WebHDFS REST API that the HDFS backend reads
// (FileStatus, FileStatuses, boolean, RemoteException). Malformed answers are
// DataErrors naming the URL.
#pragma once

#include <string>
#include <vector>

#include "cohort/storage/storage.h"

namespace cohort::storage {

// GETFILESTATUS: the length of a FILE (a DIRECTORY is a DataError).
int64_t parseFileStatusLength(const std::string& json, const std::string& url);

// LISTSTATUS: the FILE entries (pathSuffix and length), directories left out.
std::vector<ObjectInfo> parseListStatus(const std::string& json, const std::string& url);

// RENAME / DELETE: the {"boolean": ...} answer.
bool parseBoolean(const std::string& json, const std::string& url);

// "exception: message" from a RemoteException body, or the start of the body.
std::string remoteExceptionText(const std::string& body);

}  // namespace cohort::storage
