#include "cohort/serve/infer_request_sax.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "cohort/core/json.h"

namespace cohort::serve {

namespace {

using json = nlohmann::json;

// Where the reader is. Values it does not need (a "parameters" object) are
// skipped by counting their depth.
enum class At {
  kStart,       // before the body's object
  kBody,        // in the body's object, between members
  kId,          // the value of "id"
  kInputs,      // in "inputs", between inputs
  kInput,       // in an input, between members
  kName,        // an input's "name"
  kShape,       // in an input's "shape"
  kDatatype,    // an input's "datatype"
  kData,        // in an input's "data" (nested arrays)
  kOutputs,     // in "outputs", between outputs
  kOutput,      // in an output, between members
  kOutputName,  // an output's "name"
  kSkip,        // in a value skipped
  kDone,        // after the body's object
};

class Reader : public nlohmann::json_sax<json> {
 public:
  explicit Reader(const RequestLimits& limits) : limits_(limits), budget_(limits.max_elements) {}

  InferRequest request;
  bool ok = true;  // false: leave it to the DOM path
  bool done() const { return at_ == At::kDone; }

  bool null() override { return scalar({JsonScalar::Kind::kOther, false, 0, 0, "null"}); }
  bool boolean(bool v) override { return scalar({JsonScalar::Kind::kBool, v, 0, 0, "boolean"}); }
  bool number_integer(number_integer_t v) override {
    return scalar({JsonScalar::Kind::kInteger, false, v, static_cast<double>(v), "number"});
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return scalar({JsonScalar::Kind::kBigUnsigned, false, 0, static_cast<double>(v), "number"});
    return scalar({JsonScalar::Kind::kInteger, false, static_cast<int64_t>(v),
                   static_cast<double>(v), "number"});
  }
  bool number_float(number_float_t v, const string_t&) override {
    return scalar({JsonScalar::Kind::kFloat, false, 0, v, "number"});
  }
  bool string(string_t& v) override {
    switch (at_) {
      case At::kId:
        request.id = v;
        at_ = At::kBody;
        return true;
      case At::kName:
        input().name = v;
        have_name_ = !v.empty();
        at_ = At::kInput;
        return have_name_ || fail();
      case At::kDatatype: {
        const auto type = dataTypeNamed(v);
        if (!type) return fail();
        input().type = *type;
        have_type_ = true;
        at_ = At::kInput;
        return true;
      }
      case At::kOutputName:
        request.outputs.push_back(v);
        have_output_name_ = true;
        at_ = At::kOutput;
        return true;
      case At::kSkip:
        if (skip_object_only_ && skip_depth_ == 0) return fail();
        return endSkipped(false);
      default:
        return fail();
    }
  }
  bool binary(binary_t&) override { return fail(); }

  bool start_object(std::size_t) override {
    if (++open_ >= kMaxJsonDepth) return fail();  // the DOM path refuses it
    if (expect_array_) return fail();
    switch (at_) {
      case At::kStart:
        at_ = At::kBody;
        return true;
      case At::kInputs:
        if (static_cast<int>(request.inputs.size()) >= limits_.max_inputs) return fail();
        request.inputs.emplace_back();
        have_name_ = have_shape_ = have_type_ = have_data_ = false;
        at_ = At::kInput;
        return true;
      case At::kOutputs:
        have_output_name_ = false;
        at_ = At::kOutput;
        return true;
      case At::kSkip:
        return deeper();
      default:
        return fail();
    }
  }
  bool key(string_t& k) override {
    // A member given twice is left to the DOM path (where the last one counts).
    if (at_ == At::kBody) {
      if (!seen_.insert("body." + k).second) return fail();
      if (k == "id") return to(At::kId);
      if (k == "inputs") return to(At::kInputs, true);
      if (k == "outputs") return to(At::kOutputs, true);
      if (k == "parameters") return skip(At::kBody, /*object_only=*/true);
      return fail();
    }
    if (at_ == At::kInput) {
      if (k == "name") return !have_name_ && to(At::kName);
      if (k == "shape") return !have_shape_ && to(At::kShape, true);
      if (k == "datatype") return !have_type_ && to(At::kDatatype);
      if (k == "data") return !have_data_ && startData();
      if (k == "parameters") return skip(At::kInput, false);
      return fail();
    }
    if (at_ == At::kOutput) {
      if (k == "name") return !have_output_name_ && to(At::kOutputName);
      if (k == "parameters") return skip(At::kOutput, false);
      return fail();
    }
    return at_ == At::kSkip || fail();
  }
  bool end_object() override {
    --open_;
    switch (at_) {
      case At::kBody:
        at_ = At::kDone;
        return true;
      case At::kInput:
        if (!(have_name_ && have_shape_ && have_type_ && have_data_)) return fail();
        at_ = At::kInputs;
        return true;
      case At::kOutput:
        if (!have_output_name_) return fail();
        at_ = At::kOutputs;
        return true;
      case At::kSkip:
        return endSkipped(true);
      default:
        return fail();
    }
  }
  bool start_array(std::size_t) override {
    if (++open_ >= kMaxJsonDepth) return fail();
    if (at_ == At::kSkip && skip_object_only_ && skip_depth_ == 0) return fail();
    switch (at_) {
      case At::kInputs:
      case At::kOutputs:
      case At::kShape:
        if (!expect_array_) return fail();
        expect_array_ = false;
        return true;
      case At::kData:
        return openData();
      case At::kSkip:
        return deeper();
      default:
        return fail();
    }
  }
  bool end_array() override {
    --open_;
    switch (at_) {
      case At::kInputs:
        if (request.inputs.empty()) return fail();
        at_ = At::kBody;
        return true;
      case At::kOutputs:
        at_ = At::kBody;
        return true;
      case At::kShape: {
        const int64_t count = elementCount(input().shape, budget_);
        if (count < 0) return fail();
        budget_ -= count;
        count_ = count;
        have_shape_ = true;
        at_ = At::kInput;
        return true;
      }
      case At::kData:
        return closeData();
      case At::kSkip:
        return endSkipped(true);
      default:
        return fail();
    }
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return fail();
  }

