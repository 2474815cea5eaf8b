// The few protocol-buffer wire-format pieces a TensorBoard event needs,
// written by hand (no protobuf library): varints, and fields of wire type
// 0 (varint), 1 (64-bit), 2 (length-delimited) and 5 (32-bit).
#pragma once

#include <cstdint>
#include <string>

namespace cohort::runlog {

class ProtoEncoder {
 public:
  ProtoEncoder& varintField(int field, uint64_t value);
  ProtoEncoder& doubleField(int field, double value);
  ProtoEncoder& floatField(int field, float value);
  // A string, bytes or an embedded message (its encoded bytes).
  ProtoEncoder& bytesField(int field, const std::string& bytes);

  const std::string& bytes() const { return out_; }

 private:
  void tag(int field, int wire_type);
  void varint(uint64_t value);
  void littleEndian(uint64_t value, int bytes);

  std::string out_;
};

}  // namespace cohort::runlog
