#include "cohort/core/json_writer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cohort/core/error.h"

namespace cohort {

namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 if invalid.
size_t utf8Length(const std::string& text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string jsonQuote(const std::string& text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c >= 0x80) {
      size_t n = utf8Length(text, i);
      if (n == 0) {
        out += "\\ufffd";  // a byte that is not UTF-8 (a log line cut mid-character)
        ++i;
        continue;
      }
      out.append(text, i, n);
      i += n;
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  return out + "\"";
}

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(2 * open_.size(), ' ');
}

void JsonWriter::beforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (open_.empty()) {
    COHORT_CHECK(out_.empty(), Error, "JsonWriter: a second top-level value",
                 "write one value per document");
    return;
  }
  if (open_.back()) out_ += ',';
  open_.back() = true;
  newline();
}

JsonWriter& JsonWriter::beginObject() {
  beforeValue();
  out_ += '{';
  open_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  COHORT_CHECK(!open_.empty() && !after_key_, Error,
               std::string("JsonWriter: '") + bracket + "' without an open object or array",
               "pair every begin with one end");
  bool had_elements = open_.back();
  open_.pop_back();
  if (had_elements) newline();
  out_ += bracket;
  return *this;
}

JsonWriter& JsonWriter::endObject() { return close('}'); }

JsonWriter& JsonWriter::beginArray() {
  beforeValue();
  out_ += '[';
  open_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::endArray() { return close(']'); }

JsonWriter& JsonWriter::key(const std::string& name) {
  COHORT_CHECK(!open_.empty() && !after_key_, Error, "JsonWriter: key '" + name + "' outside an object",
               "call key() only between beginObject and endObject");
  beforeValue();
  out_ += jsonQuote(name) + ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(const std::string& text) {
  beforeValue();
  out_ += jsonQuote(text);
  return *this;
}

JsonWriter& JsonWriter::value(long long number) {
  beforeValue();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  if (!std::isfinite(number)) return null();
  beforeValue();
  // The shortest form that reads back as the same number.
  char buf[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, number);
    if (std::strtod(buf, nullptr) == number) break;
  }
  out_ += buf;
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  beforeValue();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  beforeValue();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::value(const std::vector<std::string>& texts) {
  beginArray();
  for (const auto& t : texts) value(t);
  return endArray();
}

std::string JsonWriter::text() const {
  COHORT_CHECK(open_.empty() && !after_key_, Error, "JsonWriter: document not finished",
               "close every object and array before text()");
  return out_ + "\n";
}

}  // namespace cohort
