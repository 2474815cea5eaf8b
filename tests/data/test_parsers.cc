// The data parsers on good and bad input: index.json, storage URLs, object
// names, the credentials file, Azure's XML, WebHDFS's JSON, loader states and
// .npy headers. This program is built with AddressSanitizer and UBSan and
// links only these parsers (no libtorch), so a read past a buffer fails it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/data/loader_state.h"
#include "cohort/data/manifest.h"
#include "cohort/storage/azure_auth.h"
#include "cohort/storage/azure_xml.h"
#include "cohort/storage/checksum.h"
#include "cohort/storage/credentials.h"
#include "cohort/storage/object_name.h"
#include "cohort/storage/storage_url.h"
#include "cohort/storage/webhdfs_json.h"
#include "pack/npy_file.h"

namespace cohort::data {
namespace {

const std::string kSha(64, 'a');

std::string goodIndex() {
  return R"({"format": "cohort-dataset", "version": 1, "samples": 5,
    "columns": [{"name": "image", "dtype": "uint8", "shape": [28, 28]},
                {"name": "label", "dtype": "int64", "shape": []}],
    "shards": [{"file": "shard-0.h5", "samples": 3, "bytes": 100, "sha256": ")" +
         kSha + R"("},
               {"file": "shard-1.h5", "samples": 2, "bytes": 90, "sha256": ")" +
         kSha + R"("}]})";
}

// The DataError message for parsing `text`, or "" when it parses.
std::string indexError(const std::string& text) {
  try {
    Manifest::parse(text, "index.json");
    return "";
  } catch (const DataError& e) {
    return e.what();
  }
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(Manifest, ParsesAndRoundTrips) {
  const Manifest m = Manifest::parse(goodIndex(), "index.json");
  ASSERT_EQ(m.columns.size(), 2u);
  EXPECT_EQ(m.columns[0].sampleBytes(), 784);
  EXPECT_EQ(m.columns[1].sampleBytes(), 8);
  EXPECT_EQ(m.samples, 5);
  EXPECT_EQ(m.shards[1].file, "shard-1.h5");
  const Manifest again = Manifest::parse(m.serialize(), "again");
  EXPECT_EQ(again.serialize(), m.serialize());
  EXPECT_EQ(again.fingerprint(), m.fingerprint());
}

TEST(Manifest, RefusesMalformedInputNamingTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {"[]", "not a JSON object"},
      {replaced(goodIndex(), "cohort-dataset", "other"), "\"format\""},
      {replaced(goodIndex(), "\"version\": 1", "\"version\": 2"), "format version 2"},
      {replaced(goodIndex(), "\"version\": 1", "\"version\": \"1\""),
       "\"version\" is not a whole number"},
      {replaced(goodIndex(), "\"samples\": 5", "\"samples\": 6"), "the shards hold 5"},
      {replaced(goodIndex(), "\"samples\": 5", "\"samples\": -5"), "outside"},
      {replaced(goodIndex(), "\"dtype\": \"uint8\"", "\"dtype\": \"complex64\""), "unknown dtype"},
      {replaced(goodIndex(), "[28, 28]", "[28, 0]"), "shape"},
      {replaced(goodIndex(), "[28, 28]", "[28, -3]"), "shape"},
      {replaced(goodIndex(), "[28, 28]", "[65536, 65536, 65536]"), "over 1 GiB"},
      {replaced(goodIndex(), "[28, 28]", "28"), "\"shape\" must be a list"},
      {replaced(goodIndex(), "\"name\": \"label\"", "\"name\": \"image\""), "appears twice"},
      {replaced(goodIndex(), "\"name\": \"label\"", "\"name\": \"a/b\""), "name is not"},
      {replaced(goodIndex(), "shard-1.h5", "shard-0.h5"), "appears twice"},
      {replaced(goodIndex(), "shard-1.h5", "../escape.h5"), "'..'"},
      {replaced(goodIndex(), "shard-1.h5", "/etc/passwd"), "absolute path"},
      {replaced(goodIndex(), "shard-1.h5", "a//b.h5"), "empty path part"},
      {replaced(goodIndex(), "shard-1.h5", "a\\\\b.h5"), "backslash"},
      {replaced(goodIndex(), "shard-1.h5", "index.json"), "named index.json"},
      {replaced(goodIndex(), "\"bytes\": 90", "\"bytes\": 0"), "outside"},
      {replaced(goodIndex(), "\"bytes\": 90", "\"bytes\": 18446744073709551615"), "outside"},
      {replaced(goodIndex(), "\"samples\": 2,", "\"samples\": 2.5,"), "not a whole number"},
      {replaced(goodIndex(), "\"file\": \"shard-1.h5\",", ""), "has no \"file\""},
      {replaced(goodIndex(), kSha + R"("}])", "ABC\"}]"), "sha256 that is not 64"},
      {replaced(goodIndex(), "\"columns\": [", "\"columns\": [], \"x\": ["), "columns"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string error = indexError(text);
    EXPECT_NE(error.find(expected), std::string::npos) << "input:\n"
                                                       << text << "\nerror: " << error;
    EXPECT_NE(error.find("index.json"), std::string::npos) << error;
  }
}

