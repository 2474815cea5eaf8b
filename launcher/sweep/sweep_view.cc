#include "sweep/sweep_view.h"

#include "cohort/sweep/sweep_file.h"
#include "sweep/sweep_folder.h"

namespace cohort::sweep_tool {

SweepView readSweep(const std::string& dir) {
  const std::string path = existingStorePath(dir);
  const sweep::Store store = sweep::Store::openExisting(path);
  SweepView view;
  view.dir = dir;
  view.spec = sweep::parseSweep(store.specText(), dir + "/sweep.yaml");
  view.id = sweepId(dir, store.digest());
  view.trials = store.trials();
  view.series = store.series();
  return view;
}

}  // namespace cohort::sweep_tool