 private:
  Tensor& input() { return request.inputs.back(); }
  bool fail() {
    ok = false;
    return false;  // stops the parse
  }
  bool to(At next, bool array = false) {
    at_ = next;
    expect_array_ = array;
    return true;
  }
  // Skips the next value (`object_only`: it must be an object, as the
  // body's "parameters" must).
  bool skip(At back, bool object_only) {
    skip_back_ = back;
    skip_depth_ = 0;
    skip_object_only_ = object_only;
    at_ = At::kSkip;
    return true;
  }
  bool deeper() {
    if (++skip_depth_ > kMaxJsonDepth) return fail();
    return true;
  }
  // The end of a skipped value: a scalar at depth 0, or the close of its outermost container.
  bool endSkipped(bool closing) {
    if (closing) --skip_depth_;
    if (skip_depth_ == 0) at_ = skip_back_;
    return true;
  }

  bool scalar(const JsonScalar& value) {
    switch (at_) {
      case At::kShape:
        if (value.kind != JsonScalar::Kind::kInteger || value.i < 0) return fail();
        input().shape.push_back(value.i);
        return true;
      case At::kData:
        return element(value);
      case At::kSkip:
        if (skip_object_only_ && skip_depth_ == 0) return fail();
        return endSkipped(false);
      default:
        return fail();
    }
  }

  // "data" with the shape and datatype known: flat, or nested as the shape is.
  bool startData() {
    if (!have_shape_ || !have_type_) return fail();
    at_ = At::kData;
    depth_ = 0;
    nested_ = false;
    counts_.assign(input().shape.size() + 1, 0);
    return true;
  }
  bool openData() {
    if (depth_ > 0) {
      // An array inside the data: nested, one dimension deeper.
      if (depth_ == 1 && counts_[0] == 0) nested_ = true;
      if (!nested_ || depth_ >= input().shape.size()) return fail();
      ++counts_[depth_ - 1];
      counts_[depth_] = 0;
    }
    ++depth_;
    return true;
  }
  bool closeData() {
    const size_t level = depth_ - 1;
    if (nested_ || input().shape.size() == 1) {
      if (nested_ && counts_[level] != input().shape[level]) return fail();
    }
    --depth_;
    if (depth_ > 0) return true;
    // The whole data: its element count equal to the shape's.
    if (!nested_ && counts_[0] != count_) return fail();
    if (input().elements() != count_) return fail();
    have_data_ = true;
    at_ = At::kInput;
    return true;
  }
  bool element(const JsonScalar& value) {
    if (depth_ == 0) return fail();  // data is not an array
    if (nested_ ? depth_ != input().shape.size() : depth_ != 1) return fail();
    ++counts_[depth_ - 1];
    return appendElement(input(), value).empty() || fail();
  }

  const RequestLimits& limits_;
  int64_t budget_;
  At at_ = At::kStart;
  bool expect_array_ = false;
  At skip_back_ = At::kBody;
  int skip_depth_ = 0;
  bool skip_object_only_ = false;
  int open_ = 0;                // objects and arrays open
  std::set<std::string> seen_;  // the body's members
  bool have_output_name_ = false;
  bool have_name_ = false, have_shape_ = false, have_type_ = false, have_data_ = false;
  int64_t count_ = 0;            // the current input's element count
  size_t depth_ = 0;             // arrays open in "data"
  bool nested_ = false;          // its first element is an array
  std::vector<int64_t> counts_;  // elements of the array open at each depth
};

}  // namespace

std::optional<InferRequest> readInferRequestFast(std::string_view body,
                                                 const RequestLimits& limits) {
  Reader reader(limits);
  const bool parsed =
      json::sax_parse(body.begin(), body.end(), &reader, json::input_format_t::json, true);
  if (!parsed || !reader.ok || !reader.done()) return std::nullopt;
  std::set<std::string> names;
  for (const Tensor& t : reader.request.inputs) {
    if (!names.insert(t.name).second) return std::nullopt;
  }
  if (reader.request.inputs.empty()) return std::nullopt;
  return std::move(reader.request);
}

}  // namespace cohort::serve
