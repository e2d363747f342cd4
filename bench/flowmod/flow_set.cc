#include "bench/flowmod/flow_set.h"

#include <cinttypes>
#include <cstdio>

namespace sluice::bench {

WildcardFlow wildcard_flow(uint32_t i) noexcept {
  const uint32_t c = i % kFlowSetClasses;
  const uint32_t j = i / kFlowSetClasses;
  WildcardFlow f;
  f.prefix_len = static_cast<uint8_t>(32 - c);
  f.address = 0x0a000000u | c << 21 | j << c;
  f.priority = static_cast<uint16_t>(1000 + i % 60000);
  return f;
}

uint32_t wildcard_address(uint32_t i, uint32_t v) noexcept {
  const WildcardFlow f = wildcard_flow(i);
  const uint32_t hosts = 1u << (32 - f.prefix_len);
  return f.address | (v & (hosts - 1));
}

std::string ipv4_text(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
                a & 0xff);
  return buf;
}

std::string wildcard_flow_text(uint32_t i, uint64_t cookie_base, uint8_t table, uint32_t out_port) {
  const WildcardFlow f = wildcard_flow(i);
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "cookie=0x%" PRIx64 ",table=%u,priority=%u,ip,nw_dst=%s/%u,actions=output:%u",
                wildcard_cookie(cookie_base, i), table, f.priority, ipv4_text(f.address).c_str(),
                f.prefix_len, out_port);
  return buf;
}

}  // namespace sluice::bench
