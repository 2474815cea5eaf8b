// Note [Enum names]: each sweep enum's names are written once, as a table of
// {value, name} pairs beside the enum (kGoalNames, kSamplerNames, ...), and
// every conversion goes through that table: enumName() for the name the
// sweep file, the store and the messages use, enumValue() for reading one
// back, enumNames() for the "write a, b or c" of a refusal. The table's
// order is the order a message lists the names in.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cohort::sweep {

template <typename E>
struct EnumName {
  E value;
  const char* name;
};

// The name of `value` in `table` ("?" for a value the table lacks).
template <typename E, size_t N>
constexpr const char* enumName(const EnumName<E> (&table)[N], E value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

// The value named `name` in `table`, or nullopt.
template <typename E, size_t N>
std::optional<E> enumValue(const EnumName<E> (&table)[N], std::string_view name) {
  for (const auto& entry : table) {
    if (name == entry.name) return entry.value;
  }
  return std::nullopt;
}

// The table's names for a message: "grid, random or tpe".
template <typename E, size_t N>
std::string enumNames(const EnumName<E> (&table)[N]) {
  std::string names;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) names += i + 1 == N ? " or " : ", ";
    names += table[i].name;
  }
  return names;
}

}  // namespace cohort::sweep
