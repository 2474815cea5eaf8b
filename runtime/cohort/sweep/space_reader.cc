#include "cohort/sweep/space_reader.h"

#include <cmath>

namespace cohort::sweep {

namespace {

bool validName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::vector<std::string> keysOf(Kind kind) {
  switch (kind) {
    case Kind::kChoice:
      return {"type", "values"};
    case Kind::kUniform:
    case Kind::kLogUniform:
    case Kind::kRandInt:
      return {"type", "low", "high"};
    case Kind::kQUniform:
    case Kind::kQLogUniform:
      return {"type", "low", "high", "q"};
    case Kind::kNormal:
      return {"type", "mu", "sigma"};
  }
  return {};
}

void readChoice(const YamlReader& yaml, const YAML::Node& node, const std::string& key,
                Distribution* d) {
  const YAML::Node values = yaml.require(node, key, "values", "values: [16, 32, 64]");
  const std::string at = keyPath(key, "values");
  if (!values.IsSequence() || values.size() == 0) {
    yaml.fail(values, at, "is not a list of values",
              "write e.g. values: [16, 32, 64] or values: [relu, tanh]");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string item = at + "[" + std::to_string(i) + "]";
    nlohmann::json v = yaml.value(values[i], item);
    for (const auto& earlier : d->values) {
      if (earlier == v)
        yaml.fail(values[i], item, "repeats the value " + v.dump(), "list each value once");
    }
    d->values.push_back(std::move(v));
  }
}

void readRange(const YamlReader& yaml, const YAML::Node& node, const std::string& key,
               Distribution* d) {
  const bool integers = d->kind == Kind::kRandInt;
  const YAML::Node lowNode = yaml.find(node, "low");
  const YAML::Node highNode = yaml.require(node, key, "high", integers ? "high: 10" : "high: 1.0");
  if (integers) {
    const int64_t limit = int64_t{1} << 52;
    d->low = lowNode.IsDefined()
                 ? static_cast<double>(yaml.integer(lowNode, keyPath(key, "low"), -limit, limit))
                 : 0;
    d->high = static_cast<double>(yaml.integer(highNode, keyPath(key, "high"), -limit, limit));
  } else {
    if (!lowNode.IsDefined()) yaml.require(node, key, "low", "low: 0.0");
    d->low = yaml.number(lowNode, keyPath(key, "low"));
    d->high = yaml.number(highNode, keyPath(key, "high"));
  }
  if (!(d->low < d->high)) {
    yaml.fail(highNode, keyPath(key, "high"),
              std::string(kindName(d->kind)) + " needs low < high, got low " + numberText(d->low) +
                  " and high " + numberText(d->high),
              integers ? "randint draws from low up to high - 1: make high larger than low"
                       : "make high larger than low");
  }
  if (!std::isfinite(d->high - d->low)) {
    // A draw is low + (high - low) * u: an infinite width gives infinity or NaN.
    yaml.fail(highNode, keyPath(key, "high"),
              std::string(kindName(d->kind)) + "'s width high - low (" + numberText(d->high) +
                  " - " + numberText(d->low) + ") is not a finite number",
              "narrow the range so that high - low is below 1.7e308");
  }
  if ((d->kind == Kind::kLogUniform || d->kind == Kind::kQLogUniform) && !(d->low > 0)) {
    yaml.fail(
        lowNode, keyPath(key, "low"),
        std::string(kindName(d->kind)) + " needs low > 0 (its logarithm is taken), got " +
            numberText(d->low),
        "write the smallest value itself, e.g. low: 1e-5 (the bounds are values, not exponents)");
  }
  if (d->kind == Kind::kQUniform || d->kind == Kind::kQLogUniform) {
    const YAML::Node qNode = yaml.require(node, key, "q", "q: 1");
    d->q = yaml.number(qNode, keyPath(key, "q"));
    if (!(d->q > 0))
      yaml.fail(qNode, keyPath(key, "q"), "q must be > 0", "write the step, e.g. q: 1 or q: 0.05");
  }
}

Distribution readDistribution(const YamlReader& yaml, const YAML::Node& node,
                              const std::string& key) {
  if (!node.IsMap()) {
    yaml.fail(node, key, "is not a distribution", "write e.g. {type: uniform, low: 0, high: 1}");
  }
  const YAML::Node type = yaml.require(node, key, "type", "type: uniform");
  Distribution d;
  const std::string name = yaml.text(type, keyPath(key, "type"));
  const auto kind = enumValue(kKindNames, name);
  if (!kind) {
    yaml.fail(type, keyPath(key, "type"), "'" + name + "' is not a distribution",
              "write one of " + enumNames(kKindNames));
  }
  d.kind = *kind;
  yaml.checkKeys(node, key, keysOf(d.kind));
  if (d.kind == Kind::kChoice) {
    readChoice(yaml, node, key, &d);
  } else if (d.kind == Kind::kNormal) {
    d.mu = yaml.number(yaml.require(node, key, "mu", "mu: 0.0"), keyPath(key, "mu"));
    const YAML::Node sigma = yaml.require(node, key, "sigma", "sigma: 1.0");
    d.sigma = yaml.number(sigma, keyPath(key, "sigma"));
    if (!(d.sigma > 0))
      yaml.fail(sigma, keyPath(key, "sigma"), "sigma must be > 0",
                "write a positive standard deviation");
    // A draw is mu + sigma * z with |z| up to about 40 (doubles' tails).
    if (!std::isfinite(std::abs(d.mu) + 64 * d.sigma))
      yaml.fail(sigma, keyPath(key, "sigma"),
                "mu " + numberText(d.mu) + " and sigma " + numberText(d.sigma) +
                    " can draw a value that is not a finite number",
                "make sigma smaller (|mu| + 64 sigma must stay below 1.7e308)");
  } else {
    readRange(yaml, node, key, &d);
  }
  return d;
}

}  // namespace

SearchSpace readSpace(const YamlReader& yaml, const YAML::Node& node, const std::string& key) {
  if (!node.IsMap() || node.size() == 0) {
    yaml.fail(
        node, key, "holds no parameter",
        "list the parameters, e.g.\n  space:\n    lr: {type: loguniform, low: 1e-4, high: 1e-1}");
  }
  SearchSpace space;
  for (const auto& pair : node) {
    const std::string name = pair.first.IsScalar() ? pair.first.Scalar() : "";
    const std::string at = keyPath(key, name);
    if (!validName(name)) {
      yaml.fail(pair.first, at, "'" + name + "' is not a usable parameter name",
                "use 1 to 64 letters, digits and '_', not starting with a digit");
    }
    for (const auto& earlier : space) {
      if (earlier.name == name) yaml.fail(pair.first, at, "is given twice", "keep one of the two");
    }
    space.push_back({name, readDistribution(yaml, pair.second, at)});
  }
  return space;
}

}  // namespace cohort::sweep
