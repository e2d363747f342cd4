// The composition root of sluiced: the one place where dataplane/ and nfv/ meet. It lists the
// pipeline's stages in order — the dataplane's (parse, ingress, l2, openflow) and the network
// functions' of nfv/ (port_security, table 10) — with the network functions' table compilers
// and the connection tracker behind ct() (nfv/ct), and hands them to the daemon as a Composition.
// The tests' harness builds its pipelines from the same list.
#pragma once

#include <cstddef>
#include <memory>

#include "dataplane/composition.h"

namespace sluice::root {

// How many stages make_stages() returns (checked there, and at compile time against the
// counter blocks).
inline constexpr size_t kStages = 5;

dp::StageList make_stages(const dp::Runtime& rt, uint16_t worker);
// The network functions' special tables (dataplane/special_table.h).
dp::Specialisers specialisers();
// The connection tracker behind ct() (nfv/ct), for 'workers' workers.
std::unique_ptr<dp::Conntracker> make_conntrack(const dp::Runtime& rt, uint16_t workers);
dp::Composition composition();

}  // namespace sluice::root
