#include "controlplane/diagnostics.h"

#include <algorithm>

namespace sluice::cp {

std::string format_config_error(std::string_view file, const ConfigError& e) {
  std::string out(file);
  if (e.mark.line > 0) {
    out += ':' + std::to_string(e.mark.line) + ':' + std::to_string(e.mark.column);
  }
  out += ": ";
  if (!e.path.empty()) out += e.path + ": ";
  out += e.message;
  return out;
}

void sort_by_position(std::vector<ConfigError>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    if (a.mark.line != b.mark.line) return a.mark.line < b.mark.line;
    return a.mark.column < b.mark.column;
  });
}

}  // namespace sluice::cp
