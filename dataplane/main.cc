// sluiced: the Sluice dataplane daemon.
#include <csignal>
#include <cstdio>

#include "dataplane/daemon.h"
#include "dataplane/log.h"
#include "dataplane/options.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

}  // namespace

int main(int argc, char** argv) {
  auto opts = sluice::dp::parse_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "sluiced: %s\n", opts.error().message.c_str());
    return 2;
  }
  if (!*opts) return 0;  // --help
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  auto daemon = sluice::dp::Daemon::start(**opts);
  if (!daemon) {
    sluice::dp::log_error("%s", daemon.error().message.c_str());
    return 1;
  }
  return (*daemon)->run(g_stop);
}
