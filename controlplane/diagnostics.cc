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

namespace {
ConfigError summary(size_t more) {
  return ConfigError{Mark{}, "",
                     "... and " + std::to_string(more) + " more error" + (more == 1 ? "" : "s") +
                         " (only the first " + std::to_string(kMaxReportedErrors) + " are shown)",
                     more};
}
}  // namespace

std::vector<ConfigError> Diagnostics::take() {
  std::vector<ConfigError> out = std::move(errors_);
  errors_.clear();
  if (dropped_ > 0) out.push_back(summary(dropped_));
  dropped_ = 0;
  return out;
}

void cap_errors(std::vector<ConfigError>& errors) {
  size_t more = 0;
  std::erase_if(errors, [&](const ConfigError& e) {
    more += e.more;
    return e.more > 0;
  });
  sort_by_position(errors);
  if (errors.size() > kMaxReportedErrors) {
    more += errors.size() - kMaxReportedErrors;
    errors.resize(kMaxReportedErrors);
  }
  if (more > 0) errors.push_back(summary(more));
}

}  // namespace sluice::cp
