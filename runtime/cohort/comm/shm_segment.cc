#include "cohort/comm/shm_segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "cohort/comm/mpi_check.h"

namespace cohort {

namespace {

constexpr int kNameLength = 64;

int64_t roundUpToPage(int64_t bytes) {
  const int64_t page = sysconf(_SC_PAGESIZE);
  return (bytes + page - 1) / page * page;
}

// A name no other job on this machine uses: the creator's pid and the time.
std::string uniqueName() {
  const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  char name[kNameLength];
  std::snprintf(name, sizeof name, "/cohort.%d.%llx", static_cast<int>(getpid()),
                static_cast<unsigned long long>(ticks));
  return name;
}

std::string failure(const std::string& call, const std::string& name) {
  return call + " of shared memory " + name + " failed: " + std::strerror(errno);
}

// Local rank 0's half: create, size and reserve the segment. Returns the fd or -1.
int createFile(const std::string& name, int64_t bytes, std::string* why) {
  const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) {
    *why = failure("shm_open", name);
    return -1;
  }
  const int error = ftruncate(fd, bytes) != 0 ? errno : posix_fallocate(fd, 0, bytes);
  if (error != 0) {
    errno = error;
    *why = failure("reserving " + std::to_string(bytes >> 20) + " MiB", name) +
           " (is /dev/shm large enough? containers often give it 64 MiB: docker run --shm-size)";
    close(fd);
    shm_unlink(name.c_str());
    return -1;
  }
  return fd;
}

}  // namespace

std::shared_ptr<ShmSegment> ShmSegment::create(MPI_Comm node, int64_t bytes_per_part,
                                               std::string* why) {
  int local_rank = 0, parts = 1;
  COHORT_MPI_CHECK(MPI_Comm_rank(node, &local_rank));
  COHORT_MPI_CHECK(MPI_Comm_size(node, &parts));
  const int64_t part_bytes = roundUpToPage(bytes_per_part);
  const int64_t bytes = part_bytes * parts;

  // 1. Local rank 0 creates it and tells the others its name ("" on failure).
  char name[kNameLength] = {};
  int fd = -1;
  if (local_rank == 0) {
    const std::string chosen = uniqueName();
    fd = createFile(chosen, bytes, why);
    if (fd >= 0) std::snprintf(name, sizeof name, "%s", chosen.c_str());
  }
  COHORT_MPI_CHECK(MPI_Bcast(name, kNameLength, MPI_CHAR, 0, node));

  // 2. Every rank maps it.
  char* base = nullptr;
  if (name[0] != '\0') {
    if (local_rank != 0) fd = shm_open(name, O_RDWR, 0600);
    if (fd < 0) {
      *why = failure("shm_open", name);
    } else {
      void* mapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (mapped == MAP_FAILED) {
        *why = failure("mmap", name);
      } else {
        base = static_cast<char*>(mapped);
      }
      close(fd);
    }
  }

  // 3. All or none: a rank that failed makes every rank give it up.
  int mapped_here = base != nullptr ? 1 : 0, mapped_everywhere = 0;
  COHORT_MPI_CHECK(MPI_Allreduce(&mapped_here, &mapped_everywhere, 1, MPI_INT, MPI_MIN, node));
  if (local_rank == 0 && name[0] != '\0') shm_unlink(name);  // everyone has opened it
  if (!mapped_everywhere) {
    if (base != nullptr) munmap(base, bytes);
    if (why->empty()) *why = "another rank of this machine could not map the shared memory";
    return nullptr;
  }
  return std::shared_ptr<ShmSegment>(new ShmSegment(base, part_bytes, parts));
}

ShmSegment::~ShmSegment() { munmap(base_, part_bytes_ * parts_); }

int64_t ShmSegment::offsetIn(int local_rank, const void* p) const {
  const char* c = static_cast<const char*>(p);
  const char* begin = part(local_rank);
  if (c < begin || c >= begin + part_bytes_) return -1;
  return c - begin;
}

}  // namespace cohort
