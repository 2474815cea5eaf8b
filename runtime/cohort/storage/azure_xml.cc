#include "cohort/storage/azure_xml.h"

#include <expat.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/number.h"
#include "cohort/storage/object_name.h"

namespace cohort::storage {

namespace {

constexpr int kMaxDepth = 64;                 // Azure's answers nest 5 deep
constexpr size_t kMaxText = size_t{1} << 20;  // the text of one element (a name is at most 1 KiB)
constexpr size_t kChunk = size_t{1} << 20;  // fed to expat a piece at a time (its lengths are int)

// One pass of expat over a document. Each element's path from the root
// ("EnumerationResults/Blobs/Blob/Name") and text (the character data directly
// inside it, entities decoded) go to `on_end` when the element ends; `on_end`
// returns false to stop there. Refused, as network input: a document type
// declaration (so no entity is ever defined, and none expanded: no billion
// laughs, no external entity), nesting deeper than kMaxDepth, an element's
// text over kMaxText. Callbacks never throw through expat: a failure is kept
// and reported by read().
class XmlPass {
 public:
  using OnEnd = std::function<bool(const std::string& path, const std::string& text)>;

  explicit XmlPass(OnEnd on_end) : on_end_(std::move(on_end)) {}

  // Empty when the document was read to its end (or on_end stopped it), else
  // what is wrong with it and where.
  std::string read(const std::string& xml) {
    XML_Parser parser = XML_ParserCreate(nullptr);
    if (!parser) return "the XML parser could not be created (out of memory?)";
    parser_ = parser;
    XML_SetUserData(parser, this);
    XML_SetElementHandler(parser, &XmlPass::start, &XmlPass::end);
    XML_SetCharacterDataHandler(parser, &XmlPass::text);
    XML_SetStartDoctypeDeclHandler(parser, &XmlPass::doctype);
    XML_SetEntityDeclHandler(parser, &XmlPass::entity);
    XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);
    std::string problem;
    size_t at = 0;
    do {
      const size_t n = std::min(kChunk, xml.size() - at);
      const bool last = at + n == xml.size();
      if (XML_Parse(parser, xml.data() + at, static_cast<int>(n), last) != XML_STATUS_OK) {
        if (!stopped_) {
          problem = XML_ErrorString(XML_GetErrorCode(parser));
        } else if (!refusal_.empty()) {
          problem = refusal_;
        }
        if (!problem.empty()) {
          problem += " (line " + std::to_string(XML_GetCurrentLineNumber(parser)) + ", column " +
                     std::to_string(XML_GetCurrentColumnNumber(parser)) + ")";
        }
        break;
      }
      at += n;
    } while (at < xml.size());
    XML_ParserFree(parser);
    return problem;
  }

 private:
  void stop(const std::string& refusal) {
    if (stopped_) return;
    stopped_ = true;
    refusal_ = refusal;
    XML_StopParser(parser_, XML_FALSE);
  }
  static XmlPass& self(void* user) { return *static_cast<XmlPass*>(user); }

  static void start(void* user, const XML_Char* name, const XML_Char**) {
    XmlPass& p = self(user);
    if (p.stopped_) return;
    if (static_cast<int>(p.open_.size()) >= kMaxDepth) {
      return p.stop("elements nested deeper than " + std::to_string(kMaxDepth));
    }
    try {
      p.open_.push_back({p.path_.size(), std::string()});
      p.path_ += (p.path_.empty() ? "" : "/") + std::string(name);
    } catch (...) {
      p.stop("out of memory");
    }
  }
  static void end(void* user, const XML_Char*) {
    XmlPass& p = self(user);
    if (p.stopped_ || p.open_.empty()) return;
    try {
      Open element = std::move(p.open_.back());
      p.open_.pop_back();
      const bool go_on = p.on_end_(p.path_, element.text);
      p.path_.resize(element.path_start);
      if (!go_on) p.stop("");
    } catch (...) {
      p.stop("out of memory");
    }
  }
  static void text(void* user, const XML_Char* data, int size) {
    XmlPass& p = self(user);
    if (p.stopped_ || p.open_.empty()) return;
    std::string& text = p.open_.back().text;
    if (text.size() + static_cast<size_t>(size) > kMaxText) {
      return p.stop("an element's text is longer than " + std::to_string(kMaxText) + " bytes");
    }
    try {
      text.append(data, static_cast<size_t>(size));
    } catch (...) {
      p.stop("out of memory");
    }
  }
  static void doctype(void* user, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    self(user).stop("a document type declaration (refused: no entity is defined in an answer)");
  }
  static void entity(void* user, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                     const XML_Char*, const XML_Char*, const XML_Char*) {
    self(user).stop("an entity declaration (refused)");
  }

