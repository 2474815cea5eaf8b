// The search space of a sweep: named parameters, each with a distribution
// (the same seven HyperDrive offers), and the values a trial is given.
//
//   choice(values)             one of the values as written (numbers, text, true/false)
//   uniform(low, high)         uniform on [low, high]
//   loguniform(low, high)      exp(uniform(log low, log high)); 0 < low < high
//   quniform(low, high, q)     round(uniform(low, high) / q) * q
//   qloguniform(low, high, q)  round(loguniform(low, high) / q) * q
//   randint(low, high)         a whole number in [low, high), high excluded
//   normal(mu, sigma)          normal with mean mu and standard deviation sigma
//
// Unlike HyperDrive, loguniform's bounds are the values themselves, not their
// logarithms (as in Optuna): loguniform(1e-4, 1e-1) draws learning rates
// between 0.0001 and 0.1.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cohort/sweep/enum_names.h"

namespace cohort::sweep {

enum class Kind { kChoice, kUniform, kLogUniform, kQUniform, kQLogUniform, kRandInt, kNormal };

// "choice", "uniform", ... as the sweep file names them (See Note [Enum
// names] in enum_names.h).
inline constexpr EnumName<Kind> kKindNames[] = {{Kind::kChoice, "choice"},
                                                {Kind::kUniform, "uniform"},
                                                {Kind::kLogUniform, "loguniform"},
                                                {Kind::kQUniform, "quniform"},
                                                {Kind::kQLogUniform, "qloguniform"},
                                                {Kind::kRandInt, "randint"},
                                                {Kind::kNormal, "normal"}};

const char* kindName(Kind kind);

struct Distribution {
  Kind kind = Kind::kUniform;
  std::vector<nlohmann::json> values;  // choice: the values, in the order written
  double low = 0, high = 0;            // uniform, loguniform, quniform, qloguniform, randint
  double q = 0;                        // quniform, qloguniform
  double mu = 0, sigma = 0;            // normal

  // True for choice, quniform, qloguniform and randint: a finite set of values.
  bool discrete() const;
  // A quantised value is a whole number when q is (a count, a batch size).
  bool integralQ() const;
};

struct Parameter {
  std::string name;
  Distribution distribution;
};

// The parameters in the order the sweep file lists them.
using SearchSpace = std::vector<Parameter>;

// A trial's parameters: name -> value, in the space's order.
using Params = nlohmann::ordered_json;

// The value `x` (drawn on the distribution's continuous range) as the
// distribution hands it out: rounded to q (a whole number when q is one),
// randint's floor, others unchanged.
nlohmann::json valueOf(const Distribution& distribution, double x);

// How many values a discrete distribution has (a double: it may be huge);
// 0 for a continuous one.
double discreteCount(const Distribution& distribution);

// Every value of a discrete distribution, in increasing order (choice: as
// written). Call only when discreteCount is small.
std::vector<nlohmann::json> discreteValues(const Distribution& distribution);

// `x` in the shortest form that reads back as the same double (0.001, 1e-05),
// a whole number written whole (60, not 6e+01).
std::string numberText(double x);

// The JSON form of a distribution, as the store and the digest keep it.
nlohmann::ordered_json toJson(const Distribution& distribution);

}  // namespace cohort::sweep
