// Typed argument rules for policy fields, declared once and reused (in the spirit of Click's
// BoundedIntArg): each rule has check(value) returning an error sentence or nothing, and is
// applied through Diagnostics::check(). Parsers for scalar text (integers, MACs, enum names)
// live here too, so strings become typed values at the edge.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "controlplane/policy.h"
#include "openflow/messages.h"
#include "openflow/port_security.h"

namespace sluice::cp {

// An integer in lo..hi: "5000 is out of range 1..4094".
struct BoundedInt {
  int64_t lo;
  int64_t hi;
  std::optional<std::string> check(int64_t value) const;
};

// A name of min_len..max_len characters from A-Z a-z 0-9 and 'extra'.
struct NameArg {
  size_t min_len;
  size_t max_len;
  std::string_view extra;
  std::optional<std::string> check(const std::string& value) const;
};

// An absolute file system path of at most max_len bytes.
struct AbsolutePathArg {
  size_t max_len;
  std::optional<std::string> check(const std::string& value) const;
};

// Text that ends up in a DPDK devargs string: 1..max_len bytes, no whitespace, and no ','
// unless allow_comma (a full devargs string may hold several).
struct DevargsArg {
  size_t max_len;
  bool allow_comma = false;
  std::optional<std::string> check(const std::string& value) const;
};

// "k=v,k=v": at most max_len bytes, every item a non-empty key with '='.
struct KeyValueListArg {
  size_t max_len;
  std::optional<std::string> check(const std::string& value) const;
};

// A unicast MAC address (I/G bit clear) that is not all zeros.
struct UnicastMacArg {
  std::optional<std::string> check(const of::MacAddr& mac) const;
};

// An IPv4 address or prefix ("10.0.0.5", "10.0.0.0/24") without address bits past its length.
// 'ipv6_note' says what an IPv6 address would mean where the rule is used.
struct Ipv4PrefixArg {
  std::string_view ipv6_note;
  std::optional<std::string> check(const std::string& value) const;
};

// ---- Parsers (text -> typed value) ---------------------------------------------------------

// A decimal integer with an optional sign; nothing on junk or overflow.
std::optional<int64_t> parse_int(std::string_view text);
// "02:00:00:00:01:01" (also with '-'); nothing if malformed.
std::optional<of::MacAddr> parse_mac(std::string_view text);
std::string format_mac(const of::MacAddr& mac);
// "10.0.0.5" (a /32) or "10.0.0.0/24"; nothing if malformed. Address bits past the length are
// kept, so that the caller can say what is wrong (of::port_security::well_formed()).
std::optional<of::port_security::Prefix> parse_ipv4_prefix(std::string_view text);
std::string format_prefix(const of::port_security::Prefix& prefix);

template <class T>
struct EnumName {
  std::string_view name;
  T value;
};

inline constexpr EnumName<of::PortType> kPortTypeNames[] = {
    {"vhost-user", of::PortType::kVhostUser},
    {"af_packet", of::PortType::kAfPacket},
    {"tap", of::PortType::kTap},
    {"pcap", of::PortType::kPcap},
    {"null", of::PortType::kNull},
    {"ring", of::PortType::kRing},
    {"dpdk", of::PortType::kDpdk},
};
inline constexpr EnumName<VlanMode> kVlanModeNames[] = {{"access", VlanMode::kAccess},
                                                        {"trunk", VlanMode::kTrunk}};
inline constexpr EnumName<VhostMode> kVhostModeNames[] = {{"server", VhostMode::kServer},
                                                          {"client", VhostMode::kClient}};
inline constexpr EnumName<AdminState> kAdminNames[] = {{"up", AdminState::kUp},
                                                       {"down", AdminState::kDown}};

inline constexpr EnumName<FwAction> kFwActionNames[] = {
    {"allow", FwAction::kAllow}, {"deny", FwAction::kDeny}, {"reject", FwAction::kReject}};
inline constexpr EnumName<FwAction> kFwDefaultNames[] = {{"allow", FwAction::kAllow},
                                                         {"deny", FwAction::kDeny}};
inline constexpr EnumName<FwProtocol> kFwProtocolNames[] = {{"any", FwProtocol::kAny},
                                                            {"tcp", FwProtocol::kTcp},
                                                            {"udp", FwProtocol::kUdp},
                                                            {"icmp", FwProtocol::kIcmp}};
inline constexpr EnumName<bool> kBoolNames[] = {{"true", true}, {"false", false}};

template <class T>
std::optional<T> parse_enum(std::span<const EnumName<T>> names, std::string_view text) {
  for (const auto& n : names) {
    if (n.name == text) return n.value;
  }
  return std::nullopt;
}

// "access | trunk"
template <class T>
std::string enum_choices(std::span<const EnumName<T>> names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += " | ";
    out += n.name;
  }
  return out;
}

}  // namespace sluice::cp
