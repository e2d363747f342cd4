// What a PORT_ADD may ask for: the text rules for its device and options, shared by both
// processes (std C++ only, no file system access). sluicectl's YAML validator states the same
// syntax rules for policy fields (controlplane/args.h: NameArg, AbsolutePathArg, DevargsArg,
// KeyValueListArg); tests/controlplane/port_rules_agree_test.cc runs both on one table of
// inputs so the two cannot drift apart. The dataplane applies these (and then its file system
// checks, dataplane/port_checks.h) to every PORT_ADD before anything reaches rte_dev_probe:
// the channel is a trust boundary, and device/options become DPDK devargs, which can name
// files to read or overwrite (pcap), host interfaces to capture (af_packet, pcap) or arbitrary
// drivers.
//
// Per port type, on top of the field syntax:
//   - every option key is on the type's whitelist (below, kOptionRules); a key Sluice sets
//     itself (iface, path, queues, qpairs, client, nodeaction, ...) is never one of them, so
//     options cannot override the device or the queue count;
//   - values are short tokens of [A-Za-z0-9_.:-] (no '/', so no option can name a file), and
//     flags are 0 or 1, numbers are decimal within the PMD's sane range;
//   - no key appears twice (DPDK's PMDs differ on which of two values wins);
//   - pcap's device holds only rx_pcap/tx_pcap (absolute paths, no ',') or iface/rx_iface/
//     rx_iface_in/tx_iface (interface names), never both kinds;
//   - dpdk's device is a PCI address (dddd:bb:dd.f or bb:dd.f), optionally followed by
//     ",k=v" options: a virtual device name (net_pcap0,...) is refused, since that would
//     bypass every rule above.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openflow/messages.h"

namespace sluice::of::port_rules {

// ---- Field syntax (the same sentences as controlplane/args.cc) -----------------------------

// min_len..max_len characters of A-Z a-z 0-9 and 'extra'.
std::optional<std::string> check_name(std::string_view value, size_t min_len, size_t max_len,
                                      std::string_view extra);
// An absolute path of at most max_len bytes, without ','.
std::optional<std::string> check_absolute_path(std::string_view value, size_t max_len);
// 1..max_len bytes, no whitespace, no ',' unless allow_comma.
std::optional<std::string> check_devargs(std::string_view value, size_t max_len,
                                         bool allow_comma);
// "k=v,k=v": at most max_len bytes, every item a non-empty key with '=' and no ' '.
std::optional<std::string> check_key_value_list(std::string_view value, size_t max_len);

// The limits the YAML validator uses for the fields that become device/options.
inline constexpr size_t kIfaceMin = 1, kIfaceMax = 15;
inline constexpr std::string_view kIfaceExtra = "_.-:@";
inline constexpr size_t kRingMin = 1, kRingMax = 31;
inline constexpr std::string_view kRingExtra = "_.-";
inline constexpr size_t kSocketPathMax = 255;
inline constexpr size_t kPcapFileMax = 240;
inline constexpr size_t kDevargsMax = 255;
inline constexpr size_t kOptionsMax = 255;

// ---- Keys and values ------------------------------------------------------------------------

struct KeyValue {
  std::string_view key;
  std::string_view value;
};
// Splits "k=v,k=v" (already checked by check_key_value_list) into its items; "" gives none.
std::vector<KeyValue> split_key_values(std::string_view text);

// What one option key's value may be.
enum class ValueKind { kFlag, kNumber, kToken, kMac };
struct OptionRule {
  std::string_view key;
  ValueKind kind;
  uint64_t min = 0;  // kNumber only
  uint64_t max = 0;
};

// The option keys a port type accepts (empty for ring; dpdk takes any safe key, see above).
std::vector<OptionRule> option_rules(PortType type);

// Checks a PORT_ADD's device and options against the rules above. Returns the sentence to put
// in the ERROR reply (kBadPortArgument) if anything is wrong.
std::optional<std::string> check_port_add(const PortAdd& def);

// The file paths and interface names a checked PORT_ADD refers to, for the dataplane's file
// system and host checks.
struct PortReferences {
  std::vector<std::string> read_files;   // pcap rx_pcap
  std::vector<std::string> write_files;  // pcap tx_pcap (created or overwritten)
  std::vector<std::string> host_ifaces;  // af_packet iface, pcap iface/rx_iface/tx_iface
  std::string vhost_socket;              // vhost-user path
};
PortReferences references_of(const PortAdd& def);

}  // namespace sluice::of::port_rules
