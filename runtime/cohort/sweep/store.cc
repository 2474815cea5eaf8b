#include "cohort/sweep/store.h"

#include <sys/stat.h>

#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/json.h"
#include "cohort/sweep/sqlite_db.h"

namespace cohort::sweep {

namespace {

constexpr int kBusyMs = 30000;

const char* const kSchema = R"sql(
CREATE TABLE sweep (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  spec TEXT NOT NULL,
  digest TEXT NOT NULL,
  created REAL NOT NULL);
CREATE TABLE trials (
  id INTEGER PRIMARY KEY,
  params TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','running','paused','cut','completed','failed')),
  job_id TEXT NOT NULL DEFAULT '',
  checkpoint TEXT NOT NULL DEFAULT '',
  exit_status INTEGER,
  reason TEXT NOT NULL DEFAULT '',
  created REAL NOT NULL,
  started REAL NOT NULL DEFAULT 0,
  ended REAL NOT NULL DEFAULT 0);
CREATE INDEX trials_state ON trials (state);
CREATE TABLE metrics (
  trial INTEGER NOT NULL REFERENCES trials (id),
  step INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (trial, step)) WITHOUT ROWID;
CREATE TABLE decisions (
  trial INTEGER NOT NULL REFERENCES trials (id),
  interval INTEGER NOT NULL,
  policy TEXT NOT NULL,
  action TEXT NOT NULL,
  value REAL,
  threshold REAL,
  reason TEXT NOT NULL,
  time REAL NOT NULL);
)sql";

TrialState stateOf(const std::string& text) {
  if (auto state = enumValue(kStateNames, text)) return *state;
  throw Error("the sweep store holds the unknown trial state '" + text + "'",
              "open it with a newer cohort-sweep");
}

int64_t userVersion(const SqliteDb& db) {
  Statement s(db, "PRAGMA user_version");
  s.step();
  return s.integer(0);
}

// Checks an existing store's schema and, given `spec`, that it is that
// sweep's; reads only.
void checkStore(const SqliteDb& db, const SweepSpec* spec, int64_t version, int64_t tables) {
  if (version == 0 && tables == 0) {
    throw ConfigError(db.path() + " is not a sweep store (it is empty)",
                      "give the sweep folder's store");
  }
  if (version == 0) {
    throw ConfigError(
        db.path() +
            " is an SQLite file but not a sweep store (it has tables and no schema version)",
        "give a new path or the sweep folder's own store");
  }
  if (version != kStoreSchema) {
    throw ConfigError(db.path() + " has store schema " + std::to_string(version) +
                          "; this cohort-sweep reads schema " + std::to_string(kStoreSchema) +
                          (version > kStoreSchema ? " (the store is newer)" : ""),
                      "open it with the cohort-sweep that made it, or start a new sweep folder");
  }
  if (spec) {
    Statement s(db, "SELECT digest FROM sweep WHERE id = 1");
    if (!s.step()) throw ConfigError(db.path() + " has no sweep row", "start a new sweep folder");
    const std::string stored = s.text(0), wanted = digestOf(*spec);
    if (stored != wanted) {
      throw ConfigError(db.path() + " belongs to another sweep: its spec digest is " +
                            stored.substr(0, 12) + "..., the sweep file " + spec->file + " gives " +
                            wanted.substr(0, 12) + "...",
                        "resume with the sweep file it was started with (only limits may change), "
                        "or give this sweep a new folder");
    }
  }
}

int64_t tableCount(const SqliteDb& db) {
  Statement s(db, "SELECT count(*) FROM sqlite_master");
  s.step();
  return s.integer(0);
}

// Creates the tables in an empty file, or checks an existing store's schema.
void prepare(SqliteDb& db, const SweepSpec& spec) {
  WriteTransaction t(db);
  const int64_t version = userVersion(db);
  if (version == 0 && tableCount(db) == 0) {
    db.exec(kSchema);
    Statement insert(db, "INSERT INTO sweep (id, spec, digest, created) VALUES (1, ?, ?, ?)");
    insert.bind(1, spec.text).bind(2, digestOf(spec)).bind(3, unixNow()).run();
    db.exec("PRAGMA user_version = " + std::to_string(kStoreSchema));
    t.commit();
    return;
  }
  checkStore(db, &spec, version, tableCount(db));
  t.commit();
}

}  // namespace

