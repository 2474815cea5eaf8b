// A page of Azure's blob listing (List Blobs' EnumerationResults).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cohort/storage/azure_xml.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string xml(reinterpret_cast<const char*>(data), size);
  cohort::fuzz::refusedOrRead([&] {
    cohort::storage::parseBlobList(xml,
                                   "http://127.0.0.1:10000/acct/c?restype=container&comp=list");
  });
  return 0;
}
