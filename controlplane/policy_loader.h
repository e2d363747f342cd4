// YAML text -> Policy, with the position of every field.
//
// The loader checks shape only: YAML syntax, unknown keys, duplicate keys and value types
// ("vlan: abc" is not an integer). Ranges, names and cross-references are validate()'s job.
// yaml-cpp's exceptions stop here: syntax errors come back as ConfigErrors with a line and
// column like every other error.
//
// Bounds, so that no file can make it eat memory or minutes: a policy is at most
// kMaxPolicyBytes; it may expand (aliases) to at most kMaxPolicyNodes YAML nodes, counted
// before anything is read; a trunk's allowed VLANs are a set however many ranges say them; at
// most kMaxReportedErrors errors are reported, then "... and N more errors".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controlplane/diagnostics.h"

namespace YAML {
class Node;
}
#include "controlplane/policy.h"

namespace sluice::cp {

inline constexpr size_t kMaxPolicyBytes = size_t{16} << 20;
inline constexpr size_t kMaxPolicyNodes = size_t{4} << 20;

struct LoadResult {
  Policy policy;
  std::vector<ConfigError> errors;  // empty if the file had the right shape
  bool parsed = false;              // the YAML parsed into a map (validate() is meaningful)
};

struct LoadLimits {
  size_t max_bytes = kMaxPolicyBytes;
  size_t max_nodes = kMaxPolicyNodes;
};

// 'file' is only recorded in the Policy (for messages); 'text' is parsed.
LoadResult load_policy_text(std::string_view text, const std::string& file,
                            const LoadLimits& limits = {});
// Reads and parses 'path'. An unreadable file is one error without a position.
LoadResult load_policy_file(const std::string& path);

// The nodes of the tree under 'root' as a reader walks it (aliases expanded), counting at most
// limit + 1 (so a result > limit means "too many", and the walk stopped there).
size_t count_yaml_nodes(const YAML::Node& root, size_t limit);

// Loads and validates: every error of both steps, in file order (at most kMaxReportedErrors,
// then a summary). Empty means usable.
std::vector<ConfigError> load_and_validate(const std::string& path, Policy& out);

}  // namespace sluice::cp
