#include "bench/gen/gen_options.h"

#include <unistd.h>

#include <iostream>

#include <boost/program_options.hpp>

#include "bench/flowmod/flow_set.h"

namespace sluice::bench {
namespace po = boost::program_options;

Result<std::optional<GenOptions>> parse_gen_options(int argc, char** argv) {
  GenOptions o;
  std::string mode = "copy";
  std::string huge = "auto";
  unsigned vlan = 0;
  po::options_description desc(
      "sluice-gen: replays a flow mix of Ethernet/IPv4/UDP frames as fast as it can on a DPDK\n"
      "virtio_user port (the guest side of a vhost-user socket), on one pinned CPU.\n"
      "Phases: wait for the link; send one frame per source MAC (learning); full rate for\n"
      "--warmup seconds; print 'gen: measuring'; full rate for --duration seconds; print the\n"
      "offered packets and Mpps (and a 'gen-result' line for scripts).\n\nOptions");
  desc.add_options()
      ("help,h", "print this help and exit")
      ("socket", po::value(&o.socket), "vhost-user socket path (the switch is the server)")
      ("cpu", po::value(&o.cpu)->default_value(o.cpu), "CPU to run on")
      ("file-prefix", po::value(&o.file_prefix), "DPDK file prefix (default sluice-gen-<pid>)")
      ("huge", po::value(&huge)->default_value(huge),
       "hugepages: on, off (--no-huge), or auto (on when enough are free)")
      ("memory", po::value(&o.memory_mb)->default_value(o.memory_mb), "DPDK memory in MiB")
      ("duration", po::value(&o.duration_s)->default_value(o.duration_s),
       "seconds of measured traffic")
      ("warmup", po::value(&o.warmup_s)->default_value(o.warmup_s),
       "seconds of full-rate traffic before the measured phase")
      ("stats-interval", po::value(&o.stats_interval_s)->default_value(o.stats_interval_s),
       "seconds between progress lines; 0 = none")
      ("link-wait", po::value(&o.link_wait_s)->default_value(o.link_wait_s),
       "seconds to wait for the vhost-user connection")
      ("learn-settle", po::value(&o.learn_settle_s)->default_value(o.learn_settle_s),
       "seconds to pause after the learning frames")
      ("macs", po::value(&o.mix.macs)->default_value(o.mix.macs),
       "source MACs (and as many destination MACs)")
      ("flows", po::value(&o.mix.flows)->default_value(o.mix.flows),
       "distinct frames replayed in turn; 0 = one per MAC pair (= --macs)")
      ("dst-ips", po::value(&o.mix.dst_ips)->default_value(o.mix.dst_ips),
       "IPv4 destinations: 0 = one per flow in 10.128.0.0/9; D = flow k goes to an address "
       "inside wildcard flow k mod D of the flow set that `sluice-flowmod --mode print` writes "
       "(bench/flowmod/flow_set.h)")
      ("dst-ports", po::value(&o.mix.dst_ports)->default_value(o.mix.dst_ports),
       "UDP destination ports: flow k goes to 5001 + k mod P")
      ("replies", po::bool_switch(&o.mix.replies),
       "send every flow both ways (a reply with addresses and ports swapped after each frame); "
       "the learning phase sends every flow's frame, then every reply")
      ("new-connections", po::bool_switch(&o.new_connections),
       "give every frame after the learning phase a source never used before (IPv4 source in "
       "10.64.0.0/10, UDP source port from a counter; copy mode): one new connection per frame")
      ("vlan", po::value(&vlan)->default_value(vlan), "802.1Q VID to tag frames with; 0 = untagged")
      ("size", po::value(&o.mix.frame_len)->default_value(o.mix.frame_len),
       "frame length in bytes, without FCS")
      ("mode", po::value(&mode)->default_value(mode),
       "copy: fresh mbufs + template copy; clone: template mbufs with a reference bump")
      ("list-dst-macs", po::bool_switch(&o.list_dst_macs),
       "print the destination MACs, one a line, and exit");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return fail(std::string(e.what()) + " (see --help)");
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::optional<GenOptions>{};
  }
  if (mode == "copy") {
    o.mode = TxMode::kCopy;
  } else if (mode == "clone") {
    o.mode = TxMode::kClone;
  } else {
    return fail("--mode: '" + mode + "' is not one of copy, clone");
  }
  if (huge == "auto") {
    o.huge = HugeMode::kAuto;
  } else if (huge == "on") {
    o.huge = HugeMode::kOn;
  } else if (huge == "off") {
    o.huge = HugeMode::kOff;
  } else {
    return fail("--huge: '" + huge + "' is not one of auto, on, off");
  }
  if (vlan > 4094) return fail("--vlan: " + std::to_string(vlan) + " is out of range 0..4094");
  o.mix.vlan = static_cast<uint16_t>(vlan);
  if (o.mix.macs == 0 || o.mix.macs > (1u << 24)) return fail("--macs: 1..16777216");
  if (o.mix.flows > (1u << 24)) return fail("--flows: at most 16777216");
  if (o.mix.dst_ips > kFlowSetMaxFlows) {
    return fail("--dst-ips: at most " + std::to_string(kFlowSetMaxFlows));
  }
  const uint32_t min_len = kMinFrameLen + (vlan != 0 ? 4 : 0);
  if (o.mix.frame_len < min_len || o.mix.frame_len > kMaxFrameLen) {
    return fail("--size: " + std::to_string(min_len) + ".." + std::to_string(kMaxFrameLen));
  }
  if (o.mix.dst_ports == 0 || o.mix.dst_ports > 60000) return fail("--dst-ports: 1..60000");
  if (o.new_connections && (o.mix.replies || o.mode != TxMode::kCopy)) {
    return fail("--new-connections: copy mode, without --replies");
  }
  if (o.duration_s <= 0 || o.warmup_s < 0) return fail("--duration must be > 0, --warmup >= 0");
  if (o.list_dst_macs) return std::optional<GenOptions>(o);
  if (o.socket.empty() || o.socket[0] != '/') return fail("--socket: an absolute path is required");
  if (o.file_prefix.empty()) o.file_prefix = "sluice-gen-" + std::to_string(getpid());
  return std::optional<GenOptions>(o);
}

}  // namespace sluice::bench
