// libFuzzer target for the connection tracker (built with clang by scripts/fuzz): a sequence of
// packets, each read by extract_conn() from its own exactly sized heap buffer (so that
// AddressSanitizer sees a read one byte past it), then tracked, and committed when new, in a
// small ConnTable whose clock the input moves and whose sweeper runs between packets.
//
// Input: records of [control, length, length bytes of L3 header and payload]. Control bit 0:
// IPv6 (else IPv4); bit 1: commit when new; bits 2-4: zone; bits 5-7: seconds to advance the
// clock by, as a power of four (0 = none, 7 = 4^7 = 16384 s), the sweeper running after each
// advance. Properties a violated one aborts on:
//   - a TCP packet's payload is no more than the bytes given;
//   - a found connection holds the packet's key in the direction reported (the quoted key for
//     an ICMP error, turned around);
//   - the table never holds more than its capacity, nor a port more than its limit;
//   - once the clock has run past every timeout, the sweeper reclaims every entry.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "nfv/conntrack/conn_table.h"
#include "nfv/conntrack/extract.h"

namespace {

using namespace sluice::nfv::ct;

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "conntrack_fuzz: violated: %s\n", what);
  std::abort();
}

constexpr uint32_t kCapacity = 32;
constexpr uint32_t kPortLimit = 24;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ConnConfig cfg;
  cfg.capacity = kCapacity;
  cfg.port_slots = 4;
  cfg.per_port_limit = kPortLimit;
  cfg.seed = 7;
  ConnTable table(cfg);
  TrackCounts counts;
  uint32_t now = 1;
  size_t at = 0;
  while (at + 2 <= size) {
    const uint8_t ctl = data[at];
    const uint32_t len = std::min<size_t>(data[at + 1], size - at - 2);
    auto buf = std::make_unique<uint8_t[]>(len > 0 ? len : 1);
    std::memcpy(buf.get(), data + at + 2, len);
    at += 2 + len;

    const uint32_t step = (ctl >> 5) & 7;
    if (step != 0) {
      now += 1u << (2 * step);
      table.sweep(now, kCapacity);
    }
    ConnPacket p;
    const uint16_t ether = (ctl & 1) ? 0x86dd : 0x0800;
    if (extract_conn(buf.get(), len, ether, (ctl >> 2) & 7, p) != ExtractStatus::kOk) continue;
    if (p.key.proto == kProtoTcp && p.payload > len) violated("TCP payload past the bytes given");
    TrackResult r;
    table.track(p, now, r, counts);
    if (r.entry >= 0) {
      const ConnEntry& e = table.entry(r.entry);
      const ConnKey& want = p.icmp_error ? p.inner : p.key;
      const uint8_t dir = p.icmp_error ? r.dir ^ 1 : r.dir;
      if (!(e.key[dir] == want)) violated("a found connection does not hold the packet's key");
    }
    if ((ctl & 2) && (r.state & kStateNew)) table.commit(p, now, ctl & 3, 0, r, counts);
    if (table.size() > kCapacity) violated("more entries than the capacity");
    for (uint16_t s = 0; s < 4; ++s) {
      if (table.port_count(s) > kPortLimit) violated("a port past its limit");
    }
  }
  // Past every timeout (the longest is five days), two full sweeps free everything.
  now += 10 * 86400;
  table.sweep(now, kCapacity);
  table.sweep(now, kCapacity);
  if (table.size() != 0) violated("entries left after every timeout");
  return 0;
}
