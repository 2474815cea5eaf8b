#include "cohort/storage/webhdfs_json.h"

#include <nlohmann/json.hpp>

#include "cohort/core/error.h"
#include "cohort/storage/object_name.h"

namespace cohort::storage {

namespace {

using nlohmann::json;

json parse(const std::string& text, const std::string& url) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw DataError(
        "the answer from " + url + " is not a JSON object: '" + printableExcerpt(text, 120) + "'",
        "check that the location names a WebHDFS endpoint (the namenode's HTTP port)");
  }
  return doc;
}

[[noreturn]] void malformed(const std::string& url, const std::string& what) {
  throw DataError("the answer from " + url + " is malformed: " + what,
                  "check that the location names a WebHDFS endpoint (the namenode's HTTP port)");
}

int64_t lengthOf(const json& status, const std::string& url) {
  auto length = status.find("length");
  if (length == status.end() || !length->is_number_integer() || length->get<int64_t>() < 0) {
    malformed(url, "a FileStatus without a length");
  }
  return length->get<int64_t>();
}

}  // namespace

int64_t parseFileStatusLength(const std::string& text, const std::string& url) {
  const json doc = parse(text, url);
  auto status = doc.find("FileStatus");
  if (status == doc.end() || !status->is_object()) malformed(url, "no FileStatus");
  auto type = status->find("type");
  if (type != status->end() && type->is_string() && type->get<std::string>() != "FILE") {
    throw DataError(url + " is a " + type->get<std::string>() + ", not a file",
                    "check the location");
  }
  return lengthOf(*status, url);
}

std::vector<ObjectInfo> parseListStatus(const std::string& text, const std::string& url) {
  const json doc = parse(text, url);
  auto statuses = doc.find("FileStatuses");
  if (statuses == doc.end() || !statuses->is_object()) malformed(url, "no FileStatuses");
  auto list = statuses->find("FileStatus");
  if (list == statuses->end() || !list->is_array()) malformed(url, "no FileStatus list");
  std::vector<ObjectInfo> objects;
  for (const json& entry : *list) {
    if (!entry.is_object()) malformed(url, "a FileStatus entry that is not an object");
    auto suffix = entry.find("pathSuffix");
    auto type = entry.find("type");
    if (suffix == entry.end() || !suffix->is_string() || type == entry.end() ||
        !type->is_string()) {
      malformed(url, "a FileStatus entry without pathSuffix or type");
    }
    if (type->get<std::string>() == "FILE") {
      objects.push_back({suffix->get<std::string>(), lengthOf(entry, url)});
    }
  }
  return objects;
}

bool parseBoolean(const std::string& text, const std::string& url) {
  const json doc = parse(text, url);
  auto value = doc.find("boolean");
  if (value == doc.end() || !value->is_boolean()) malformed(url, "no boolean");
  return value->get<bool>();
}

std::string remoteExceptionText(const std::string& body) {
  json doc = json::parse(body, nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    auto e = doc.find("RemoteException");
    if (e != doc.end() && e->is_object()) {
      std::string text;
      if (auto name = e->find("exception"); name != e->end() && name->is_string()) {
        text = name->get<std::string>();
      }
      if (auto message = e->find("message"); message != e->end() && message->is_string()) {
        text += (text.empty() ? "" : ": ") + message->get<std::string>();
      }
      if (!text.empty()) return text;
    }
  }
  return printableExcerpt(body, 200);
}

}  // namespace cohort::storage
