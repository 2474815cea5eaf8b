// Names of objects inside a data set's location (shard files, index.json), and
// the check that keeps them there: a name taken from index.json or from a
// storage listing is relative, has no "." or ".." part and no odd characters,
// so joining it to a folder, a blob prefix or an HDFS path can never point
// outside that location.
#pragma once

#include <string>

namespace cohort::storage {

// Throws DataError naming `name`, `context` (where it came from) and what is
// wrong: empty, absolute, a "." or ".." part, an empty part ("a//b"), a
// backslash or control character, or longer than 1024 bytes.
void checkObjectName(const std::string& name, const std::string& context);

// True when checkObjectName would accept `name`.
bool isSafeObjectName(const std::string& name);

// "prefix/name" ("name" when prefix is empty); a trailing '/' of prefix is kept once.
std::string joinName(const std::string& prefix, const std::string& name);

// The first `max` bytes of text a storage sent, control characters blanked,
// for quoting in a message ("(no message)" when empty).
std::string printableExcerpt(const std::string& text, size_t max);

}  // namespace cohort::storage
