#include "cohort/sweep/sqlite_db.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <limits>

#include "cohort/core/error.h"
#include "cohort/core/file_io.h"

namespace cohort::sweep {

void SqliteDb::open(const std::string& uri, int flags, int busyMs, const std::string& hint) {
  const int rc = sqlite3_open_v2(uri.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error("cannot open the sweep store " + path_ + ": " + message, hint);
  }
  sqlite3_busy_timeout(db_, busyMs);
}

SqliteDb::SqliteDb(const std::string& path, int busyMs) : path_(path) {
  // See Note [Writing through links]: the store is never written through one.
  struct stat link {};
  if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    throw Error("the sweep store: " + openToWriteProblem(path, ELOOP),
                "keep the store itself in the sweep folder");
  }
  open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, busyMs,
       "check that the sweep folder exists and is writable");
  Statement mode(*this, "PRAGMA journal_mode=WAL");
  if (!mode.step() || mode.text(0) != "wal") {
    fail("cannot switch to WAL mode (the file system may not support the shared memory WAL needs)");
  }
  // In WAL mode NORMAL loses no committed transaction when a process dies
  // (only on power loss), and keeps commits cheap.
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
}

SqliteDb SqliteDb::readOnly(const std::string& path, int busyMs) {
  const std::string hint = "check that the sweep folder and its sweep.db can be read";
  SqliteDb db;
  db.path_ = path;
  db.open(path, SQLITE_OPEN_READONLY, busyMs, hint);
  // See Note [Reading a store read-only]: the first read tells whether WAL
  // can be read here; if not, the store is read as immutable.
  if (sqlite3_exec(db.db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) ==
      SQLITE_OK) {
    return db;
  }
  sqlite3_close_v2(db.db_);
  db.db_ = nullptr;
  std::string uri = "file:";
  for (const char c : path) {  // a URI's path: '?', '#' and '%' escaped
    if (c == '?' || c == '#' || c == '%') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    } else {
      uri += c;
    }
  }
  db.open(uri + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, busyMs, hint);
  return db;
}

SqliteDb::~SqliteDb() {
  if (db_) sqlite3_close_v2(db_);
}

SqliteDb::SqliteDb(SqliteDb&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) {
  other.db_ = nullptr;
}

void SqliteDb::fail(const std::string& what) const {
  throw Error("sweep store " + path_ + ": " + what + ": " + sqlite3_errmsg(db_),
              "check the disk and that no other program rewrote the file");
}

void SqliteDb::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "?";
    sqlite3_free(message);
    throw Error("sweep store " + path_ + ": '" + sql.substr(0, 60) + "' failed: " + text,
                "check the disk and that no other program rewrote the file");
  }
}

Statement::Statement(const SqliteDb& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &statement_, nullptr) != SQLITE_OK) {
    db.fail(std::string("cannot prepare '") + sql + "'");
  }
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) db_.fail("bind failed");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (std::isnan(value)) return bindNull(index);
  if (sqlite3_bind_double(statement_, index, value) != SQLITE_OK) db_.fail("bind failed");
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  if (sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    db_.fail("bind failed");
  }
  return *this;
}

Statement& Statement::bindNull(int index) {
  if (sqlite3_bind_null(statement_, index) != SQLITE_OK) db_.fail("bind failed");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("a statement failed");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

int Statement::changes() const { return sqlite3_changes(db_.handle()); }

bool Statement::isNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_, column); }

double Statement::real(int column) const {
  return isNull(column) ? std::numeric_limits<double>::quiet_NaN()
                        : sqlite3_column_double(statement_, column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(statement_, column);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(statement_, column)))
           : std::string();
}

WriteTransaction::WriteTransaction(SqliteDb& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

WriteTransaction::~WriteTransaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace cohort::sweep
