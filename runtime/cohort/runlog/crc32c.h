// CRC-32C (Castagnoli), as TFRecord files use it to frame each record, and
// the "masked" form TFRecord stores (a rotation plus a constant, so that a
// CRC computed over bytes that hold CRCs does not degenerate).
#pragma once

#include <cstddef>
#include <cstdint>

namespace cohort::runlog {

// The CRC-32C of `size` bytes (reflected polynomial 0x82F63B78, initial and
// final XOR 0xFFFFFFFF): crc32c("123456789") == 0xE3069283.
uint32_t crc32c(const void* data, size_t size);

// TFRecord's mask: ((crc >> 15) | (crc << 17)) + 0xA282EAD8.
uint32_t maskCrc32c(uint32_t crc);

}  // namespace cohort::runlog
