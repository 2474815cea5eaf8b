// index.json: what a data set holds.
//
//   {
//     "format": "cohort-dataset", "version": 1,
//     "samples": 60000,
//     "columns": [ {"name": "image", "dtype": "uint8", "shape": [1, 28, 28]},
//                  {"name": "label", "dtype": "int64", "shape": []} ],
//     "shards":  [ {"file": "shard-00000.h5", "samples": 5000, "bytes": 3935232,
//                   "xxh128": "5f3c0a..."}, ... ]
//   }
//
// Each shard carries one checksum, "xxh128" or "sha256" (see checksum.h).
// Each shard is an HDF5 file with one dataset per column, named like the
// column, of shape [samples, *shape] and the column's dtype. Parsing checks
// everything a reader relies on and refuses anything else with a DataError
// naming the file and the field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cohort/storage/checksum.h"

namespace cohort::data {

enum class DType { kUInt8, kInt8, kInt16, kInt32, kInt64, kFloat32, kFloat64 };

// "uint8", "int8", "int16", "int32", "int64", "float32", "float64".
const char* dtypeName(DType dtype);
bool parseDType(const std::string& name, DType* out);
int64_t dtypeSize(DType dtype);
// The DType of a numpy descr such as "<f4" or "|u1"; false when unsupported.
bool dtypeFromNumpy(const std::string& descr, DType* out);

struct Column {
  std::string name;
  DType dtype = DType::kUInt8;
  std::vector<int64_t> shape;  // of one sample; empty for a scalar

  int64_t sampleElements() const;
  int64_t sampleBytes() const { return sampleElements() * dtypeSize(dtype); }
};

struct ShardEntry {
  std::string file;
  int64_t samples = 0;
  int64_t bytes = 0;
  storage::ChecksumKind checksum_kind = storage::ChecksumKind::kXxh128;
  std::string checksum;  // lowercase hex
};

struct Manifest {
  static constexpr int kVersion = 1;
  static constexpr const char* kFileName = "index.json";

  std::vector<Column> columns;
  std::vector<ShardEntry> shards;
  int64_t samples = 0;  // the sum over shards

  // Parses and checks the text of an index.json; `source` names it in errors.
  static Manifest parse(const std::string& text, const std::string& source);
  // The JSON text (what parse reads back).
  std::string serialize() const;
  // Checks the invariants parse checks (for manifests built in code).
  void validate(const std::string& source) const;
  // The SHA-256 of serialize(): names this exact data set in loader states.
  std::string fingerprint() const;
  int columnIndex(const std::string& name) const;  // -1 when absent
};

}  // namespace cohort::data
