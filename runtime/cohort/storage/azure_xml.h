// The two XML answers the Azure backend reads: a List Blobs page and an error.
// A small reader for these known shapes only (element text, the five XML
// entities and numeric character references); malformed input gives empty
// results or a DataError, never a read outside the text.
#pragma once

#include <string>
#include <vector>

#include "cohort/storage/storage.h"

namespace cohort::storage {

struct BlobListPage {
  std::vector<ObjectInfo> blobs;  // full blob names
  std::string next_marker;        // empty on the last page
};

// Parses <EnumerationResults>; `url` is for messages.
BlobListPage parseBlobList(const std::string& xml, const std::string& url);

// "Code: Message" from <Error><Code>..</Code><Message>..</Message></Error>, or
// the start of the body when it is not such a document.
std::string azureErrorText(const std::string& body, const std::string& error_code_header);

// The text of the first <tag>...</tag> at or after `from` (entities decoded);
// `found` says whether there was one. Exposed for tests.
std::string xmlElementText(const std::string& xml, const std::string& tag, size_t from,
                           bool* found);

}  // namespace cohort::storage