const char* stateName(TrialState state) { return enumName(kStateNames, state); }

Store::Store(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
Store::Store(Store&&) noexcept = default;
Store::~Store() = default;

Store Store::open(const std::string& path, const SweepSpec& spec) {
  auto db = std::make_unique<SqliteDb>(path, kBusyMs);
  prepare(*db, spec);
  return Store(std::move(db));
}

Store Store::openExisting(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw ConfigError("there is no sweep store at " + path,
                      "give the sweep folder of a sweep that has started");
  }
  auto db = std::make_unique<SqliteDb>(SqliteDb::readOnly(path, kBusyMs));
  checkStore(*db, nullptr, userVersion(*db), tableCount(*db));
  return Store(std::move(db));
}

std::string Store::specText() const {
  Statement s(*db_, "SELECT spec FROM sweep WHERE id = 1");
  return s.step() ? s.text(0) : "";
}

std::string Store::digest() const {
  Statement s(*db_, "SELECT digest FROM sweep WHERE id = 1");
  return s.step() ? s.text(0) : "";
}

int64_t Store::addTrial(const Params& params) {
  WriteTransaction t(*db_);
  Statement s(*db_, "INSERT INTO trials (params, state, created) VALUES (?, 'queued', ?)");
  s.bind(1, params.dump()).bind(2, unixNow()).run();
  const int64_t id = sqlite3_last_insert_rowid(db_->handle());
  t.commit();
  return id;
}

void Store::refuseMove(int64_t trial, const std::string& from, const std::string& what) const {
  Statement s(*db_, "SELECT state FROM trials WHERE id = ?");
  s.bind(1, trial);
  const std::string state = s.step() ? s.text(0) : "";
  throw Error(
      "trial " + std::to_string(trial) + " cannot " + what + ": it is " +
          (state.empty() ? std::string("not in the store") : state) + ", and only a " + from +
          " trial can",
      "reload the trial's state before changing it (another driver may be running this sweep)");
}

void Store::start(int64_t trial, const std::string& jobId) {
  WriteTransaction t(*db_);
  Statement s(*db_,
              "UPDATE trials SET state = 'running', job_id = ?, started = ? "
              "WHERE id = ? AND state IN ('queued', 'paused')");
  s.bind(1, jobId).bind(2, unixNow()).bind(3, trial).run();
  if (s.changes() != 1) refuseMove(trial, "queued or paused", "start");
  t.commit();
}

void Store::pause(int64_t trial, const std::string& checkpoint) {
  WriteTransaction t(*db_);
  Statement s(*db_,
              "UPDATE trials SET state = 'paused', checkpoint = ?, job_id = '' "
              "WHERE id = ? AND state = 'running'");
  s.bind(1, checkpoint).bind(2, trial).run();
  if (s.changes() != 1) refuseMove(trial, "running", "pause");
  t.commit();
}

void Store::requeue(int64_t trial) {
  WriteTransaction t(*db_);
  Statement s(*db_,
              "UPDATE trials SET state = 'queued', job_id = '' WHERE id = ? AND state = 'running'");
  s.bind(1, trial).run();
  if (s.changes() != 1) refuseMove(trial, "running", "be requeued");
  t.commit();
}

