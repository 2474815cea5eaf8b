#include "cohort/storage/object_name.h"

#include "cohort/core/error.h"

namespace cohort::storage {

namespace {

constexpr size_t kMaxName = 1024;

// What is wrong with `name`, or an empty string when nothing is.
std::string problemWith(const std::string& name) {
  if (name.empty()) return "it is empty";
  if (name.size() > kMaxName) return "it is longer than 1024 bytes";
  if (name.front() == '/') return "it is an absolute path";
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return "it holds a control character";
    if (c == '\\') return "it holds a backslash";
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    const std::string part = name.substr(start, end - start);
    if (part.empty()) return "it has an empty path part";
    if (part == "." || part == "..") return "it has a '" + part + "' path part";
    start = end + 1;
  }
  return "";
}

}  // namespace

void checkObjectName(const std::string& name, const std::string& context) {
  const std::string problem = problemWith(name);
  if (!problem.empty()) {
    std::string shown = name.size() > 200 ? name.substr(0, 200) + "..." : name;
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20) c = '?';
    }
    throw DataError(context + ": the name '" + shown + "' is refused because " + problem,
                    "an object's name is a relative path inside its location, such as "
                    "'shard-00000.h5' or 'models/m/record.json'");
  }
}

bool isSafeObjectName(const std::string& name) { return problemWith(name).empty(); }

std::string joinName(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return name;
  if (prefix.back() == '/') return prefix + name;
  return prefix + "/" + name;
}

std::string printableExcerpt(const std::string& text, size_t max) {
  std::string start = text.substr(0, max);
  for (char& c : start) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return start.empty() ? "(no message)" : start;
}

}  // namespace cohort::storage
