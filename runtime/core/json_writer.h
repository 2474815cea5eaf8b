// Writing small JSON documents (error records, the launcher's run.json):
// a streaming writer that places the commas, and string quoting.
#pragma once

#include <string>
#include <vector>

namespace cohort {

// `text` as a JSON string literal, quotes included; control characters and
// invalid UTF-8 bytes are escaped, so the result is always valid JSON.
std::string jsonQuote(const std::string& text);

// Builds one JSON value, indented by two spaces per level:
//   JsonWriter w; w.beginObject(); w.key("rank").value(3); w.endObject(); w.text();
// Keys are only legal inside objects, and every begin needs its end.
class JsonWriter {
 public:
  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(const std::string& name);
  JsonWriter& value(const std::string& text);
  JsonWriter& value(const char* text) { return value(std::string(text)); }
  JsonWriter& value(long long number);
  JsonWriter& value(int number) { return value(static_cast<long long>(number)); }
  JsonWriter& value(double number);
  JsonWriter& value(bool flag);
  JsonWriter& null();
  // A list of strings as an array.
  JsonWriter& value(const std::vector<std::string>& texts);

  // The document; the writer must be back at the top level.
  std::string text() const;

 private:
  void beforeValue();
  JsonWriter& close(char bracket);
  void newline();

  std::string out_;
  // One entry per open object or array: true once it holds an element.
  std::vector<bool> open_;
  bool after_key_ = false;
};

}  // namespace cohort