  struct Open {
    size_t path_start;  // the length of path_ before this element's name
    std::string text;
  };
  OnEnd on_end_;
  XML_Parser parser_ = nullptr;
  std::string path_;
  std::vector<Open> open_;
  bool stopped_ = false;
  std::string refusal_;  // why the pass stopped; empty when on_end_ stopped it
};

}  // namespace

std::string xmlElementText(const std::string& xml, const std::string& tag, size_t from,
                           bool* found) {
  *found = false;
  std::string result;
  XmlPass pass([&](const std::string& path, const std::string& text) {
    const size_t slash = path.rfind('/');
    if (path.compare(slash == std::string::npos ? 0 : slash + 1, std::string::npos, tag) != 0)
      return true;
    *found = true;
    result = text;
    return false;  // the first one is enough
  });
  pass.read(from < xml.size() ? xml.substr(from) : std::string());
  return *found ? result : "";
}

BlobListPage parseBlobList(const std::string& xml, const std::string& url) {
  const auto refuse = [&](const std::string& why) {
    return DataError("the listing from " + url + " " + why,
                     "check that the location names an Azure Blob Storage container");
  };
  BlobListPage page;
  bool is_listing = false, has_name = false, has_length = false, bad_entry = false;
  ObjectInfo blob;
  XmlPass pass([&](const std::string& path, const std::string& text) {
    constexpr const char* kBlob = "EnumerationResults/Blobs/Blob";
    if (path == std::string(kBlob) + "/Name") {
      blob.name = text;
      has_name = true;
    } else if (path == std::string(kBlob) + "/Properties/Content-Length") {
      const auto bytes = parseInteger(text);
      has_length = bytes.has_value();
      blob.size = bytes.value_or(0);
    } else if (path == kBlob) {
      if (!has_name || !has_length) {
        bad_entry = true;
        return false;
      }
      page.blobs.push_back(blob);
      has_name = has_length = false;
    } else if (path == "EnumerationResults/NextMarker") {
      page.next_marker = text;
    } else if (path == "EnumerationResults") {
      is_listing = true;
    }
    return true;
  });
  const std::string problem = pass.read(xml);
  if (bad_entry) throw refuse("has a blob entry without a name or size");
  if (!problem.empty()) {
    throw refuse("is not a well-formed List Blobs answer: " + problem + ": '" +
                 printableExcerpt(xml, 120) + "'");
  }
  if (!is_listing) throw refuse("is not a List Blobs answer: '" + printableExcerpt(xml, 120) + "'");
  return page;
}

std::string azureErrorText(const std::string& body, const std::string& error_code_header) {
  // What the document says before any damage in it: this is only for a message.
  bool has_code = false, has_message = false;
  std::string code, message;
  XmlPass pass([&](const std::string& path, const std::string& text) {
    if (path == "Error/Code" && !has_code) {
      code = text;
      has_code = true;
    } else if (path == "Error/Message" && !has_message) {
      message = text.substr(0, text.find('\n'));
      has_message = true;
    }
    return !(has_code && has_message);
  });
  pass.read(body);
  if (has_code || has_message)
    return printableExcerpt(code + (has_message ? ": " + message : ""), 300);
  if (!error_code_header.empty()) return error_code_header;
  return printableExcerpt(body, 200);
}

}  // namespace cohort::storage
