// Open Inference Protocol requests and answers (cohort/serve): the spec's own
// examples, flat and nested data, and every malformed request refused with
// 400 and the field it names.
#include <gtest/gtest.h>

#include <string>

#include "cohort/serve/infer_request.h"
#include "cohort/serve/infer_request_fast.h"
#include "cohort/serve/infer_response.h"

namespace cohort::serve {
namespace {

// The message of the RequestError `body` is refused with (its status in *status).
std::string refusal(const std::string& body, int* status = nullptr, RequestLimits limits = {}) {
  try {
    parseInferRequest(body, limits);
  } catch (const RequestError& e) {
    if (status) *status = e.status();
    return e.what();
  }
  return "(accepted)";
}

TEST(InferRequest, TheSpecsExampleReads) {
  // The example request of the protocol's inference_rest.md, less its second
  // input, whose shape [3] and one element disagree (the example's own slip).
  // UINT32, which cohort does not read, becomes INT32.
  const auto r = parseInferRequest(R"({
    "id" : "42",
    "inputs" : [{"name" : "input0", "shape" : [ 2, 2 ], "datatype" : "INT32", "data" : [ 1, 2, 3, 4 ]}],
    "outputs" : [{"name" : "output0"}]})");
  EXPECT_EQ(r.id, "42");
  ASSERT_EQ(r.inputs.size(), 1u);
  EXPECT_EQ(r.inputs[0].name, "input0");
  EXPECT_EQ(r.inputs[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(r.inputs[0].type, DataType::kInt32);
  EXPECT_EQ(r.inputs[0].ints, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(r.outputs, std::vector<std::string>{"output0"});
}

TEST(InferRequest, TheSpecsExampleAnswerIsWritten) {
  // The example response of inference_rest.md: output0, FP32 [3, 2].
  InferResponse response{"mymodel", "", "42", {}};
  Tensor out;
  out.name = "output0";
  out.shape = {3, 2};
  out.fp32 = {1.0f, 1.1f, 2.0f, 2.1f, 3.0f, 3.1f};
  response.outputs.push_back(out);
  EXPECT_EQ(inferResponseJson(response),
            R"({"id":"42","model_name":"mymodel","outputs":[{"name":"output0","shape":[3,2],)"
            R"("datatype":"FP32","data":[1,1.1,2,2.1,3,3.1]}]})");
}

TEST(InferRequest, NestedDataEqualsFlatData) {
  const auto flat = parseInferRequest(
      R"({"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6.5]}]})");
  const auto nested = parseInferRequest(
      R"({"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[[1,2,3],[4,5,6.5]]}]})");
  EXPECT_EQ(flat.inputs[0].fp32, nested.inputs[0].fp32);
  EXPECT_EQ(flat.inputs[0].fp32.back(), 6.5f);
  EXPECT_TRUE(flat.id.empty());
}

TEST(InferRequest, EveryDatatypeReads) {
  const auto r = parseInferRequest(R"({"inputs":[
    {"name":"a","shape":[2],"datatype":"INT64","data":[-9223372036854775808, 9223372036854775807]},
    {"name":"b","shape":[1],"datatype":"FP64","data":[1e300]},
    {"name":"c","shape":[2],"datatype":"BOOL","data":[true,false]},
    {"name":"d","shape":[0],"datatype":"FP32","data":[]}]})");
  EXPECT_EQ(r.inputs[0].ints[0], INT64_MIN);
  EXPECT_EQ(r.inputs[0].ints[1], INT64_MAX);
  EXPECT_EQ(r.inputs[1].fp64[0], 1e300);
  EXPECT_EQ(r.inputs[2].ints, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(r.inputs[3].elements(), 0);
}

