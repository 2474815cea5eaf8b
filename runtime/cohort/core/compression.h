// How gradients travel between machines (DataParallelOptions::compress,
// COHORT_COMPRESS): as float32, or rounded to bfloat16 / float16 with the
// rounding error fed back the next step (Note [Compressed buckets] in
// comm/communicator.h).
#pragma once

#include <optional>
#include <string>

namespace cohort {

enum class Compression { kNone, kBf16, kFp16 };

// "none", "bf16", "fp16".
const char* compressionName(Compression c);
// The value named `text`, or nothing when it names none.
std::optional<Compression> findCompression(const std::string& text);
// The value named `text`; a ConfigError saying `where` it was read and the
// accepted names otherwise.
Compression parseCompression(const std::string& text, const std::string& where);

}  // namespace cohort
