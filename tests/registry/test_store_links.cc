// A local store refuses symbolic links below its location (See Note [No
// links] in cohort/storage/storage_local.h): a registry or data set folder
// cannot be made to read or write outside itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/storage/storage.h"

namespace cohort::storage {
namespace {

namespace fs = std::filesystem;

class StoreLinks : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cohort-links." + uniqueSuffix());
    fs::create_directories(dir_ / "store" / "real");
    fs::create_directories(dir_ / "outside");
    std::ofstream(dir_ / "outside" / "secret") << "secret";
    std::ofstream(dir_ / "store" / "real" / "plain") << "plain";
    fs::create_symlink(dir_ / "outside" / "secret", dir_ / "store" / "file-link");
    fs::create_symlink(dir_ / "outside", dir_ / "store" / "folder-link");
    store_ = openStorage((dir_ / "store").string(), StorageOptions{});
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The DataError's text, or "" when `f` did not throw one.
  template <typename F>
  std::string refusal(F f) {
    try {
      f();
    } catch (const DataError& e) {
      return e.detail();
    }
    return "";
  }

  fs::path dir_;
  std::unique_ptr<Storage> store_;
};

TEST_F(StoreLinks, PlainObjectsAreRead) {
  EXPECT_TRUE(store_->exists("real/plain"));
  EXPECT_EQ(store_->readAll("real/plain"), "plain");
}

TEST_F(StoreLinks, ALinkedFileIsRefused) {
  for (const std::string& what :
       {refusal([&] { store_->exists("file-link"); }), refusal([&] { store_->size("file-link"); }),
        refusal([&] { store_->readAll("file-link"); })}) {
    EXPECT_NE(what.find("file-link is a symbolic link"), std::string::npos) << what;
  }
}

TEST_F(StoreLinks, ALinkedFolderIsRefusedForReadsAndWrites) {
  EXPECT_NE(refusal([&] { store_->readAll("folder-link/secret"); }).find("is a symbolic link"),
            std::string::npos);
  EXPECT_NE(refusal([&] { store_->write("folder-link/new", "x"); }).find("is a symbolic link"),
            std::string::npos);
  EXPECT_NE(
      refusal([&] { store_->createExclusive("folder-link/new", "x"); }).find("is a symbolic link"),
      std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "outside" / "new"));
}

TEST_F(StoreLinks, RemovingALinkRemovesTheLinkOnly) {
  store_->remove("file-link");
  EXPECT_FALSE(fs::is_symlink(dir_ / "store" / "file-link"));
  EXPECT_TRUE(fs::exists(dir_ / "outside" / "secret"));
}

}  // namespace
}  // namespace cohort::storage