TEST(InferRequest, TheFastPathReadsCommonRequestsAsTheDomPathDoes) {
  const char* bodies[] = {
      R"({"id":"42","inputs":[{"name":"input0","shape":[2,2],"datatype":"INT32","data":[1,2,3,4]}],)"
      R"("outputs":[{"name":"output0"}]})",
      R"({"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[[1,2,3],[4,5,6.5]]},)"
      R"({"name":"b","shape":[2],"datatype":"BOOL","data":[true,false],"parameters":{"a":[1,{}]}},)"
      R"({"name":"f","shape":[1],"datatype":"FP64","data":[1e300]},)"
      R"({"name":"i","shape":[1],"datatype":"INT64","data":[-9223372036854775808]}],"parameters":{}})",
      R"({"inputs":[{"name":"e","shape":[2,0],"datatype":"FP32","data":[[],[]]}]})",
  };
  for (const char* body : bodies) {
    const auto fast = readInferRequestFast(body, {});
    ASSERT_TRUE(fast.has_value()) << body;
    const InferRequest dom = readInferRequestDom(body, {});
    EXPECT_EQ(fast->id, dom.id);
    EXPECT_EQ(fast->outputs, dom.outputs);
    ASSERT_EQ(fast->inputs.size(), dom.inputs.size());
    for (size_t i = 0; i < dom.inputs.size(); ++i) {
      EXPECT_EQ(fast->inputs[i].shape, dom.inputs[i].shape);
      EXPECT_EQ(fast->inputs[i].fp32, dom.inputs[i].fp32);
      EXPECT_EQ(fast->inputs[i].fp64, dom.inputs[i].fp64);
      EXPECT_EQ(fast->inputs[i].ints, dom.inputs[i].ints);
    }
  }
  // What it does not take, or finds wrong, it leaves to the DOM path.
  const char* others[] = {
      R"({"inputs":[{"data":[1],"name":"x","shape":[1],"datatype":"FP32"}]})",  // data first
      R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}],"parameters":3})",
      R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1]}]})",
      R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}],"outputs":[{}]})",
      R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}],"id":"a","id":"b"})",
  };
  for (const char* body : others) EXPECT_FALSE(readInferRequestFast(body, {}).has_value()) << body;
}

TEST(InferRequest, MalformedRequestsAre400NamingTheField) {
  struct Case {
    const char* body;
    const char* says;
  };
  const Case cases[] = {
      {R"({"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,2,3]}]})",
       "inputs[0].data: 3 elements where the shape [2, 2] has 4"},
      {R"({"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[[1,2],[3]]}]})",
       "inputs[0].data[1]: 1 elements where dimension 1 of the shape [2, 2] has 2"},
      {R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP16","data":[1,2]}]})",
       "inputs[0].datatype: 'FP16' is not one of FP32, FP64, INT32, INT64, BOOL"},
      {R"({"inputs":[{"name":"x","shape":[2],"datatype":"INT64","data":[1,2.5]}]})",
       "inputs[0].data[1]: not a whole number"},
      {R"({"inputs":[{"name":"x","shape":[1],"datatype":"INT64","data":[9223372036854775808]}]})",
       "inputs[0].data[0]: outside INT64's range"},
      {R"({"inputs":[{"name":"x","shape":[1],"datatype":"INT32","data":[2147483648]}]})",
       "inputs[0].data[0]: outside INT32's range"},
      {R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1e39]}]})",
       "inputs[0].data[0]: outside FP32's range"},
      {R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":["1"]}]})",
       "inputs[0].data[0]: not a number (string)"},
      {R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[NaN]}]})", "the body: "},
      {R"({"inputs":[{"name":"x","shape":[-1],"datatype":"FP32","data":[]}]})",
       "inputs[0].shape[0]: negative"},
      {R"({"inputs":[{"name":"x","shape":[1000000,1000000],"datatype":"FP32","data":[]}]})",
       "inputs[0].shape: [1000000, 1000000] holds more elements than the 67108864"},
      {R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32"}]})", "inputs[0].data: missing"},
      {R"({"inputs":[{"shape":[1],"datatype":"FP32","data":[1]}]})", "inputs[0].name: missing"},
      {R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]},
                     {"name":"x","shape":[1],"datatype":"FP32","data":[1]}]})",
       "inputs[1].name: 'x' is given twice"},
      {R"({"inputs":[]})", "inputs: not a non-empty array"},
      {R"({"id":7,"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]})",
       "id: not a string"},
      {R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}],"outputs":[3]})",
       "outputs[0]: not an object"},
      {R"([1,2])", "the body: not a JSON object"},
      {R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1)", "the body: "},
  };
  for (const auto& c : cases) {
    int status = 0;
    const std::string message = refusal(c.body, &status);
    EXPECT_EQ(status, 400) << c.body;
    EXPECT_NE(message.find(c.says), std::string::npos) << message << "\n  for " << c.body;
  }
}

TEST(InferRequest, TenMegabytesOfNestingIsRefusedQuickly) {
  const std::string deep = R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":)" +
                           std::string(10 << 20, '[');
  int status = 0;
  const std::string message = refusal(deep, &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(message.find("the body: "), std::string::npos) << message.substr(0, 200);
  EXPECT_NE(message.find("deeper"), std::string::npos) << message.substr(0, 200);
}

TEST(InferRequest, ErrorsAreTheProtocolsErrorObject) {
  EXPECT_EQ(errorJson("inputs[0].data: \"x\""), R"({"error":"inputs[0].data: \"x\""})");
  EXPECT_EQ(errorJson("bad \xff byte"), "{\"error\":\"bad \xEF\xBF\xBD byte\"}");
}

}  // namespace
}  // namespace cohort::serve
