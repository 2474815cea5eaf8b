// What `ldd` says a program needs, read as cohort-model containerize reads
// it (launcher/model/program_closure.h): each library under the name it is
// looked up by and its real file, the loader, the vDSO skipped, and a
// library not found refused naming it.
#include <gtest/gtest.h>

#include <filesystem>

#include "cohort/core/error.h"
#include "model/program_closure.h"

namespace cohort::model {
namespace {

namespace fs = std::filesystem;

TEST(ProgramClosure, ReadsLibrariesAndTheLoader) {
  // Real files, so that their real paths resolve: the shell, and the
  // loader and libc of this machine.
  const std::string libc = fs::canonical("/lib/x86_64-linux-gnu/libc.so.6").string();
  const std::string output =
      "\tlinux-vdso.so.1 (0x00007ffd)\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f00)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f01)\n";
  const ProgramClosure closure = readLddOutput("/bin/sh", output);
  EXPECT_EQ(closure.program, fs::canonical("/bin/sh").string());
  ASSERT_EQ(closure.libraries.size(), 1u);
  EXPECT_EQ(closure.libraries[0].first, "libc.so.6");
  EXPECT_EQ(closure.libraries[0].second, libc);
  EXPECT_EQ(closure.loader, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(closure.loader_file, fs::canonical("/lib64/ld-linux-x86-64.so.2").string());
}

TEST(ProgramClosure, ALibraryNotFoundIsRefusedNamingIt) {
  try {
    readLddOutput("/bin/sh", "\tlibmissing.so.3 => not found\n");
    FAIL() << "a missing library was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("libmissing.so.3"), std::string::npos) << e.what();
  }
}

TEST(ProgramClosure, ThisMachinesShellHasLibcAndALoader) {
  const ProgramClosure closure = programClosure("/bin/sh");
  bool libc = false;
  for (const auto& [soname, file] : closure.libraries) libc = libc || soname == "libc.so.6";
  EXPECT_TRUE(libc);
  EXPECT_FALSE(closure.loader.empty());
}

}  // namespace
}  // namespace cohort::model
