// "Did you mean ...?" hints for misspelt config keys and enum values. Pure.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace fw::config {

// Optimal-string-alignment distance (Levenshtein plus adjacent
// transpositions), ASCII case-insensitive, '-' equal to '_'.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate `word` is most plausibly a misspelling of, or "" when none is
// close enough. Close enough: distance <= max(1, longer length / 3), or one
// is a prefix of the other ("timeout" -> "timeout_ms"). Ties go to the
// earlier candidate.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace fw::config
