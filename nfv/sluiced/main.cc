// sluiced: the Sluice dataplane daemon, assembled from dataplane/ and nfv/ (composition.h).
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "dataplane/daemon.h"
#include "dataplane/log.h"
#include "dataplane/options.h"
#include "nfv/sluiced/composition.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

// The control lcore's big allocations (100k compiled flows, a FlowStore copy for a bundle's
// rollback) spend most of their time in 4 KB page faults, which are dear in a VM: a full compile
// of 100k flows took 0.67 s, 0.39 s with glibc's heap on transparent huge pages. glibc does that
// only when asked at start-up (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), so sluiced asks by
// executing itself once more with it, unless the environment already says something about it.
// Nothing has started yet (no EAL, no threads), and the pid stays the same.
void use_huge_page_heap(char** argv) {
  constexpr const char* kMarker = "SLUICED_HEAP_TUNED";
  if (std::getenv(kMarker) != nullptr) return;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.hugetlb") != nullptr) return;
  std::string value = tunables != nullptr && *tunables != '\0' ? std::string(tunables) + ":" : "";
  value += "glibc.malloc.hugetlb=1";
  if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0 || ::setenv(kMarker, "1", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Could not: go on with the normal heap.
}

}  // namespace

int main(int argc, char** argv) {
  use_huge_page_heap(argv);
  auto opts = sluice::dp::parse_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "sluiced: %s\n", opts.error().message.c_str());
    return 2;
  }
  if (!*opts) return 0;  // --help
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  auto daemon = sluice::dp::Daemon::start(**opts, sluice::root::composition());
  if (!daemon) {
    sluice::dp::log_error("%s", daemon.error().message.c_str());
    return 1;
  }
  return (*daemon)->run(g_stop);
}