void Store::finish(int64_t trial, TrialState end, std::optional<int64_t> exitStatus,
                   const std::string& reason) {
  if (end != TrialState::kCompleted && end != TrialState::kFailed && end != TrialState::kCut) {
    throw Error(std::string("finish() takes completed, failed or cut, not ") + stateName(end),
                "use start, pause or requeue for the other states");
  }
  WriteTransaction t(*db_);
  Statement s(*db_,
              "UPDATE trials SET state = ?, exit_status = ?, reason = ?, ended = ? "
              "WHERE id = ? AND state IN ('running', 'paused')");
  s.bind(1, std::string(stateName(end)));
  if (exitStatus) {
    s.bind(2, *exitStatus);
  } else {
    s.bindNull(2);
  }
  s.bind(3, reason).bind(4, unixNow()).bind(5, trial).run();
  if (s.changes() != 1)
    refuseMove(trial, "running or paused", std::string("end as ") + stateName(end));
  t.commit();
}

void Store::addMetrics(int64_t trial, const std::vector<MetricPoint>& points) {
  WriteTransaction t(*db_);
  Statement s(*db_, "INSERT OR REPLACE INTO metrics (trial, step, value) VALUES (?, ?, ?)");
  for (const auto& point : points) {
    s.reset();
    s.bind(1, trial).bind(2, point.step).bind(3, point.value).run();
  }
  t.commit();
}

void Store::addDecision(int64_t trial, const std::string& policy, const Decision& d) {
  WriteTransaction t(*db_);
  Statement s(
      *db_,
      "INSERT INTO decisions (trial, interval, policy, action, value, threshold, reason, time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, trial).bind(2, d.interval).bind(3, policy).bind(4, std::string(actionName(d.action)));
  s.bind(5, d.value).bind(6, d.threshold).bind(7, d.reason).bind(8, unixNow()).run();
  t.commit();
}

std::vector<TrialRecord> Store::trials() const {
  std::vector<TrialRecord> out;
  Statement s(
      *db_,
      "SELECT id, params, state, job_id, checkpoint, exit_status, reason, created, started, ended "
      "FROM trials ORDER BY id");
  while (s.step()) {
    TrialRecord r;
    r.id = s.integer(0);
    std::string why;
    r.params = parseUntrustedOrderedJson(s.text(1), &why);  // See Note [Untrusted JSON]
    if (!r.params.is_object()) {
      throw ConfigError("trial " + std::to_string(r.id) + " in the sweep store " + db_->path() +
                            " has parameters that are not a JSON object" +
                            (why.empty() ? "" : ": " + why),
                        "the store was changed by something other than cohort-sweep; start the "
                        "sweep again in a new folder");
    }
    r.state = stateOf(s.text(2));
    r.jobId = s.text(3);
    r.checkpoint = s.text(4);
    if (!s.isNull(5)) r.exitStatus = s.integer(5);
    r.reason = s.text(6);
    r.created = s.real(7);
    r.started = s.real(8);
    r.ended = s.real(9);
    out.push_back(std::move(r));
  }
  return out;
}

TrialRecord Store::trial(int64_t id) const {
  for (auto& r : trials()) {
    if (r.id == id) return r;
  }
  throw Error("trial " + std::to_string(id) + " is not in the sweep store " + db_->path(),
              "list the trials with cohort-sweep status");
}

std::vector<TrialSeries> Store::series() const {
  std::vector<TrialSeries> out;
  {
    Statement s(*db_, "SELECT id, state FROM trials ORDER BY id");
    while (s.step()) {
      TrialSeries series;
      series.trial = s.integer(0);
      const TrialState state = stateOf(s.text(1));
      series.finished = state == TrialState::kCompleted || state == TrialState::kCut ||
                        state == TrialState::kFailed;
      out.push_back(std::move(series));
    }
  }
  Statement s(*db_, "SELECT trial, step, value FROM metrics ORDER BY trial, step");
  size_t at = 0;
  while (s.step()) {
    const int64_t trial = s.integer(0);
    while (at < out.size() && out[at].trial < trial) ++at;
    if (at < out.size() && out[at].trial == trial)
      out[at].points.push_back({s.integer(1), s.real(2)});
  }
  return out;
}

int64_t Store::decisionCount(int64_t trial) const {
  Statement s(*db_, "SELECT count(*) FROM decisions WHERE trial = ?");
  s.bind(1, trial);
  s.step();
  return s.integer(0);
}

}  // namespace cohort::sweep