TEST(Manifest, TakesEitherChecksum) {
  const std::string xxh =
      replaced(goodIndex(), "\"sha256\": \"" + kSha, "\"xxh128\": \"" + std::string(32, 'b'));
  const Manifest m = Manifest::parse(xxh, "index.json");
  EXPECT_EQ(m.shards[0].checksum_kind, storage::ChecksumKind::kXxh128);
  EXPECT_EQ(m.shards[1].checksum_kind, storage::ChecksumKind::kSha256);
  EXPECT_EQ(Manifest::parse(m.serialize(), "again").serialize(), m.serialize());
  EXPECT_NE(indexError(replaced(goodIndex(), "\"sha256\": \"" + kSha, "\"xxh128\": \"" + kSha))
                .find("32 lowercase hex"),
            std::string::npos);
  EXPECT_NE(
      indexError(replaced(goodIndex(), "\"sha256\": \"" + kSha,
                          "\"xxh128\": \"" + kSha.substr(0, 32) + "\", \"sha256\": \"" + kSha))
          .find("exactly one checksum"),
      std::string::npos);
  // Known digests: XXH3-128 and SHA-256 of "abc".
  EXPECT_EQ(storage::checksumHex(storage::ChecksumKind::kSha256, "abc", 3),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(storage::checksumHex(storage::ChecksumKind::kXxh128, "abc", 3).size(), 32u);
  storage::Checksum pieces(storage::ChecksumKind::kXxh128);
  pieces.update("a", 1);
  pieces.update("bc", 2);
  EXPECT_EQ(pieces.hex(), storage::checksumHex(storage::ChecksumKind::kXxh128, "abc", 3));
}

TEST(Manifest, DeepNestingIsRefusedNotACrash) {
  // Issue 16: an array 200,000 levels deep inside a shape killed the program
  // (SIGSEGV in the error message's dump), and 50,000 levels printed 100 KB.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const std::string error = indexError(replaced(goodIndex(), "[28, 28]", "[28, " + deep + "]"));
  EXPECT_NE(error.find("it nests deeper than 64 levels"), std::string::npos)
      << error.substr(0, 200);
  EXPECT_LT(error.size(), 300u);
  // A list or an object where a size belongs is named, not printed.
  const std::string nested = indexError(replaced(goodIndex(), "[28, 28]", "[28, [[[1]]]]"));
  EXPECT_NE(nested.find("shape has the size a list, not a whole number"), std::string::npos)
      << nested;
  const std::string long_text =
      indexError(replaced(goodIndex(), "[28, 28]", "[28, \"" + std::string(5000, 'x') + "\"]"));
  EXPECT_LT(long_text.size(), 300u) << long_text.substr(0, 300);
  // The limit itself: 64 levels read, 65 do not.
  EXPECT_FALSE(parseUntrustedJson(std::string(64, '[') + std::string(64, ']')).is_discarded());
  std::string why;
  EXPECT_TRUE(parseUntrustedJson(std::string(65, '[') + std::string(65, ']'), &why).is_discarded());
  EXPECT_EQ(why, "it nests deeper than 64 levels");
  EXPECT_TRUE(parseUntrustedJson("{\"a\": ", &why).is_discarded());
  EXPECT_NE(why.find("not valid JSON"), std::string::npos) << why;
}

TEST(Checksum, SeveralDigestsOfAFileInOneRead) {
  // Larger than one read block (4 MiB), so the digests span several.
  const auto path =
      std::filesystem::temp_directory_path() / ("cohort-checksums-" + std::to_string(::getpid()));
  std::string bytes(size_t{9} << 20, '\0');
  std::mt19937 random(7);
  for (auto& b : bytes) b = static_cast<char>(random());
  {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  const auto both = storage::fileChecksumsHex(
      {storage::ChecksumKind::kSha256, storage::ChecksumKind::kXxh128}, path.string());
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0],
            storage::checksumHex(storage::ChecksumKind::kSha256, bytes.data(), bytes.size()));
  EXPECT_EQ(both[1],
            storage::checksumHex(storage::ChecksumKind::kXxh128, bytes.data(), bytes.size()));
  EXPECT_EQ(storage::fileChecksumHex(storage::ChecksumKind::kXxh128, path.string()), both[1]);
  std::filesystem::remove(path);
  EXPECT_THROW(storage::fileChecksumsHex({storage::ChecksumKind::kSha256}, path.string()),
               DataError);
}

