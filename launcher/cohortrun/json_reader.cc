#include "json_reader.h"

#include <cstdlib>

namespace cohort::launcher {

namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  bool parseDocument(JsonValue* out) {
    if (!parseValue(out, 0)) return false;
    skipSpace();
    return pos_ == text_.size() || fail("text after the value");
  }

  std::string error() const { return error_ + " at byte " + std::to_string(pos_); }

 private:
  bool fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  bool literal(const char* word) {
    std::string w(word);
    if (text_.compare(pos_, w.size(), w) != 0) return fail("an unknown word");
    pos_ += w.size();
    return true;
  }

  bool parseValue(JsonValue* out, int depth) {
    if (depth > 64) return fail("nesting deeper than 64");
    skipSpace();
    if (pos_ >= text_.size()) return fail("the end of the text where a value belongs");
    char c = text_[pos_];
    if (c == '{') return parseObject(out, depth);
    if (c == '[') return parseArray(out, depth);
    if (c == '"') {
      out->type = JsonValue::Type::kString;
      return parseString(&out->string);
    }
    if (c == 't' || c == 'f') {
      out->type = JsonValue::Type::kBool;
      out->boolean = c == 't';
      return literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      out->type = JsonValue::Type::kNull;
      return literal("null");
    }
    return parseNumber(out);
  }

  bool parseNumber(JsonValue* out) {
    size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() && std::string("0123456789.eE+-").find(text_[pos_]) != std::string::npos) {
      ++pos_;
    }
    std::string number = text_.substr(start, pos_ - start);
    char* end = nullptr;
    out->type = JsonValue::Type::kNumber;
    out->number = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size()) return fail("a malformed number");
    return true;
  }

  static void appendUtf8(unsigned code, std::string* out) {
    if (code < 0x80) {
      *out += static_cast<char>(code);
    } else if (code < 0x800) {
      *out += static_cast<char>(0xC0 | (code >> 6));
      *out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      *out += static_cast<char>(0xE0 | (code >> 12));
      *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (code >> 18));
      *out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  bool parseHex4(unsigned* code) {
    if (pos_ + 4 > text_.size()) return fail("a short \\u escape");
    char* end = nullptr;
    std::string hex = text_.substr(pos_, 4);
    *code = static_cast<unsigned>(std::strtoul(hex.c_str(), &end, 16));
    if (end != hex.c_str() + 4) return fail("a malformed \\u escape");
    pos_ += 4;
    return true;
  }

  bool parseString(std::string* out) {
    ++pos_;  // the opening quote
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("a control character in a string");
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case '"': case '\\': case '/': *out += e; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          unsigned code = 0;
          if (!parseHex4(&code)) return false;
          // A surrogate pair makes one code point above U+FFFF.
          if (code >= 0xD800 && code < 0xDC00 && text_.compare(pos_, 2, "\\u") == 0) {
            pos_ += 2;
            unsigned low = 0;
            if (!parseHex4(&low)) return false;
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          appendUtf8(code, out);
          break;
        }
        default: return fail("an unknown escape");
      }
    }
    return fail("a string without its closing quote");
  }

  bool parseArray(JsonValue* out, int depth) {
    out->type = JsonValue::Type::kArray;
    ++pos_;
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') return ++pos_, true;
    while (true) {
      out->array.emplace_back();
      if (!parseValue(&out->array.back(), depth + 1)) return false;
      skipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
      } else if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return true;
      } else {
        return fail("an array without ',' or ']'");
      }
    }
  }

  bool parseObject(JsonValue* out, int depth) {
    out->type = JsonValue::Type::kObject;
    ++pos_;
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') return ++pos_, true;
    while (true) {
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return fail("an object key that is not a string");
      std::string key;
      if (!parseString(&key)) return false;
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return fail("a key without ':'");
      ++pos_;
      out->object.emplace_back(std::move(key), JsonValue{});
      if (!parseValue(&out->object.back().second, depth + 1)) return false;
      skipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
      } else if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return true;
      } else {
        return fail("an object without ',' or '}'");
      }
    }
  }

  const std::string& text_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

const JsonValue* JsonValue::get(const std::string& key) const {
  if (type != Type::kObject) return nullptr;
  for (const auto& [name, value] : object) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string JsonValue::getString(const std::string& key, const std::string& fallback) const {
  const JsonValue* v = get(key);
  return v && v->type == Type::kString ? v->string : fallback;
}

double JsonValue::getNumber(const std::string& key, double fallback) const {
  const JsonValue* v = get(key);
  return v && v->type == Type::kNumber ? v->number : fallback;
}

bool JsonValue::getBool(const std::string& key, bool fallback) const {
  const JsonValue* v = get(key);
  return v && v->type == Type::kBool ? v->boolean : fallback;
}

std::optional<JsonValue> parseJson(const std::string& text, std::string* error) {
  Parser parser(text);
  JsonValue value;
  if (!parser.parseDocument(&value)) {
    if (error) *error = parser.error();
    return std::nullopt;
  }
  return value;
}

}  // namespace cohort::launcher
