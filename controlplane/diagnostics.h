// ConfigError and the collector every policy check reports into.
//
// An error names the field by its YAML path ("networks[0].vlan") and points at the line and
// column the field was written at. Printed, it reads
//   configs/bad/vlan_out_of_range.yaml:9:11: networks[0].vlan: 5000 is out of range 1..4094
// Nothing here throws; checks append and carry on, so the operator sees every error at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controlplane/policy.h"

namespace sluice::cp {

struct ConfigError {
  Mark mark;
  std::string path;  // empty for errors about the file as a whole (e.g. YAML syntax)
  std::string message;
  size_t more = 0;  // > 0: a summary, "... and 'more' more errors", for errors not kept
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

// "FILE:LINE:COL: path: message" (the path part is left out when empty; LINE:COL when
// unknown).
std::string format_config_error(std::string_view file, const ConfigError& e);

// Orders errors by position in the file (stable: errors at one spot keep their order).
void sort_by_position(std::vector<ConfigError>& errors);

// The most errors a load reports; past it they are counted ("... and N more errors").
inline constexpr size_t kMaxReportedErrors = 100;

// Sorts 'errors' by position and keeps the first kMaxReportedErrors, then one summary entry
// (last, without a position) counting the rest and those the summaries in 'errors' counted.
void cap_errors(std::vector<ConfigError>& errors);

class Diagnostics {
 public:
  // Keeps the first kMaxReportedErrors; a file with a million bad entries costs no more.
  void add(Mark mark, std::string path, std::string message) {
    if (errors_.size() >= kMaxReportedErrors) {
      ++dropped_;
      return;
    }
    errors_.push_back(ConfigError{mark, std::move(path), std::move(message)});
  }
  // Runs 'rule.check(value)' on a written, parsable field and records what it returns
  // (std::optional<std::string>: an error sentence, or nothing when the value is fine).
  template <class Rule, class T>
  void check(const Rule& rule, const Marked<T>& field, const std::string& path) {
    if (!field.usable()) return;
    if (auto message = rule.check(field.value)) add(field.mark, path, std::move(*message));
  }

  bool empty() const noexcept { return errors_.empty() && dropped_ == 0; }
  size_t count() const noexcept { return errors_.size() + dropped_; }  // kept and dropped
  const std::vector<ConfigError>& errors() const noexcept { return errors_; }
  // The errors kept, and a summary entry counting the others if there were more.
  std::vector<ConfigError> take();
  size_t dropped() const noexcept { return dropped_; }  // errors past the cap, not kept

 private:
  std::vector<ConfigError> errors_;
  size_t dropped_ = 0;
};

}  // namespace sluice::cp
