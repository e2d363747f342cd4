// sluicectl validate FILE
#include <cstdio>

#include "controlplane/commands/commands.h"
#include "controlplane/compiler.h"
#include "controlplane/policy_loader.h"

namespace sluice::cp {

int cmd_validate(const std::string& file) {
  Policy policy;
  const auto errors = load_and_validate(file, policy);
  if (!errors.empty()) {
    for (const ConfigError& e : errors) std::printf("%s\n", format_config_error(file, e).c_str());
    return 1;
  }
  std::printf("%s: ok (%zu ports, %zu networks, %zu flows)\n", file.c_str(),
              policy.ports.value.size(), policy.networks.value.size(), count_flows(policy));
  return 0;
}

}  // namespace sluice::cp
