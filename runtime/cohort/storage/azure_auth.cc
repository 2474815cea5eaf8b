#include "cohort/storage/azure_auth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "cohort/core/error.h"

namespace cohort::storage {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::string base64Encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string base64Decode(const std::string& text, const std::string& what) {
  const std::string hint = what + " must be base64, as the Azure portal shows the account key";
  if (text.empty() || text.size() % 4 != 0) throw ConfigError(what + " is not base64", hint);
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      throw ConfigError(what + " is not base64", hint);
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) throw ConfigError(what + " is not base64", hint);
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
  out.resize(static_cast<size_t>(n) - std::min(padding, static_cast<size_t>(n)));
  return out;
}

std::string hmacSha256(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string rfc1123Date(std::time_t when) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm t{};
  gmtime_r(&when, &t);
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[t.tm_wday],
                t.tm_mday, kMonths[t.tm_mon], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
  return text;
}

std::string sharedKeyStringToSign(const std::string& account, const SignedRequest& request) {
  std::map<std::string, std::string> headers;  // lowercase names
  for (const auto& [name, value] : request.headers) headers[lower(name)] = value;
  auto header = [&](const char* name) {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  };
  // Since version 2015-02-21 a zero Content-Length is signed as an empty line.
  const std::string length =
      request.content_length > 0 ? std::to_string(request.content_length) : std::string();
  std::string s = request.method + "\n" + header("content-encoding") + "\n" +
                  header("content-language") + "\n" + length + "\n" + header("content-md5") + "\n" +
                  header("content-type") + "\n" + header("date") + "\n" +
                  header("if-modified-since") + "\n" + header("if-match") + "\n" +
                  header("if-none-match") + "\n" + header("if-unmodified-since") + "\n" +
                  header("range") + "\n";
  // Canonicalized headers: every x-ms-* header, lowercase, sorted, "name:value\n".
  for (const auto& [name, value] : headers) {
    if (name.compare(0, 5, "x-ms-") == 0) s += name + ":" + value + "\n";
  }
  // Canonicalized resource: /ACCOUNT + the URL path, then the query parameters
  // sorted by lowercase name, values of a repeated name joined by commas.
  s += "/" + account + request.path;
  std::map<std::string, std::vector<std::string>> query;
  for (const auto& [name, value] : request.query) query[lower(name)].push_back(value);
  for (auto& [name, values] : query) {
    std::sort(values.begin(), values.end());
    s += "\n" + name + ":";
    for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + values[i];
  }
  return s;
}

std::string sharedKeyAuthorization(const std::string& account, const std::string& key,
                                   const SignedRequest& request) {
  return "SharedKey " + account + ":" +
         base64Encode(hmacSha256(key, sharedKeyStringToSign(account, request)));
}

}  // namespace cohort::storage
