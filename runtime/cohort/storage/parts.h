// Large objects move in parts on several threads at once (Azure's blocks,
// ranged reads), while what must happen in order (hashing, the resume point)
// still does.
#pragma once

#include <cstdint>
#include <functional>

namespace cohort::storage {

// Runs work(i) for every part i in [first, count) on up to `threads` threads,
// at most `window` parts ahead of the oldest unfinished one, and calls
// in_order(i) for each part in order, once it and every part before it are
// done (on whichever thread finished last; calls never overlap). The first
// exception stops the handing out of parts and is rethrown once the parts
// under way are done.
void forEachPart(int64_t first, int64_t count, int threads, int64_t window,
                 const std::function<void(int64_t part)>& work,
                 const std::function<void(int64_t part)>& in_order);

}  // namespace cohort::storage
