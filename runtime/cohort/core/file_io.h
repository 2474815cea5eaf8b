// Small POSIX file helpers shared by the code that writes files itself (local
// storage, checkpoints, the launcher): a descriptor closed at scope exit, a
// write of every byte, a copy between files, and the one atomic file write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace cohort {

// Closes a file descriptor when it goes out of scope (a negative one is none).
// Movable, so a descriptor can be handed on (a child process's pipe).
struct UniqueFd {
  UniqueFd() : fd(-1) {}
  explicit UniqueFd(int descriptor) : fd(descriptor) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;

  // Closes the descriptor now (if any).
  void reset();
  // Gives the descriptor up without closing it.
  int release();

  int fd;
};

// Writes all `size` bytes of `data` to `fd`, retrying interrupted and short
// writes; false, with errno saying why, when it cannot. Async-signal-safe.
bool writeAll(int fd, const void* data, size_t size);
inline bool writeAll(int fd, const std::string& text) {
  return writeAll(fd, text.data(), text.size());
}

// Copies `size` bytes from the start of `in` to the end of `out` (in the kernel
// with copy_file_range where the file systems allow, else through a buffer),
// telling `progress` (if set) the bytes copied so far after each piece; false,
// with errno saying why, when it cannot (a short `in` is EIO).
bool copyContents(int in, int out, int64_t size,
                  const std::function<void(int64_t)>& progress = nullptr);

// Note [Writing through links]
// A file cohort opens in place to write (a rank's log, metrics.jsonl, the
// timeline, an error record, a sweep's driver log) is opened with O_NOFOLLOW:
// a symbolic link left at that name, planted or not, would otherwise have
// cohort truncate or append to whatever it points at, outside the folder.
// The open fails instead, and openToWriteProblem names the link and its
// target. The folder itself may be reached through links (a logs folder on
// another disk), and files written atomically need no such care: the rename
// replaces a link, never its target.

// open(2) of `path` to write: `flags` plus O_NOFOLLOW and O_CLOEXEC, `mode`
// for a file it creates (See Note [Writing through links]). -1, errno set,
// when it cannot.
int openToWrite(const std::string& path, int flags, unsigned mode = 0644);
// The same as a stdio stream: appending ("ab") or truncating ("wb"); nullptr,
// errno set, when it cannot.
std::FILE* fopenToWrite(const std::string& path, bool append);
// Why opening `path` to write failed with errno `error`: "PATH is a symbolic
// link (to TARGET), and cohort does not write through links" or "cannot open
// PATH: REASON".
std::string openToWriteProblem(const std::string& path, int error);

// "PID.RANDOM": a suffix for temporary names no other process or thread picks.
std::string uniqueSuffix();

// Note [Atomic file writes]
// A file that others read while it may be replaced (run.json, a record, an
// object of local storage, the upload state, a cached shard) is written whole
// to a temporary file beside it, which is flushed to disk (fsync) and renamed
// over the file; the folder is then flushed, so that the rename survives a
// crash. A reader sees the old file or the new one, never part of one. A
// failure leaves no temporary file behind and says which file could not be
// written and why ("cannot write PATH: No space left on device"); the caller
// turns that into its own error, with its own advice. Renaming whole folders
// (a checkpoint's commit, a model export, a registry download) is another
// job, done where those folders are made.

struct AtomicWrite {
  // Flush the file before the rename and the folder after it. A cache, whose
  // entries are checked when read, can do without.
  bool durable = true;
  // The temporary file; "": PATH.tmp.UNIQUE (uniqueSuffix).
  std::string temporary;
};

// Fills `path` atomically (See Note [Atomic file writes]): `fill` writes the
// content to the descriptor it is given, returning false (errno set) when it
// cannot. False, with *problem saying what failed, when the file could not be
// written; the file is then as it was.
bool writeFileAtomically(const std::string& path, const std::function<bool(int fd)>& fill,
                         std::string* problem, const AtomicWrite& how = {});
bool writeFileAtomically(const std::string& path, const std::string& bytes, std::string* problem,
                         const AtomicWrite& how = {});

// The first half of an atomic write, for a caller that commits the file its
// own way (link(2) for an exclusive create): creates `temporary` (which must
// not exist), fills it and, when `durable`, flushes it. False, with *problem
// naming `path` (the file it stands for), having removed `temporary`.
bool writeTemporaryFile(const std::string& path, const std::string& temporary,
                        const std::function<bool(int fd)>& fill, bool durable,
                        std::string* problem);

// Flushes the folder holding `path` to disk (after a rename or a link in it);
// best effort.
void syncParentFolder(const std::string& path);

}  // namespace cohort