TEST(Manifest, SurvivesRandomDamage) {
  // Truncations and byte flips of a good index: each parses or fails cleanly.
  const std::string good = goodIndex();
  std::mt19937 random(5);
  for (size_t cut = 0; cut < good.size(); cut += 3) indexError(good.substr(0, cut));
  for (int i = 0; i < 2000; ++i) {
    std::string text = good;
    for (int k = 0; k < 3; ++k) text[random() % text.size()] = static_cast<char>(random() % 256);
    indexError(text);
  }
}

TEST(ObjectName, AcceptsRelativeNamesOnly) {
  for (const char* ok : {"index.json", "shard-00001.h5", "a/b.h5", "a..b", ".hidden"}) {
    EXPECT_TRUE(storage::isSafeObjectName(ok)) << ok;
  }
  for (const char* bad :
       {"", "/abs", "..", "../x", "a/../b", "a/..", "./a", "a//b", "a/", "a\\b", "a\nb"}) {
    EXPECT_FALSE(storage::isSafeObjectName(bad)) << bad;
    EXPECT_THROW(storage::checkObjectName(bad, "test"), DataError) << bad;
  }
  EXPECT_FALSE(storage::isSafeObjectName(std::string(2000, 'a')));
  EXPECT_EQ(storage::joinName("", "a"), "a");
  EXPECT_EQ(storage::joinName("p/q", "a"), "p/q/a");
  EXPECT_EQ(storage::joinName("p/", "a"), "p/a");
}

TEST(StorageUrl, ParsesEveryForm) {
  auto local = storage::parseStorageUrl("/data/set");
  EXPECT_EQ(local.kind, storage::StorageUrl::Kind::kLocal);
  EXPECT_EQ(local.path, "/data/set");
  EXPECT_EQ(storage::parseStorageUrl("file:///data/set").path, "/data/set");
  EXPECT_EQ(storage::parseStorageUrl("relative/set").path, "relative/set");

  auto azure = storage::parseStorageUrl("azure://myacct/my-container/some/prefix/");
  EXPECT_EQ(azure.kind, storage::StorageUrl::Kind::kAzure);
  EXPECT_EQ(azure.account, "myacct");
  EXPECT_EQ(azure.container, "my-container");
  EXPECT_EQ(azure.prefix, "some/prefix");
  EXPECT_EQ(azure.endpoint, "");

  auto https = storage::parseStorageUrl("https://myacct.blob.core.windows.net/data/fm");
  EXPECT_EQ(https.account, "myacct");
  EXPECT_EQ(https.endpoint, "https://myacct.blob.core.windows.net");
  EXPECT_EQ(https.container, "data");
  EXPECT_EQ(https.prefix, "fm");

  auto path_style = storage::parseStorageUrl("http://127.0.0.1:10000/devstoreaccount1/data");
  EXPECT_EQ(path_style.account, "devstoreaccount1");
  EXPECT_EQ(path_style.endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(path_style.container, "data");
  EXPECT_EQ(path_style.prefix, "");

  auto hdfs = storage::parseStorageUrl("hdfs://namenode:9870/user/me/fm/");
  EXPECT_EQ(hdfs.kind, storage::StorageUrl::Kind::kWebHdfs);
  EXPECT_EQ(hdfs.host, "namenode");
  EXPECT_EQ(hdfs.port, 9870);
  EXPECT_EQ(hdfs.hdfs_path, "/user/me/fm");
  EXPECT_EQ(storage::parseStorageUrl("hdfs://nn/x").port, 9870);
}

TEST(StorageUrl, RefusesBadLocations) {
  for (const char* bad :
       {"", "s3://bucket/x", "azure://UPPER/container", "azure://ab/container", "azure://acct/x",
        "azure://acct/Bad_Container", "azure://acct/a--b", "azure://acct/container/../up",
        "azure://acct/container/a//b", "hdfs://nn:99999/x", "hdfs://nn:12ab/x", "hdfs://nn:9870/",
        "hdfs://nn:9870/a/../b", "hdfs://:9870/x", "file://relative", "https://host/acct/Bad",
        "http://127.0.0.1:10000/x/container"}) {
    EXPECT_THROW(storage::parseStorageUrl(bad), ConfigError) << bad;
  }
}

TEST(StorageUrl, PercentEncodes) {
  EXPECT_EQ(storage::percentEncodePath("a b/c+d"), "a%20b/c%2Bd");
  EXPECT_EQ(storage::percentEncode("a/b=c"), "a%2Fb%3Dc");
}

TEST(Credentials, ParsesKeysAndRefusesOthers) {
  auto values = storage::parseCredentials(
      "# comment\n\nazure_account_key = abc==\n hdfs_delegation_token=t0k\n", "f");
  EXPECT_EQ(values["azure_account_key"], "abc==");
  EXPECT_EQ(values["hdfs_delegation_token"], "t0k");
  for (const char* bad : {"azure_account_key", "password = x", "azure_sas_token =", "= x"}) {
    try {
      storage::parseCredentials(bad, "creds");
      ADD_FAILURE() << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("creds line 1"), std::string::npos) << e.what();
    }
  }
}

