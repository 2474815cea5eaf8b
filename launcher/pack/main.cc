// cohort-pack: turns idx files, .npy arrays or the Fashion-MNIST files into a
// cohort data set on any supported storage. See pack_options.cc for the
// options, packer.h for how a data set is checked and written.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cohort/core/env.h"
#include "cohort/core/error.h"
#include "cohort/core/settings.h"
#include "cohort/storage/storage.h"
#include "common/run_tool.h"
#include "pack/dataset_writer.h"
#include "pack/idx_file.h"
#include "pack/npy_file.h"
#include "pack/pack_options.h"
#include "pack/packer.h"

namespace cohort_pack {

namespace {

namespace fs = std::filesystem;
using cohort::data::Column;
using cohort::data::DType;

ColumnData fromIdx(const std::string& name, const std::string& path) {
  const IdxFile file = IdxFile::read(path, 0, "pass an intact idx file (unsigned bytes)");
  ColumnData c;
  c.column =
      Column{name, DType::kUInt8, std::vector<int64_t>(file.dims().begin() + 1, file.dims().end())};
  c.rows = file.count();
  c.bytes.assign(file.values().begin(), file.values().end());
  return c;
}

ColumnData fromNpy(const std::string& name, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw cohort::DataError("cannot open " + path, "check the path given to --npy");
  std::ostringstream text;
  text << in.rdbuf();
  std::string bytes = text.str();
  const NpyHeader h = parseNpyHeader(bytes, path);
  if (static_cast<int64_t>(bytes.size()) != h.data_offset + h.data_bytes) {
    throw cohort::DataError(
        path + " holds " + std::to_string(bytes.size() - h.data_offset) +
            " bytes of values but its header promises " + std::to_string(h.data_bytes),
        "the file is truncated or damaged: save the array again with numpy.save");
  }
  ColumnData c;
  c.column = Column{name, h.dtype, std::vector<int64_t>(h.shape.begin() + 1, h.shape.end())};
  c.rows = h.shape[0];
  c.bytes = bytes.substr(static_cast<size_t>(h.data_offset));
  return c;
}

void printLine(const std::string& line) { std::printf("cohort-pack: %s\n", line.c_str()); }

// Refuses an input folder that is not there, naming the option that gave it.
void checkInputFolder(const std::string& option, const std::string& folder) {
  std::error_code error;
  if (fs::is_directory(folder, error)) return;
  const bool missing = !fs::exists(fs::symlink_status(folder, error));
  throw cohort::DataError("cannot open the folder " + folder + " given to " + option + ": " +
                              (missing ? "it does not exist" : "it is not a folder"),
                          "check the path given to " + option);
}

// Refuses an input file whose folder is not there (its own absence is fromIdx's or fromNpy's).
void checkInputFile(const std::string& option, const std::string& path) {
  const fs::path folder = fs::path(path).parent_path();
  std::error_code error;
  if (folder.empty() || fs::is_directory(folder, error)) return;
  throw cohort::DataError("cannot open " + path + " given to " + option + ": its folder " +
                              folder.string() + " does not exist",
                          "check the path given to " + option);
}

std::string fashionFile(const std::string& dir, const std::string& name) {
  std::ifstream gz(dir + "/" + name + ".gz");
  return gz ? dir + "/" + name + ".gz" : dir + "/" + name;
}

// Every data set to pack, its columns read whole.
std::vector<PackJob> readJobs(const PackOptions& o) {
  std::vector<PackJob> jobs;
  if (!o.fashion_mnist.empty()) {
    checkInputFolder("--fashion-mnist", o.fashion_mnist);
    std::string to = o.to;
    while (to.size() > 1 && to.back() == '/') to.pop_back();
    for (const auto& [split, prefix] :
         {std::pair<std::string, std::string>{"train", "train"}, {"test", "t10k"}}) {
      jobs.push_back(
          {to + "/" + split,
           {fromIdx("image", fashionFile(o.fashion_mnist, prefix + "-images-idx3-ubyte")),
            fromIdx("label", fashionFile(o.fashion_mnist, prefix + "-labels-idx1-ubyte"))}});
    }
    return jobs;
  }
  PackJob job{o.to, {}};
  for (const auto& [name, path] : o.idx) {
    checkInputFile("--idx", path);
    job.columns.push_back(fromIdx(name, path));
  }
  for (const auto& [name, path] : o.npy) {
    checkInputFile("--npy", path);
    job.columns.push_back(fromNpy(name, path));
  }
  jobs.push_back(std::move(job));
  return jobs;
}

int run(const PackOptions& o) {
  const auto settings = cohort::Settings::fromEnvironment(cohort::processEnv());
  const auto storage_options = cohort::storage::StorageOptions::fromSettings(settings);
  packAll(readJobs(o), o, storage_options, printLine);
  return 0;
}

}  // namespace
}  // namespace cohort_pack

int main(int argc, char** argv) {
  // 2: a bad command line or setting; 1: a source or destination that fails.
  return cohort::cli::runTool("cohort-pack", {2, 1}, [&] {
    const cohort_pack::PackOptions options = cohort_pack::PackOptions::parse(argc, argv);
    if (options.help) {  // before anything (settings, storage) is touched
      std::printf("%s", cohort_pack::PackOptions::usage().c_str());
      return 0;
    }
    return cohort_pack::run(options);
  });
}
