#include "cohort/sweep/sampler.h"

#include "cohort/sweep/grid_sampler.h"
#include "cohort/sweep/random_sampler.h"

namespace cohort::sweep {

std::optional<Params> nextParams(const SweepSpec& spec, uint64_t index,
                                 const std::vector<Observation>& history) {
  if (spec.sampler.kind == SamplerKind::kGrid) return gridPoint(spec.space, index);
  Rng rng(spec.sampler.seed, index);
  if (spec.sampler.kind == SamplerKind::kRandom) return sampleRandom(spec.space, rng);
  return sampleTpe(spec.space, history, spec.metric.goal, spec.sampler, rng);
}

}  // namespace cohort::sweep