TEST(AzureAuth, Base64AndSigning) {
  EXPECT_EQ(storage::base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(storage::base64Decode("aGVsbG8=", "k"), "hello");
  EXPECT_EQ(storage::base64Decode("aGk=", "k"), "hi");
  EXPECT_THROW(storage::base64Decode("not base64!", "k"), ConfigError);
  EXPECT_THROW(storage::base64Decode("abc", "k"), ConfigError);
  EXPECT_EQ(storage::rfc1123Date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  // The string to sign: headers in their slots, x-ms-* sorted, resource with sorted query.
  storage::SignedRequest r{
      "GET",
      "/acct/container",
      {{"restype", "container"}, {"comp", "list"}},
      {{"x-ms-version", "2021-08-06"}, {"x-ms-date", "D"}, {"x-ms-range", "bytes=0-9"}},
      0};
  EXPECT_EQ(
      storage::sharedKeyStringToSign("acct", r),
      "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:D\nx-ms-range:bytes=0-9\nx-ms-version:2021-08-06\n"
      "/acct/acct/container\ncomp:list\nrestype:container");
  // HMAC-SHA256 test vector (RFC 4231, case 2).
  EXPECT_EQ(storage::base64Encode(storage::hmacSha256("Jefe", "what do ya want for nothing?")),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

TEST(AzureXml, ParsesListingsAndErrors) {
  const std::string xml =
      "<?xml version=\"1.0\"?><EnumerationResults ServiceEndpoint=\"x\"><Blobs>"
      "<Blob><Name>p/index.json</Name><Properties><Content-Length>731</Content-Length></"
      "Properties></Blob>"
      "<BlobPrefix><Name>p/sub/</Name></BlobPrefix>"
      "<Blob><Name>p/a&amp;b&#x41;.h5</Name><Properties><Content-Length>5</Content-Length></"
      "Properties></Blob>"
      "</Blobs><NextMarker>m2</NextMarker></EnumerationResults>";
  const auto page = storage::parseBlobList(xml, "url");
  ASSERT_EQ(page.blobs.size(), 2u);
  EXPECT_EQ(page.blobs[0].name, "p/index.json");
  EXPECT_EQ(page.blobs[0].size, 731);
  EXPECT_EQ(page.blobs[1].name, "p/a&bA.h5");
  EXPECT_EQ(page.next_marker, "m2");
  EXPECT_THROW(storage::parseBlobList("<html>", "url"), DataError);
  EXPECT_THROW(storage::parseBlobList("<EnumerationResults><Blob><Name>x</Name></Blob>", "url"),
               DataError);
  EXPECT_EQ(storage::azureErrorText("<Error><Code>AuthenticationFailed</Code><Message>Server "
                                    "failed\nRequestId</Message></Error>",
                                    ""),
            "AuthenticationFailed: Server failed");
  EXPECT_EQ(storage::azureErrorText("", "BlobNotFound"), "BlobNotFound");
  bool found = true;
  EXPECT_EQ(storage::xmlElementText("<a>unterminated", "a", 0, &found), "");
  EXPECT_FALSE(found);
  // Damaged documents: parsed or refused, never read past the end.
  std::mt19937 random(3);
  for (size_t cut = 0; cut < xml.size(); ++cut) {
    try {
      storage::parseBlobList(xml.substr(0, cut), "url");
    } catch (const DataError&) {
    }
    storage::azureErrorText(xml.substr(0, cut), "");
  }
}

// Azure's answers are network input (See azure_xml.h): expat reads them, and
// what a hostile server could send is refused, quickly and without expansion.
TEST(AzureXml, RefusesHostileDocuments) {
  const auto listingError = [](const std::string& xml) {
    try {
      storage::parseBlobList(xml, "url");
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("(parsed)");
  };
  const std::string blob =
      "<Blob><Name>a</Name><Properties><Content-Length>1</Content-Length></Properties></Blob>";
  const std::string good = "<EnumerationResults><Blobs>" + blob + "</Blobs></EnumerationResults>";
  ASSERT_EQ(storage::parseBlobList(good, "url").blobs.size(), 1u);

  // Deep nesting.
  std::string deep = "<EnumerationResults>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_NE(listingError(deep).find("nested deeper than 64"), std::string::npos);
  EXPECT_EQ(storage::azureErrorText(deep, "Header"), "Header");

  // Entities: a billion laughs, an external entity, an undefined one.
  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE Error [<!ENTITY l0 \"ha\">";
  for (int i = 1; i <= 9; ++i) {
    laughs += "<!ENTITY l" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) laughs += "&l" + std::to_string(i - 1) + ";";
    laughs += "\">";
  }
  laughs += "]><Error><Code>&l9;</Code><Message>m</Message></Error>";
  EXPECT_NE(listingError(laughs).find("document type declaration"), std::string::npos)
      << listingError(laughs);
  EXPECT_LE(storage::azureErrorText(laughs, "").size(), 200u);
  const std::string external =
      "<!DOCTYPE Error [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<Error><Code>&x;</Code><Message>m</Message></Error>";
  EXPECT_EQ(storage::azureErrorText(external, "Header"), "Header");
  EXPECT_NE(listingError(external).find("document type declaration"), std::string::npos);
  EXPECT_NE(listingError("<EnumerationResults><Blobs><Blob><Name>&x;</Name></Blob></Blobs>"
                         "</EnumerationResults>")
                .find("undefined entity"),
            std::string::npos);

  // Truncated documents are refused, saying where they break; an error answer
  // gives what it said before the break.
  const std::string cut = listingError(good.substr(0, good.size() - 5));
  EXPECT_NE(cut.find("is not a well-formed List Blobs answer"), std::string::npos) << cut;
  EXPECT_NE(cut.find("line 1"), std::string::npos) << cut;
  EXPECT_EQ(storage::azureErrorText("<Error><Code>ServerBusy</Code><Message>cut", ""),
            "ServerBusy");

  // Huge text: one element's text over 1 MiB.
  const std::string huge = "<EnumerationResults><Blobs><Blob><Name>" +
                           std::string((size_t{1} << 20) + 1, 'n') + "</Name></Blob></Blobs>" +
                           "</EnumerationResults>";
  EXPECT_NE(listingError(huge).find("longer than 1048576 bytes"), std::string::npos);
  // Not a listing at all, and a listing's blob without its size.
  EXPECT_NE(listingError("<Error/>").find("is not a List Blobs answer"), std::string::npos);
  EXPECT_NE(listingError("<EnumerationResults><Blobs><Blob><Name>x</Name></Blob></Blobs>"
                         "</EnumerationResults>")
                .find("without a name or size"),
            std::string::npos);
}

TEST(WebHdfsJson, ParsesAnswersAndRemoteExceptions) {
  EXPECT_EQ(storage::parseFileStatusLength(R"({"FileStatus":{"length":42,"type":"FILE"}})", "u"),
            42);
  EXPECT_THROW(
      storage::parseFileStatusLength(R"({"FileStatus":{"length":0,"type":"DIRECTORY"}})", "u"),
      DataError);
  EXPECT_THROW(storage::parseFileStatusLength(R"({"FileStatus":{"length":-1}})", "u"), DataError);
  EXPECT_THROW(storage::parseFileStatusLength("not json", "u"), DataError);
  const auto list = storage::parseListStatus(
      R"({"FileStatuses":{"FileStatus":[{"pathSuffix":"a.h5","type":"FILE","length":3},
                                        {"pathSuffix":"d","type":"DIRECTORY","length":0}]}})",
      "u");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "a.h5");
  EXPECT_THROW(
      storage::parseListStatus(R"({"FileStatuses":{"FileStatus":[{"type":"FILE"}]}})", "u"),
      DataError);
  EXPECT_TRUE(storage::parseBoolean(R"({"boolean": true})", "u"));
  EXPECT_THROW(storage::parseBoolean(R"({"boolean": 1})", "u"), DataError);
  EXPECT_EQ(
      storage::remoteExceptionText(
          R"({"RemoteException":{"exception":"FileNotFoundException","message":"File does not exist: /x"}})"),
      "FileNotFoundException: File does not exist: /x");
  EXPECT_EQ(storage::remoteExceptionText("<html>oops</html>"), "<html>oops</html>");
}

