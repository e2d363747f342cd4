// libFuzzer target for the packet parser and flow-key extraction (built with clang by
// scripts/fuzz, not by the main GCC build): the parse stage's parse_frame() and mbuf_key(), on
// single-segment and multi-segment mbufs built from the fuzz bytes, each segment in its own
// exactly sized heap buffer so that AddressSanitizer sees a read one byte past any of them.
//
// Input: byte 0 holds flags (bit 0: OFPC_FRAG_DROP; bits 1-2: segments - 1), then two bytes per
// segment boundary (a length, taken modulo what is left), then the frame. Besides memory
// errors and undefined behaviour, properties that a violated one aborts on:
//   - the key read from the chain is the key of the same bytes laid out flat (the first
//     segment alone when it is the only one or holds kMaxHeaderBytes, else up to that bound);
//   - every header the layout offers for rewriting lies wholly in the first segment;
//   - when parse_frame() passes a frame, its VLAN agrees with the key's (both pipelines put a
//     frame on the same VLAN), and with OFPC_FRAG_DROP no fragment passes;
//   - meta.len is the packet's length;
//   - the firewall's reject answer to the same bytes (openflow/firewall_reply.h), read from an
//     exactly sized copy, is a whole Ethernet/IPv4 frame with a valid IPv4 checksum, and the
//     flow log's summary of them reads nothing past their end.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <rte_mbuf.h>

#include "dataplane/flow_key.h"
#include "dataplane/mbuf_key.h"
#include "dataplane/stages/parse.h"
#include "openflow/firewall_reply.h"

namespace {

using sluice::dp::FlowKey;
using sluice::dp::PacketLayout;

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "packet_parse_fuzz: violated: %s\n", what);
  std::abort();
}

constexpr unsigned kMaxSegments = 4;

// A chain of up to kMaxSegments mbufs over separately allocated buffers.
struct Chain {
  alignas(RTE_CACHE_LINE_SIZE) rte_mbuf segs[kMaxSegments];
  std::unique_ptr<uint8_t[]> bufs[kMaxSegments];

  rte_mbuf* build(const uint8_t* frame, const std::vector<uint32_t>& lens) {
    std::memset(segs, 0, sizeof segs);
    uint32_t at = 0;
    for (size_t i = 0; i < lens.size(); ++i) {
      bufs[i] = std::make_unique<uint8_t[]>(std::max<uint32_t>(lens[i], 1));
      std::memcpy(bufs[i].get(), frame + at, lens[i]);
      at += lens[i];
      rte_mbuf& s = segs[i];
      s.buf_addr = bufs[i].get();
      s.buf_len = static_cast<uint16_t>(lens[i]);
      s.data_off = 0;
      s.data_len = static_cast<uint16_t>(lens[i]);
      s.nb_segs = 1;
      s.next = i + 1 < lens.size() ? &segs[i + 1] : nullptr;
    }
    segs[0].nb_segs = static_cast<uint16_t>(lens.size());
    segs[0].pkt_len = at;
    return &segs[0];
  }
};

uint32_t rewrite_bytes(const FlowKey& k) {
  switch (k.ip_proto) {
    case 6: return 20;  // TCP: ports, checksum at +16
    case 17: return 8;  // UDP
    default: return 4;  // ICMP type, code, checksum
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool frag_drop = (data[0] & 1) != 0;
  const unsigned nsegs = 1 + ((data[0] >> 1) & 3);
  size_t at = 1;
  if (size < at + 2 * (nsegs - 1)) return 0;
  const uint8_t* split = data + at;
  at += 2 * (nsegs - 1);
  const uint8_t* frame = data + at;
  // A segment holds at most 65535 bytes (data_len is 16 bits); so does the whole frame here.
  const uint32_t total = static_cast<uint32_t>(std::min<size_t>(size - at, 65535));

  std::vector<uint32_t> lens;
  uint32_t left = total;
  for (unsigned i = 0; i + 1 < nsegs; ++i) {
    const uint32_t want = static_cast<uint32_t>(split[2 * i] << 8 | split[2 * i + 1]);
    const uint32_t len = want % (left + 1);
    lens.push_back(len);
    left -= len;
  }
  lens.push_back(left);

  static Chain chain;
  const rte_mbuf* m = chain.build(frame, lens);
  const uint32_t first = lens[0];

  FlowKey key;
  PacketLayout layout;
  sluice::dp::mbuf_key(m, 7, key, layout);

  // The same bytes, flat.
  const uint32_t flat_len =
      nsegs == 1 || first >= sluice::dp::kMaxHeaderBytes || first >= total
          ? first
          : std::min(total, sluice::dp::kMaxHeaderBytes);
  std::vector<uint8_t> flat(frame, frame + flat_len);
  FlowKey want;
  PacketLayout want_layout;
  sluice::dp::extract_key(flat.data(), flat_len, 7, 0, want, want_layout);
  if (!(key == want)) violated("the chain's key differs from the flat frame's");
  if (layout.malformed != want_layout.malformed) violated("malformed differs from the flat frame's");
  if (layout.tags != want_layout.tags || layout.l3 != want_layout.l3) {
    violated("tags or l3 differ from the flat frame's");
  }

  if (layout.l4 != 0 && uint32_t{layout.l4} + rewrite_bytes(key) > first) {
    violated("the L4 header offered for rewriting is not in the first segment");
  }
  if (layout.ihl_ok && uint32_t{layout.l3} + (frame[layout.l3] & 0x0f) * 4u > first) {
    violated("the IPv4 header offered for rewriting is not in the first segment");
  }
  if (layout.ipv6 && uint32_t{layout.l3} + 40 > first) {
    violated("the IPv6 header offered for rewriting is not in the first segment");
  }

  {
    namespace fw = sluice::of::firewall;
    const std::vector<uint8_t> exact(frame, frame + total);
    const fw::RejectReply r = fw::reject_reply(exact);
    if (r.kind != fw::RejectReply::Kind::kNone) {
      if (r.frame.size() < 14 + 20 + 8) violated("a reject answer shorter than its headers");
      const std::span<const uint8_t> ip(r.frame.data() + 14, 20);
      if (fw::internet_checksum(ip) != 0) violated("a reject answer's IPv4 checksum is wrong");
    } else if (r.why.empty() || !r.frame.empty()) {
      violated("no reject answer, but no reason or a frame anyway");
    }
    (void)fw::summarize(exact);
  }

  sluice::dp::PacketMeta meta;
  const sluice::dp::ParseDrop verdict = sluice::dp::parse_frame(m, 7, meta, frag_drop);
  if (meta.len != total) violated("meta.len is not the packet's length");
  if (verdict == sluice::dp::ParseDrop::kNone) {
    const uint16_t vlan = meta.tagged ? static_cast<uint16_t>(0x1000 | meta.vid) : 0;
    if (key.vlan_vid != vlan) violated("the parse stage and the key disagree on the VLAN");
    if (meta.tagged && meta.priority_tagged) violated("tagged and priority-tagged at once");
    if (frag_drop && key.ip_frag != 0) violated("a fragment passed OFPC_FRAG_DROP");
  }
  return 0;
}
