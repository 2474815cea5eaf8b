// A thin C++ layer over the SQLite C API for the store: a connection, a
// prepared statement, and a write transaction that rolls back unless
// committed. Every failure throws cohort::Error with SQLite's message and
// the file. Internal to cohort/sweep.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace cohort::sweep {

// Note [Reading a store read-only]: SQLite reads a WAL database without
// write access to its file when the -wal and -shm files exist (a driver has
// the store open) or can be created. A finished sweep in a folder that is not
// writable has neither, so there the store is opened as immutable: nothing
// can be changing it, since nobody could have created the -shm a writer needs.
class SqliteDb {
 public:
  // Opens (or creates) `path` in WAL mode with a busy timeout of `busyMs`.
  SqliteDb(const std::string& path, int busyMs);

  // Opens `path` for reading only: a store on a read-only mount, or in
  // another user's folder, can be read. See Note [Reading a store read-only].
  static SqliteDb readOnly(const std::string& path, int busyMs);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  SqliteDb(SqliteDb&& other) noexcept;

  void exec(const std::string& sql);
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  SqliteDb() = default;
  void open(const std::string& uri, int flags, int busyMs, const std::string& hint);

  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(const SqliteDb& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);  // NaN is stored as NULL
  Statement& bind(int index, const std::string& value);
  Statement& bindNull(int index);
  bool step();   // true while there is a row
  void run();    // steps to the end
  void reset();  // for another run, bindings cleared
  int changes() const;

  bool isNull(int column) const;
  int64_t integer(int column) const;
  double real(int column) const;  // NULL reads as NaN
  std::string text(int column) const;

 private:
  const SqliteDb& db_;
  sqlite3_stmt* statement_ = nullptr;
};

// BEGIN IMMEDIATE (the write lock up front, so two writers wait for each
// other instead of failing to upgrade); rolled back unless commit() is called.
class WriteTransaction {
 public:
  explicit WriteTransaction(SqliteDb& db);
  ~WriteTransaction();
  void commit();

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace cohort::sweep
