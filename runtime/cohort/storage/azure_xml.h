// The two XML answers the Azure backend reads: a List Blobs page and an error.
// Read with expat, as network input: a document type declaration is refused
// (so no entity is defined or expanded, external or not), as are elements
// nested more than 64 deep and an element's text over 1 MiB. A malformed
// listing is a DataError saying where it breaks; an error answer gives what
// it says before any damage.
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

// The text of the first complete <tag>...</tag> element (entities decoded) of
// the document starting at `from`; `found` says whether there was one before
// the document ended or broke. Exposed for tests.
std::string xmlElementText(const std::string& xml, const std::string& tag, size_t from,
                           bool* found);

}  // namespace cohort::storage
