// UTF-8 checks for text cohort reads from outside (sweep files, names).
#pragma once

#include <cstddef>
#include <string_view>

namespace cohort {

// The offset of the first byte of `text` that does not begin a well-formed
// UTF-8 sequence (an overlong form, a surrogate, a code point above
// U+10FFFF, a cut sequence), or std::string_view::npos when `text` is UTF-8.
size_t firstInvalidUtf8(std::string_view text);

}  // namespace cohort
