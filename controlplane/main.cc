// sluicectl: the Sluice policy controller and one-shot tools. See `sluicectl --help`.
#include "controlplane/cli.h"

int main(int argc, char** argv) { return sluice::cp::run_cli(argc, argv); }
