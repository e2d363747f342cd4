#!/usr/bin/env bash
# The dependency rules of docs/architecture.md, checked by reading the sources:
#   openflow/     std C++ only: no DPDK, nothing of dataplane/, nfv/ or controlplane/
#   controlplane/ no DPDK, nothing of dataplane/ or nfv/
#   dataplane/    nothing of nfv/ or controlplane/ (network functions plug in through the
#                 composition root, nfv/sluiced/, the one place both meet)
#   nfv/conntrack/ std C++ only (built and tested under ThreadSanitizer too)
# Prints every offending line and exits 1 if there is one.
set -uo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
status=0
check() {
  local dir=$1 pattern=$2 why=$3
  local hits
  hits=$(grep -rnE --include='*.h' --include='*.cc' "$pattern" "$dir" || true)
  if [[ -n $hits ]]; then
    echo "$dir: $why:"
    echo "$hits"
    status=1
  fi
}
check openflow '#include [<"](rte_|dataplane/|nfv/|controlplane/)' "must stay std C++ and below every other part"
check controlplane '#include [<"](rte_|dataplane/|nfv/)' "sluicectl never includes DPDK or the dataplane"
check dataplane '#include "(nfv|controlplane)/' "the dataplane must not name the network functions or sluicectl"
check nfv/conntrack '#include [<"](rte_|dataplane/|controlplane/|openflow/)' "the connection tracker is std C++ only"
(( status == 0 )) && echo "layering: openflow <- dataplane <- nfv, openflow <- controlplane: ok"
exit "$status"
