#include "common/line_buffer.h"

namespace cohort::launcher {

void LineBuffer::append(const char* data, size_t size, const Emit& emit) {
  for (size_t i = 0; i < size; ++i) {
    char c = data[i];
    if (c == '\n') {
      if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
      emit(pending_);
      pending_.clear();
    } else {
      pending_ += c;
      if (pending_.size() >= kMaxLine) {
        emit(pending_);
        pending_.clear();
      }
    }
  }
}

void LineBuffer::finish(const Emit& emit) {
  if (pending_.empty()) return;
  emit(pending_);
  pending_.clear();
}

}  // namespace cohort::launcher
