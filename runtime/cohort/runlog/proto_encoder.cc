#include "cohort/runlog/proto_encoder.h"

#include <cstring>

namespace cohort::runlog {

void ProtoEncoder::varint(uint64_t value) {
  // Seven bits a byte, least significant first; the high bit says "more follows".
  while (value >= 0x80) {
    out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<char>(value));
}

void ProtoEncoder::littleEndian(uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void ProtoEncoder::tag(int field, int wire_type) {
  varint((static_cast<uint64_t>(field) << 3) | wire_type);
}

ProtoEncoder& ProtoEncoder::varintField(int field, uint64_t value) {
  tag(field, 0);
  varint(value);
  return *this;
}

ProtoEncoder& ProtoEncoder::doubleField(int field, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  tag(field, 1);
  littleEndian(bits, 8);
  return *this;
}

ProtoEncoder& ProtoEncoder::floatField(int field, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  tag(field, 5);
  littleEndian(bits, 4);
  return *this;
}

ProtoEncoder& ProtoEncoder::bytesField(int field, const std::string& bytes) {
  tag(field, 2);
  varint(bytes.size());
  out_ += bytes;
  return *this;
}

}  // namespace cohort::runlog
