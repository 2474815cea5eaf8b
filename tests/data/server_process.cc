#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cohort/storage/http_client.h"

#ifndef COHORT_SOURCE_DIR
#error "COHORT_SOURCE_DIR must be defined by the build"
#endif

namespace cohort::test {

namespace {

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

std::string tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

}  // namespace

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

ServerProcess::ServerProcess(std::vector<std::string> argv, std::vector<int> ports,
                             std::string log_path)
    : argv_(std::move(argv)), ports_(std::move(ports)), log_path_(std::move(log_path)) {
  start();
}

ServerProcess::~ServerProcess() { stop(); }

void ServerProcess::start() {
  const pid_t parent = ::getpid();
  // Everything the child needs is prepared before fork: other threads of this
  // process may hold the allocator's lock at the moment of the fork.
  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  const char* log_path = log_path_.c_str();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the test
    if (::getppid() != parent) ::_exit(1);
    const int log = ::open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int port : ports_) {
    while (!accepts(port)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(argv_[0] + " exited before listening; its log:\n" +
                                 tail(log_path_));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        throw std::runtime_error(argv_[0] + " did not listen on port " + std::to_string(port) +
                                 " within 60 s; its log:\n" + tail(log_path_));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void ServerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

namespace {

std::vector<std::string> azuriteCommand(const std::string& folder, int port) {
  const std::string binary =
      std::string(COHORT_SOURCE_DIR) + "/.deps/azurite/node_modules/.bin/azurite-blob";
  if (::access(binary.c_str(), X_OK) != 0) {
    throw std::runtime_error("Azurite is not installed at " + binary + "; run scripts/setup.sh");
  }
  return {binary,       "--blobHost", "127.0.0.1", "--blobPort",           std::to_string(port),
          "--location", folder,       "--silent",  "--skipApiVersionCheck"};
}

}  // namespace

Azurite::Azurite(const std::string& folder)
    : port(freePort()),
      endpoint("http://127.0.0.1:" + std::to_string(port) + "/" + kAccount),
      process(azuriteCommand(folder, port), {port}, folder + "/azurite.log") {}

WebHdfsFixture::WebHdfsFixture(const std::string& folder, const std::string& token,
                               bool require_user)
    : namenode_port(freePort()),
      datanode_port(freePort()),
      process(
          [&] {
            std::vector<std::string> argv = {
                "/usr/bin/python3",
                std::string(COHORT_SOURCE_DIR) + "/tests/data/webhdfs_fixture.py",
                "--root",
                folder + "/hdfs",
                "--namenode-port",
                std::to_string(namenode_port),
                "--datanode-port",
                std::to_string(datanode_port)};
            if (!token.empty()) argv.insert(argv.end(), {"--token", token});
            if (require_user) argv.push_back("--require-user");
            return argv;
          }(),
          {namenode_port, datanode_port}, folder + "/webhdfs_fixture.log") {}

std::string WebHdfsFixture::control(const std::string& method,
                                    const std::string& path_and_query) const {
  storage::HttpClient http(10);
  storage::HttpRequest request;
  request.method = method;
  request.url = "http://127.0.0.1:" + std::to_string(namenode_port) + path_and_query;
  static const std::string kEmpty;
  if (method == "POST") request.body = &kEmpty;
  const auto r = http.perform(request);
  if (!r.ok())
    throw std::runtime_error("fixture control " + path_and_query + " failed: " + r.transport_error);
  return r.body;
}

}  // namespace cohort::test
