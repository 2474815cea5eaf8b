#include "cohort/serve/infer_request_fast.h"

#include <simdjson.h>

#include <limits>
#include <set>

#include "cohort/core/json.h"

namespace cohort::serve {

namespace {

namespace od = simdjson::ondemand;

// Every step returns false to leave the body to the DOM path (See
// infer_request_fast.h): a simdjson error, an unusual shape, a refusal.
#define COHORT_FAST_GET(expression, target) \
  if ((expression).get(target) != simdjson::SUCCESS) return false

// Calls `visit(key, value)` for each member of `object` in order; false as
// soon as simdjson or `visit` says so.
template <typename Visit>
bool eachMember(od::object object, Visit visit) {
  for (auto field : object) {
    std::string_view key;
    COHORT_FAST_GET(field.unescaped_key(), key);
    od::value value;
    COHORT_FAST_GET(field.value(), value);
    if (!visit(key, value)) return false;
  }
  return true;
}

// Reads any value whole, checking every part of it (a "parameters" value
// the request does not use must still be valid JSON, as the DOM path finds).
bool readWhole(od::value value, int depth) {
  if (depth >= kMaxJsonDepth) return false;
  od::json_type type;
  COHORT_FAST_GET(value.type(), type);
  switch (type) {
    case od::json_type::object: {
      od::object object;
      COHORT_FAST_GET(value.get_object(), object);
      return eachMember(object, [depth](std::string_view, od::value inner) {
        return readWhole(inner, depth + 1);
      });
    }
    case od::json_type::array: {
      od::array array;
      COHORT_FAST_GET(value.get_array(), array);
      for (auto element : array) {
        od::value inner;
        COHORT_FAST_GET(element, inner);
        if (!readWhole(inner, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::number: {
      double number;
      return value.get_double().get(number) == simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view text;
      return value.get_string().get(text) == simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      bool flag;
      return value.get_bool().get(flag) == simdjson::SUCCESS;
    }
    case od::json_type::null:
      return value.is_null();
  }
  return false;
}

// One element of "data" as appendElement takes it. For FP32 and FP64 only
// the number's value matters (appendElement treats a whole number and a
// fraction alike there), so it is read straight as a double: one pass.
bool readScalar(od::value value, DataType tensor_type, JsonScalar* out) {
  if (tensor_type == DataType::kFp32 || tensor_type == DataType::kFp64) {
    out->kind = JsonScalar::Kind::kFloat;
    out->type_name = "number";
    return value.get_double().get(out->d) == simdjson::SUCCESS;  // not a number: the DOM says why
  }
  od::json_type type;
  COHORT_FAST_GET(value.type(), type);
  if (type == od::json_type::boolean) {
    out->kind = JsonScalar::Kind::kBool;
    out->type_name = "boolean";
    return value.get_bool().get(out->b) == simdjson::SUCCESS;
  }
  if (type != od::json_type::number) return false;  // null, a string, an object: the DOM says why
  od::number_type kind;
  COHORT_FAST_GET(value.get_number_type(), kind);
  out->type_name = "number";
  switch (kind) {
    case od::number_type::signed_integer:
      out->kind = JsonScalar::Kind::kInteger;
      COHORT_FAST_GET(value.get_int64(), out->i);
      out->d = static_cast<double>(out->i);
      return true;
    case od::number_type::unsigned_integer: {
      uint64_t u;
      COHORT_FAST_GET(value.get_uint64(), u);
      out->kind = u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                      ? JsonScalar::Kind::kBigUnsigned
                      : JsonScalar::Kind::kInteger;
      out->i = out->kind == JsonScalar::Kind::kInteger ? static_cast<int64_t>(u) : 0;
      out->d = static_cast<double>(u);
      return true;
    }
    case od::number_type::floating_point_number:
      out->kind = JsonScalar::Kind::kFloat;
      COHORT_FAST_GET(value.get_double(), out->d);
      return true;
    default:  // an integer beyond 64 bits
      return false;
  }
}

void reserve(Tensor& t, int64_t count) {
  if (t.type == DataType::kFp32) {
    t.fp32.reserve(count);
  } else if (t.type == DataType::kFp64) {
    t.fp64.reserve(count);
  } else {
    t.ints.reserve(count);
  }
}

class Reader {
 public:
  explicit Reader(const RequestLimits& limits) : limits_(limits), budget_(limits.max_elements) {}

  InferRequest request;

  bool body(od::object object) {
    std::set<std::string_view> seen;  // a member given twice: the DOM path (the last counts)
    bool have_inputs = false;
    const bool read = eachMember(object, [&](std::string_view key, od::value value) {
      if (!seen.insert(key).second) return false;
      if (key == "id") {
        std::string_view id;
        COHORT_FAST_GET(value.get_string(), id);
        request.id = std::string(id);
        return true;
      }
      if (key == "inputs") return have_inputs = inputs(value);
      if (key == "outputs") return outputs(value);
      if (key != "parameters") return false;
      od::json_type type;
      COHORT_FAST_GET(value.type(), type);
      return type == od::json_type::object && readWhole(value, 1);
    });
    return read && have_inputs;
  }

 private:
  bool inputs(od::value value) {
    od::array array;
    COHORT_FAST_GET(value.get_array(), array);
    std::set<std::string> names;
    for (auto element : array) {
      if (static_cast<int>(request.inputs.size()) >= limits_.max_inputs) return false;
      od::object object;
      COHORT_FAST_GET(element.get_object(), object);
      request.inputs.emplace_back();
      if (!input(object, request.inputs.back())) return false;
      if (!names.insert(request.inputs.back().name).second) return false;
    }
    return !request.inputs.empty();
  }

  // name, shape and datatype before data, each once.
  bool input(od::object object, Tensor& t) {
    bool name = false, shape = false, type = false, data = false;
    int64_t count = 0;
    const bool read = eachMember(object, [&](std::string_view key, od::value value) {
      if (key == "name" && !name) {
        std::string_view text;
        COHORT_FAST_GET(value.get_string(), text);
        t.name = std::string(text);
        return name = !text.empty();
      }
      if (key == "shape" && !shape) {
        od::array dims;
        COHORT_FAST_GET(value.get_array(), dims);
        for (auto dim : dims) {
          int64_t d;
          COHORT_FAST_GET(dim.get_int64(), d);
          if (d < 0) return false;
          t.shape.push_back(d);
        }
        count = elementCount(t.shape, budget_);
        if (count < 0) return false;
        budget_ -= count;
        return shape = true;
      }
      if (key == "datatype" && !type) {
        std::string_view text;
        COHORT_FAST_GET(value.get_string(), text);
        const auto named = dataTypeNamed(std::string(text));
        if (!named) return false;
        t.type = *named;
        return type = true;
      }
      if (key == "data" && !data) return data = shape && type && readData(value, t, count);
      return key == "parameters" && readWhole(value, 2);
    });
    return read && name && shape && type && data;
  }

  // "data": flat, or nested as the shape is, with `count` elements.
  bool readData(od::value value, Tensor& t, int64_t count) {
    od::array array;
    COHORT_FAST_GET(value.get_array(), array);
    reserve(t, count);
    int64_t seen = 0;
    bool first = true, nested = false;
    for (auto element : array) {
      od::value v;
      COHORT_FAST_GET(element, v);
      if (first) {
        od::json_type type;
        COHORT_FAST_GET(v.type(), type);
        nested = type == od::json_type::array;
        first = false;
      }
      if (nested) {
        if (t.shape.empty() || !readNested(v, t, 1)) return false;
      } else if (!append(v, t)) {
        return false;
      }
      ++seen;
    }
    if (nested ? seen != t.shape[0] : seen != count) return false;
    return t.elements() == count;
  }

  // An array at `level` of a nested "data": shape[level] elements.
  bool readNested(od::value value, Tensor& t, size_t level) {
    if (level >= t.shape.size()) return false;
    od::array array;
    COHORT_FAST_GET(value.get_array(), array);
    const bool last = level + 1 == t.shape.size();
    int64_t seen = 0;
    for (auto element : array) {
      od::value v;
      COHORT_FAST_GET(element, v);
      if (!(last ? append(v, t) : readNested(v, t, level + 1))) return false;
      ++seen;
    }
    return seen == t.shape[level];
  }

  bool append(od::value value, Tensor& t) {
    JsonScalar scalar;
    return readScalar(value, t.type, &scalar) && appendElement(t, scalar).empty();
  }

  bool outputs(od::value value) {
    od::array array;
    COHORT_FAST_GET(value.get_array(), array);
    for (auto element : array) {
      od::object object;
      COHORT_FAST_GET(element.get_object(), object);
      bool named = false;
      const bool read = eachMember(object, [&](std::string_view key, od::value member) {
        if (key == "name" && !named) {
          std::string_view text;
          COHORT_FAST_GET(member.get_string(), text);
          request.outputs.emplace_back(text);
          return named = true;
        }
        return key == "parameters" && readWhole(member, 3);
      });
      if (!read || !named) return false;
    }
    return true;
  }

  const RequestLimits& limits_;
  int64_t budget_;
};

#undef COHORT_FAST_GET

}  // namespace

std::optional<InferRequest> readInferRequestFast(std::string_view body,
                                                 const RequestLimits& limits) {
  // simdjson reads SIMDJSON_PADDING bytes past the end: the body is copied
  // into a padded buffer, one per thread with its parser (a few µs for a
  // request of thousands of numbers).
  thread_local od::parser parser;
  thread_local std::string padded;
  padded.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(body.data(), body.size());
  try {
    od::document document;
    if (parser.iterate(padded.data(), padded.size(), padded.capacity()).get(document) !=
        simdjson::SUCCESS)
      return std::nullopt;
    od::object object;
    if (document.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
    Reader reader(limits);
    if (!reader.body(object)) return std::nullopt;
    // Nothing after the body's object (simdjson: the end has no location).
    const char* rest = nullptr;
    if (document.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) return std::nullopt;
    return std::move(reader.request);
  } catch (const simdjson::simdjson_error&) {
    return std::nullopt;  // (simdjson reports by error codes here; this is a guard)
  }
}

}  // namespace cohort::serve
