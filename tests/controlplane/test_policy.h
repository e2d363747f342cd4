// Helpers for control plane tests: policies from inline YAML.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "controlplane/diagnostics.h"
#include "controlplane/policy.h"
#include "controlplane/policy_loader.h"
#include "controlplane/validate.h"

namespace sluice::cp::testing {

// Every error of loading and validating 'text', formatted as "t.yaml:L:C: path: message".
inline std::vector<std::string> errors_of(std::string_view text) {
  LoadResult loaded = load_policy_text(text, "t.yaml");
  std::vector<ConfigError> errors = loaded.errors;
  if (loaded.parsed) {
    for (ConfigError& e : validate(loaded.policy)) errors.push_back(e);
  }
  sort_by_position(errors);
  std::vector<std::string> lines;
  for (const ConfigError& e : errors) lines.push_back(format_config_error("t.yaml", e));
  return lines;
}

// A policy that must load and validate cleanly.
inline Policy valid_policy(std::string_view text) {
  LoadResult loaded = load_policy_text(text, "t.yaml");
  EXPECT_TRUE(loaded.parsed);
  std::vector<ConfigError> errors = loaded.errors;
  for (ConfigError& e : validate(loaded.policy)) errors.push_back(e);
  for (const ConfigError& e : errors) ADD_FAILURE() << format_config_error("t.yaml", e);
  return loaded.policy;
}

}  // namespace sluice::cp::testing
