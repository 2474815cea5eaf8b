#include "cohort/storage/azure_xml.h"

#include <cstdlib>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/storage/object_name.h"

namespace cohort::storage {

namespace {

void appendUtf8(std::string* out, unsigned long code) {
  if (code < 0x80) {
    *out += static_cast<char>(code);
  } else if (code < 0x800) {
    *out += static_cast<char>(0xC0 | (code >> 6));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    *out += static_cast<char>(0xE0 | (code >> 12));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x110000) {
    *out += static_cast<char>(0xF0 | (code >> 18));
    *out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

std::string decodeEntities(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const size_t end = text.find(';', i);
    if (end == std::string::npos || end - i > 12) {
      out += text[i];
      continue;
    }
    const std::string entity = text.substr(i + 1, end - i - 1);
    if (entity == "amp")
      out += '&';
    else if (entity == "lt")
      out += '<';
    else if (entity == "gt")
      out += '>';
    else if (entity == "quot")
      out += '"';
    else if (entity == "apos")
      out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string digits = entity.substr(hex ? 2 : 1);
      char* stop = nullptr;
      const unsigned long code = std::strtoul(digits.c_str(), &stop, hex ? 16 : 10);
      if (digits.empty() || *stop != '\0') {
        out += text.substr(i, end - i + 1);
      } else {
        appendUtf8(&out, code);
      }
    } else {
      out += text.substr(i, end - i + 1);
    }
    i = end;
  }
  return out;
}

}  // namespace

std::string xmlElementText(const std::string& xml, const std::string& tag, size_t from,
                           bool* found) {
  *found = false;
  const std::string open = "<" + tag + ">";
  const std::string close = "</" + tag + ">";
  const size_t start = xml.find(open, from);
  if (start == std::string::npos) return "";
  const size_t text_start = start + open.size();
  const size_t end = xml.find(close, text_start);
  if (end == std::string::npos) return "";
  *found = true;
  return decodeEntities(xml.substr(text_start, end - text_start));
}

BlobListPage parseBlobList(const std::string& xml, const std::string& url) {
  if (xml.find("<EnumerationResults") == std::string::npos) {
    throw DataError("the listing from " + url + " is not a List Blobs answer: '" +
                        printableExcerpt(xml, 120) + "'",
                    "check that the location names an Azure Blob Storage container");
  }
  BlobListPage page;
  size_t at = 0;
  while ((at = xml.find("<Blob>", at)) != std::string::npos) {
    const size_t end = xml.find("</Blob>", at);
    if (end == std::string::npos) break;
    const std::string entry = xml.substr(at, end - at);
    bool has_name = false, has_length = false;
    ObjectInfo info;
    info.name = xmlElementText(entry, "Name", 0, &has_name);
    const std::string length = xmlElementText(entry, "Content-Length", 0, &has_length);
    const auto bytes = parseInteger(length);
    if (!has_name || !has_length || !bytes) {
      throw DataError("the listing from " + url + " has a blob entry without a name or size",
                      "check that the location names an Azure Blob Storage container");
    }
    info.size = *bytes;
    page.blobs.push_back(info);
    at = end;
  }
  bool found = false;
  page.next_marker = xmlElementText(xml, "NextMarker", 0, &found);
  return page;
}

std::string azureErrorText(const std::string& body, const std::string& error_code_header) {
  bool has_code = false, has_message = false;
  const std::string code = xmlElementText(body, "Code", 0, &has_code);
  std::string message = xmlElementText(body, "Message", 0, &has_message);
  if (has_message) message = message.substr(0, message.find('\n'));
  if (has_code || has_message) return code + (has_message ? ": " + message : "");
  if (!error_code_header.empty()) return error_code_header;
  return printableExcerpt(body, 200);
}

}  // namespace cohort::storage
