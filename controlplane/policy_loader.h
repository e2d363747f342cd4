// YAML text -> Policy, with the position of every field.
//
// The loader checks shape only: YAML syntax, unknown keys, duplicate keys and value types
// ("vlan: abc" is not an integer). Ranges, names and cross-references are validate()'s job.
// yaml-cpp's exceptions stop here: syntax errors come back as ConfigErrors with a line and
// column like every other error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controlplane/diagnostics.h"
#include "controlplane/policy.h"

namespace sluice::cp {

struct LoadResult {
  Policy policy;
  std::vector<ConfigError> errors;  // empty if the file had the right shape
  bool parsed = false;              // the YAML parsed into a map (validate() is meaningful)
};

// 'file' is only recorded in the Policy (for messages); 'text' is parsed.
LoadResult load_policy_text(std::string_view text, const std::string& file);
// Reads and parses 'path'. An unreadable file is one error without a position.
LoadResult load_policy_file(const std::string& path);

// Loads and validates: every error of both steps, in file order. Empty means usable.
std::vector<ConfigError> load_and_validate(const std::string& path, Policy& out);

}  // namespace sluice::cp
