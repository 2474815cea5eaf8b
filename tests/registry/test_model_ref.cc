// Model references and names (model_ref.h), and the lineage's secret
// scrubbing: every form that reaches a storage path is refused with a
// message that says what is wrong.
#include <gtest/gtest.h>

#include <cstdlib>

#include "cohort/core/error.h"
#include "cohort/registry/lineage.h"
#include "cohort/registry/model_ref.h"

namespace cohort::registry {
namespace {

std::string refusal(const std::string& text) {
  try {
    parseModelRef(text);
  } catch (const ConfigError& e) {
    EXPECT_FALSE(e.hint().empty()) << text;
    return e.detail();
  }
  return "";
}

TEST(ModelRef, ParsesTheThreeForms) {
  EXPECT_EQ(parseModelRef("fmnist").text(), "fmnist");
  EXPECT_EQ(parseModelRef("fmnist:12").version, 12);
  EXPECT_EQ(parseModelRef("fmnist@production").alias, "production");
  EXPECT_EQ(parseModelRef("a.b_c-d:1").name, "a.b_c-d");
}

TEST(ModelRef, RefusesWhatCouldEscapeOrConfuse) {
  EXPECT_NE(refusal("a/b").find("'/'"), std::string::npos);
  EXPECT_NE(refusal("a..b").find("\"..\""), std::string::npos);
  EXPECT_NE(refusal("..").find("does not start"), std::string::npos);
  EXPECT_NE(refusal("a b").find("a space"), std::string::npos);
  EXPECT_NE(refusal(std::string("a\nb")).find("control character"), std::string::npos);
  EXPECT_NE(refusal(std::string(300, 'm')).find("longer than 128"), std::string::npos);
  EXPECT_NE(refusal("").find("empty"), std::string::npos);
  EXPECT_NE(refusal("m:0").find("whole number"), std::string::npos);
  EXPECT_NE(refusal("m:-1").find("whole number"), std::string::npos);
  EXPECT_NE(refusal("m:99999999999999999999").find("whole number"), std::string::npos);
  EXPECT_NE(refusal("m:1@a").find("both"), std::string::npos);
  EXPECT_NE(refusal("m@123").find("all digits"), std::string::npos);
  EXPECT_NE(refusal("m@").find("empty"), std::string::npos);
  EXPECT_EQ(refusal(std::string(128, 'm')), "");
}

// Whether `text` is whole UTF-8: no sequence cut in the middle.
bool validUtf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > text.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(ModelRef, QuotesWholeCharacters) {
  // The refused character is named whole, not as its first byte.
  const std::string accent = refusal("mod\xc3\xa8le");
  EXPECT_NE(accent.find("holds '\xc3\xa8'"), std::string::npos) << accent;
  EXPECT_TRUE(validUtf8(accent)) << accent;
  // A long name is cut between characters, and counted in characters.
  std::string long_name = "m";
  for (int i = 0; i < 100; ++i) long_name += "\xc3\xa9";  // 'é' is 2 bytes
  const std::string cut = refusal(long_name);
  EXPECT_TRUE(validUtf8(cut)) << cut;
  EXPECT_NE(cut.find("(101 characters)"), std::string::npos) << cut;
  // Bytes that are not UTF-8 are shown as \xNN.
  const std::string bad = refusal("a\xff");
  EXPECT_TRUE(validUtf8(bad)) << bad;
  EXPECT_NE(bad.find("\\xff"), std::string::npos) << bad;
}

TEST(Lineage, NoSecretSurvives) {
  storage::StorageOptions credentials;
  credentials.azure_account_key = "c2VjcmV0LWtleS12YWx1ZQ==";
  credentials.azure_sas_token = "?sv=2021&sig=abcdef123456";
  nlohmann::json j = {
      {"a", "key c2VjcmV0LWtleS12YWx1ZQ== here"},
      {"b", {"https://acct.blob.core.windows.net/c/x?sv=1&sig=zzz", "sv=2021&sig=abcdef123456"}}};
  const std::string text = withoutSecrets(j, credentials).dump();
  EXPECT_EQ(text.find("c2VjcmV0LWtleS12YWx1ZQ"), std::string::npos) << text;
  EXPECT_EQ(text.find("sig="), std::string::npos) << text;
  EXPECT_NE(text.find("<hidden>"), std::string::npos) << text;
}

}  // namespace
}  // namespace cohort::registry
