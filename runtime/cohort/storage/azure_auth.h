// Azure Storage authentication: Shared Key request signing and the helpers it
// needs (base64, HMAC-SHA256 through OpenSSL, the RFC 1123 date). SAS needs no
// signing here: the token is appended to each request's query string.
#pragma once

#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace cohort::storage {

std::string base64Encode(const std::string& bytes);
// Throws ConfigError (naming `what`) when `text` is not base64.
std::string base64Decode(const std::string& text, const std::string& what);
std::string hmacSha256(const std::string& key, const std::string& message);
// "Mon, 23 Nov 2026 08:00:00 GMT", whatever the locale.
std::string rfc1123Date(std::time_t when);

// The parts of a request that Shared Key signs.
struct SignedRequest {
  std::string method;
  std::string path;  // the URL's path as sent, e.g. "/devstoreaccount1/data/index.json"
  std::vector<std::pair<std::string, std::string>> query;    // decoded names and values
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent
  long long content_length = 0;
};

// The string Shared Key signs (exposed for tests).
std::string sharedKeyStringToSign(const std::string& account, const SignedRequest& request);

// "SharedKey ACCOUNT:SIGNATURE" for the Authorization header; `key` is the
// decoded account key.
std::string sharedKeyAuthorization(const std::string& account, const std::string& key,
                                   const SignedRequest& request);

}  // namespace cohort::storage