TEST(LoaderState, RoundTripsAndRefusesJunk) {
  LoaderState s{"abc", 18446744073709551615ull, true, 4, 3, 12345};
  EXPECT_EQ(LoaderState::fromJson(s.toJson(), "t"), s);
  for (
      const char* bad :
      {"", "{}", "[1]", R"({"format":"cohort-loader-state","version":2})",
       R"({"format":"cohort-loader-state","version":1,"dataset":"a","seed":"-1","shuffle":true,"window_shards":1,"epoch":0,"position":0})",
       R"({"format":"cohort-loader-state","version":1,"dataset":"a","seed":"1","shuffle":true,"window_shards":0,"epoch":0,"position":0})",
       R"({"format":"cohort-loader-state","version":1,"dataset":"a","seed":"1","shuffle":true,"window_shards":1,"epoch":0,"position":-4})"}) {
    EXPECT_THROW(LoaderState::fromJson(bad, "t"), DataError) << bad;
  }
}

std::string npy(const std::string& dict, int version = 1) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(version) + '\0';
  if (version == 1) {
    out += static_cast<char>(header.size() & 255);
    out += static_cast<char>(header.size() >> 8);
  } else {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 255);
  }
  return out + header;
}

TEST(NpyHeader, ParsesAndRefuses) {
  auto h = cohort_pack::parseNpyHeader(
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 3), }"), "a.npy");
  EXPECT_EQ(h.dtype, DType::kFloat32);
  EXPECT_EQ(h.shape, (std::vector<int64_t>{10, 3}));
  EXPECT_EQ(h.data_bytes, 120);
  EXPECT_EQ(h.data_offset % 64, 0);
  h = cohort_pack::parseNpyHeader(
      npy("{'descr': '|u1', 'fortran_order': False, 'shape': (7,), }", 2), "b.npy");
  EXPECT_EQ(h.dtype, DType::kUInt8);
  EXPECT_EQ(h.shape, (std::vector<int64_t>{7}));
  for (const std::string& bad :
       {std::string("not npy"), npy("{'descr': '>f4', 'fortran_order': False, 'shape': (10,), }"),
        npy("{'descr': '<c8', 'fortran_order': False, 'shape': (10,), }"),
        npy("{'descr': '<f4', 'fortran_order': True, 'shape': (10,), }"),
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }"),
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }"),
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999, 99999999999), }"),
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }"),
        npy("{'descr': '<f4', 'shape': (1,), }"),
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,", 3)}) {
    EXPECT_THROW(cohort_pack::parseNpyHeader(bad, "bad.npy"), DataError) << bad;
    for (size_t cut = 0; cut < bad.size(); ++cut) {
      try {
        cohort_pack::parseNpyHeader(bad.substr(0, cut), "cut.npy");
      } catch (const DataError&) {
      }
    }
  }
}

}  // namespace
}  // namespace cohort::data
