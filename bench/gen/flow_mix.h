// FlowMix: the frames sluice-gen replays, built once before sending.
//
// Sources are N MACs 02:5c:00:xx:xx:xx and destinations N other MACs 02:5c:01:xx:xx:xx, where
// xx:xx:xx is the index 0..N-1 (big-endian). Flow k (0 <= k < F) is an Ethernet/IPv4/UDP frame
// from source k mod N to destination (k + k / N) mod N, so F = N pairs each source with one
// destination and F > N walks further pairs; IPv4 and UDP fields differ per flow (10.0.0.0/9 →
// 10.128.0.0/9, UDP source port per flow), so every flow is a distinct microflow for a cache.
// The optional 802.1Q tag (VID 1..4094) sits in every frame; the frame length stays as given.
// With dst_ips = D > 0, flow k's IPv4 destination is instead an address inside wildcard flow
// k mod D of bench/flowmod/flow_set.h (host part (k / D) mod the prefix's size), so the frames
// spread over D of those flows, each hit by every D-th frame.
//
// With dst_ports = P > 1, flow k's UDP destination port is 5001 + k mod P (else 5001).
//
// With replies, every flow is a connection between source and destination k mod N (N MAC
// pairs however many flows) and is sent both ways: frames alternate flow k's
// frame and its reply (IPv4 addresses and UDP ports swapped; the same MACs, so both enter on
// the generator's port and leave towards the destinations), and the learning frames are every
// flow's frame followed by every reply, so a stateful switch has seen both directions of
// every connection (established) before the measurement.
//
// learn_frames(): one frame per source (source i → destination i), sent before the
// measurement so a learning switch knows every source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::bench {

inline constexpr uint32_t kMaxFrameLen = 128;
inline constexpr uint32_t kMinFrameLen = 60;  // without FCS

struct alignas(64) Frame {
  uint8_t bytes[kMaxFrameLen];
};

struct FlowMixSpec {
  uint32_t macs = 1000;
  uint32_t flows = 0;  // 0 = macs
  uint16_t vlan = 0;   // 0 = untagged
  uint32_t frame_len = 64;
  uint32_t dst_ips = 0;  // 0 = 10.128.0.0/9 by flow; D = inside wildcard flows 0..D-1
  uint32_t dst_ports = 1;  // UDP destination 5001 + flow mod dst_ports
  bool replies = false;    // each flow also sent in reverse (a connection, both ways)
};

// Where the IPv4 header starts in the frames of a spec.
inline uint32_t ipv4_offset(const FlowMixSpec& spec) { return spec.vlan != 0 ? 18 : 14; }

// MAC address i of a role (0 = source, 1 = destination), as "02:5c:0r:xx:xx:xx".
std::string mac_text(uint32_t role, uint32_t index);

class FlowMix {
 public:
  explicit FlowMix(const FlowMixSpec& spec);
  const std::vector<Frame>& frames() const noexcept { return frames_; }
  const std::vector<Frame>& learn_frames() const noexcept { return learn_; }
  uint32_t frame_len() const noexcept { return len_; }

 private:
  void build(Frame& f, uint32_t flow, uint32_t src, uint32_t dst, bool reply = false) const;

  uint32_t len_;
  uint16_t vlan_;
  uint32_t dst_ips_;
  uint32_t dst_ports_;
  std::vector<Frame> frames_;
  std::vector<Frame> learn_;
};

}  // namespace sluice::bench
