// FlowSet: the wildcard flows of the `flowmod` and `wildcard` benchmarks (bench/run), defined
// once so that sluice-flowmod (FLOW_MODs and ovs-ofctl text) and sluice-gen (destination
// addresses that hit them) agree.
//
// Flow i (0 <= i < kFlowSetMaxFlows) matches `ip,nw_dst=A/L` in one table:
//
//   class c = i mod 5, prefix length L = 32 - c  (/32, /31, /30, /29, /28: five masks, so a
//   tuple-space classifier has five tuples); j = i / 5;
//   A = 10.0.0.0 | c << 21 | j << (32 - L): each class has its own 2^21-address region of
//   10.0.0.0/8, and no two flows overlap, so a packet hits exactly one flow;
//   priority = 1000 + i mod 60000 (distinct for up to 60000 flows; overlaps make no difference);
//   cookie = base | i / kFlowSetCookieChunk: the top 32 bits (base) name the set, the low bits a
//   chunk of 4096 flows, so a FLOW stats request per chunk keeps each reply small.
//
// wildcard_address(i, v) is a destination inside flow i's prefix (v picks the host part, modulo the
// prefix's size), for generated traffic.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::bench {

struct WildcardFlow {
  uint32_t address = 0;  // host byte order, already masked
  uint8_t prefix_len = 32;
  uint16_t priority = 0;
};

inline constexpr uint32_t kFlowSetClasses = 5;
// Class 4 (/28) holds 2^21 / 16 flows; five classes of that many.
inline constexpr uint32_t kFlowSetMaxFlows = kFlowSetClasses * ((1u << 21) >> 4);

inline constexpr uint32_t kFlowSetCookieChunk = 4096;
inline constexpr uint64_t kFlowSetCookieMask = 0xffffffff00000000ull;  // the whole set

WildcardFlow wildcard_flow(uint32_t i) noexcept;
inline uint64_t wildcard_cookie(uint64_t base, uint32_t i) noexcept {
  return (base & kFlowSetCookieMask) | i / kFlowSetCookieChunk;
}
uint32_t wildcard_address(uint32_t i, uint32_t v) noexcept;
std::string ipv4_text(uint32_t address);
// "cookie=<wildcard_cookie(base, i)>,table=T,priority=P,ip,nw_dst=A/L,actions=output:PORT"
// (ovs-ofctl syntax).
std::string wildcard_flow_text(uint32_t i, uint64_t cookie_base, uint8_t table, uint32_t out_port);

}  // namespace sluice::bench
