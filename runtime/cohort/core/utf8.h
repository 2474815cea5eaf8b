// UTF-8 checks for text cohort reads from outside (sweep files, names).
#pragma once

#include <cstddef>
#include <string_view>

namespace cohort {

// The length (1 to 4) of the well-formed UTF-8 sequence that starts at
// text[at], or 0 when none does (an overlong form, a surrogate, a code point
// above U+10FFFF, a stray continuation byte, a sequence cut short).
size_t utf8SequenceLength(std::string_view text, size_t at);

// The offset of the first byte of `text` that does not begin a well-formed
// UTF-8 sequence, or std::string_view::npos when `text` is UTF-8.
size_t firstInvalidUtf8(std::string_view text);

}  // namespace cohort
