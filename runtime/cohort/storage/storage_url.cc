#include "cohort/storage/storage_url.h"

#include <cctype>

#include "cohort/core/error.h"
#include "cohort/core/number.h"
#include "cohort/storage/object_name.h"

namespace cohort::storage {

namespace {

const char* kForms =
    "give a folder (/data/set or file:///data/set), azure://ACCOUNT/CONTAINER/PREFIX, "
    "https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX, "
    "http://HOST:PORT/ACCOUNT/CONTAINER/PREFIX (emulators) or hdfs://NAMENODE:PORT/path";

[[noreturn]] void refuse(const std::string& text, const std::string& why) {
  throw ConfigError("the storage location '" + text + "' is refused: " + why, kForms);
}

bool startsWith(const std::string& text, const std::string& head) {
  return text.compare(0, head.size(), head) == 0;
}

// Azure's rules: 3-24 lowercase letters and digits.
bool validAccount(const std::string& a) {
  if (a.size() < 3 || a.size() > 24) return false;
  for (char c : a) {
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

// Azure's rules: 3-63 lowercase letters, digits and single hyphens, not at either end.
bool validContainer(const std::string& c) {
  if (c.size() < 3 || c.size() > 63 || c.front() == '-' || c.back() == '-') return false;
  for (size_t i = 0; i < c.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(c[i]);
    if (ch == '-') {
      if (c[i - 1] == '-') return false;
    } else if (!std::islower(ch) && !std::isdigit(ch)) {
      return false;
    }
  }
  return true;
}

// Splits "a/b/c" at the first '/': ("a", "b/c").
std::pair<std::string, std::string> splitFirst(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return {text, ""};
  return {text.substr(0, slash), text.substr(slash + 1)};
}

std::string trimSlashes(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  while (!text.empty() && text.front() == '/') text.erase(0, 1);
  return text;
}

// "host[:port]" into its parts; port 0 when absent.
void splitHostPort(const std::string& text, const std::string& authority, std::string* host,
                   int* port) {
  const auto colon = authority.rfind(':');
  *host = authority.substr(0, colon);
  *port = 0;
  if (colon != std::string::npos) {
    const std::string digits = authority.substr(colon + 1);
    std::string problem;
    const auto number = readWhole(digits, 1, 65535, &problem);
    if (!number) refuse(text, "the port " + problem);
    *port = static_cast<int>(*number);
  }
  if (host->empty()) refuse(text, "it names no host");
  for (char c : *host) {
    const unsigned char ch = static_cast<unsigned char>(c);
    if (!std::isalnum(ch) && c != '.' && c != '-' && c != '_' && c != '[' && c != ']' && c != ':') {
      refuse(text, "the host '" + *host + "' holds a character hosts cannot have");
    }
  }
}

// The container and prefix of "CONTAINER[/PREFIX]".
void parseContainerPath(const std::string& text, const std::string& rest, StorageUrl* url) {
  auto [container, prefix] = splitFirst(trimSlashes(rest));
  if (!validContainer(container)) {
    refuse(text, "'" + container +
                     "' is not a container name (3-63 lowercase letters, digits and hyphens)");
  }
  url->container = container;
  url->prefix = trimSlashes(prefix);
  if (!url->prefix.empty() && !isSafeObjectName(url->prefix)) {
    refuse(text, "the blob prefix '" + url->prefix + "' has an empty, '.' or '..' part");
  }
}

void parseAzure(const std::string& text, StorageUrl* url) {
  url->kind = StorageUrl::Kind::kAzure;
  auto [account, rest] = splitFirst(text.substr(std::string("azure://").size()));
  if (!validAccount(account)) {
    refuse(text,
           "'" + account + "' is not a storage account name (3-24 lowercase letters and digits)");
  }
  url->account = account;
  parseContainerPath(text, rest, url);
}

void parseHttp(const std::string& text, StorageUrl* url) {
  url->kind = StorageUrl::Kind::kAzure;
  const std::string scheme = startsWith(text, "https://") ? "https" : "http";
  auto [authority, rest] = splitFirst(text.substr(scheme.size() + 3));
  std::string host;
  int port;
  splitHostPort(text, authority, &host, &port);
  const auto blob = host.find(".blob.");
  if (blob != std::string::npos) {
    // Virtual-host form: ACCOUNT.blob.core.windows.net (or an Azure Stack Hub suffix).
    url->account = host.substr(0, blob);
    url->endpoint = scheme + "://" + authority;
  } else {
    // Path-style form (emulators): the first path part is the account.
    auto [account, after] = splitFirst(rest);
    url->account = account;
    url->endpoint = scheme + "://" + authority + "/" + account;
    rest = after;
  }
  if (!validAccount(url->account)) {
    refuse(text, "'" + url->account +
                     "' is not a storage account name (3-24 lowercase letters and digits)");
  }
  parseContainerPath(text, rest, url);
}

void parseHdfs(const std::string& text, const std::string& scheme, StorageUrl* url) {
  url->kind = StorageUrl::Kind::kWebHdfs;
  auto [authority, rest] = splitFirst(text.substr(scheme.size()));
  splitHostPort(text, authority, &url->host, &url->port);
  if (url->port == 0) url->port = 9870;  // Hadoop 3's namenode HTTP port
  const std::string path = trimSlashes(rest);
  if (path.empty()) refuse(text, "it names no HDFS folder");
  if (!isSafeObjectName(path)) refuse(text, "the HDFS path has an empty, '.' or '..' part");
  url->hdfs_path = "/" + path;
}

void parseLocal(const std::string& text, StorageUrl* url) {
  url->kind = StorageUrl::Kind::kLocal;
  std::string path = text;
  if (startsWith(text, "file://")) {
    path = text.substr(7);
    if (startsWith(path, "localhost/")) path = path.substr(9);
    if (path.empty() || path.front() != '/') {
      refuse(text, "a file:// URL needs an absolute path (file:///data/set)");
    }
  }
  if (path.empty()) refuse(text, "it is empty");
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20) refuse(text, "it holds a control character");
  }
  url->path = path;
}

}  // namespace

StorageUrl parseStorageUrl(const std::string& text) {
  StorageUrl url;
  url.text = text;
  if (startsWith(text, "azure://")) {
    parseAzure(text, &url);
  } else if (startsWith(text, "https://") || startsWith(text, "http://")) {
    parseHttp(text, &url);
  } else if (startsWith(text, "hdfs://")) {
    parseHdfs(text, "hdfs://", &url);
  } else if (startsWith(text, "webhdfs://")) {
    parseHdfs(text, "webhdfs://", &url);
  } else if (text.find("://") != std::string::npos && !startsWith(text, "file://")) {
    refuse(text, "the scheme '" + text.substr(0, text.find("://")) + "' is not supported");
  } else {
    parseLocal(text, &url);
  }
  return url;
}

namespace {
std::string encode(const std::string& text, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}
}  // namespace

std::string percentEncodePath(const std::string& text) { return encode(text, true); }
std::string percentEncode(const std::string& text) { return encode(text, false); }

}  // namespace cohort::storage
