// sluicectl's command line: `sluicectl [--channel NAME] COMMAND [OPTIONS]`.
#pragma once

namespace sluice::cp {

// Parses argv, runs the command, returns the process exit code (0 ok, 1 failure, 2 usage).
int run_cli(int argc, char** argv);

}  // namespace sluice::cp
