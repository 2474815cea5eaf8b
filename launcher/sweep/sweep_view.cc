#include "sweep/sweep_view.h"

#include "cohort/sweep/sweep_file.h"
#include "sweep/sweep_folder.h"

namespace cohort::sweep_tool {

SweepView readSweep(const std::string& dir) {
  const SweepFolder folder(dir);
  const sweep::Store store = sweep::Store::openExisting(folder.existingStore());
  SweepView view;
  view.dir = dir;
  view.spec = sweep::parseSweep(store.specText(), folder.specCopy());
  view.id = folder.sweepId(store.digest());
  view.trials = store.trials();
  view.series = store.series();
  return view;
}

}  // namespace cohort::sweep_tool
