// Test helper: reads the Prometheus text exposition format back into a map
// from series ("name{label=\"v\",...}" exactly as serialized) to value.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

namespace fw::metrics::test {

struct Exposition {
  std::map<std::string, double> samples;       // series -> value
  std::map<std::string, std::string> types;    // family -> counter / gauge / histogram
  std::set<std::string> helps;                 // families with a HELP line

  static Exposition parse(const std::string& text) {
    Exposition e;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      if (line.rfind("# TYPE ", 0) == 0) {
        const auto rest = line.substr(7);
        const auto sp = rest.find(' ');
        e.types[rest.substr(0, sp)] = rest.substr(sp + 1);
        continue;
      }
      if (line.rfind("# HELP ", 0) == 0) {
        const auto rest = line.substr(7);
        e.helps.insert(rest.substr(0, rest.find(' ')));
        continue;
      }
      if (line[0] == '#') continue;
      const auto sp = line.rfind(' ');
      e.samples[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
    }
    return e;
  }

  std::optional<double> value(const std::string& series) const {
    auto it = samples.find(series);
    if (it == samples.end()) return std::nullopt;
    return it->second;
  }

  bool has_series_starting(const std::string& prefix) const {
    auto it = samples.lower_bound(prefix);
    return it != samples.end() && it->first.rfind(prefix, 0) == 0;
  }
};

}  // namespace fw::metrics::test
