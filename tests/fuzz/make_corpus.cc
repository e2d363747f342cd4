// Writes the fuzzer's seed corpus: one valid message of each kind the codec knows, made with
// the encoders (plus the bytes ovs-ofctl was seen to send), one file each.
//
//   make_corpus DIR        (scripts/fuzz --write-corpus runs it on tests/fuzz/corpus)
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openflow/codec.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {

class Corpus {
 public:
  explicit Corpus(std::string dir) : dir_(std::move(dir)) {}

  void add(const std::string& name, const Bytes& bytes) {
    std::ofstream f(dir_ + "/" + name + ".bin", std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    if (!f) {
      std::fprintf(stderr, "make_corpus: cannot write %s/%s.bin\n", dir_.c_str(), name.c_str());
      ok_ = false;
    }
    ++count_;
  }
  // A message made by 'encode(out)'.
  template <class Encode>
  void make(const std::string& name, Encode encode) {
    Bytes out;
    encode(out);
    add(name, out);
  }
  bool ok() const { return ok_; }
  int count() const { return count_; }

 private:
  std::string dir_;
  bool ok_ = true;
  int count_ = 0;
};

Bytes from_hex(std::string_view s) {
  Bytes out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

Action output(uint32_t port) { return Action{.type = ActionType::kOutput, .port = port}; }

Match rich_match() {
  Match m;
  match_exact(m, Field::kInPort, 1);
  match_exact(m, Field::kEthType, kEthTypeIpv4);
  match_exact(m, Field::kIpProto, kIpProtoTcp);
  match_exact(m, Field::kTcpDst, 80);
  match_set(m, Field::kIpv4Src, 0x0a000000, 0xff000000, true);
  match_set(m, Field::kVlanVid, kVidPresent | 100, 0x1fff, false);
  match_set(m, Field::kMetadata, 0x64, 0xfff, true);
  return m;
}

ActionList every_action() {
  ActionList l;
  l.push(Action{.type = ActionType::kPushVlan, .ethertype = kEthTypeVlan});
  l.push(Action{.type = ActionType::kSetField, .field = Field::kVlanVid, .value = 0x1064});
  l.push(Action{.type = ActionType::kSetField, .field = Field::kEthDst, .value = 0x020000000009});
  l.push(Action{.type = ActionType::kPopVlan});
  l.push(Action{.type = ActionType::kGroup, .group_id = 7});
  l.push(Action{.type = ActionType::kExperimenter, .sluice = SluiceAction::kConntrack, .value = 1});
  l.push(Action{.type = ActionType::kExperimenter, .sluice = SluiceAction::kNat, .value = 2});
  l.push(Action{
      .type = ActionType::kExperimenter, .sluice = SluiceAction::kVxlanEncap, .value = 5000});
  l.push(Action{.type = ActionType::kExperimenter, .sluice = SluiceAction::kVxlanDecap});
  l.push(Action{.type = ActionType::kOutput, .max_len = 128, .port = port_no::kController});
  l.push(output(2));
  return l;
}

FlowMod rich_flow_mod() {
  FlowMod fm;
  fm.cookie = 0x5c;
  fm.table_id = 1;
  fm.priority = 100;
  fm.idle_timeout = 10;
  fm.flags = flow_flags::kSendFlowRem;
  fm.match = rich_match();
  fm.instructions.present = instr::kApplyActions | instr::kClearActions | instr::kWriteActions |
                            instr::kWriteMetadata | instr::kGotoTable;
  fm.instructions.apply_actions = every_action();
  fm.instructions.write_actions.push(output(3));
  fm.instructions.metadata = 1;
  fm.instructions.metadata_mask = 0xff;
  fm.instructions.goto_table = 2;
  return fm;
}

GroupDesc select_group() {
  GroupDesc g;
  g.type = GroupType::kSelect;
  g.group_id = 7;
  g.n_buckets = 2;
  g.buckets[0].weight = 10;
  g.buckets[0].actions.push(output(1));
  g.buckets[1].weight = 20;
  g.buckets[1].actions = every_action();
  return g;
}

Port port(uint32_t no) {
  Port p;
  p.port_no = no;
  p.hw_addr = {2, 0, 0, 0, 0, static_cast<uint8_t>(no)};
  p.name.assign("vm" + std::to_string(no));
  p.state = port_state::kLive;
  p.curr_speed = p.max_speed = 10'000'000;
  return p;
}

void write_all(Corpus& c) {
  const Bytes frame = from_hex("ffffffffffff0200000000010806000108000604000102000000000100000000");
  c.make("hello", [](Bytes& o) { encode_hello(1, o); });
  c.add("hello_ovs_bitmap", from_hex("04000010000000010001000800000010"));
  c.make("error_bad_match", [](Bytes& o) {
    encode_error(2,
                 make_error({ErrorType::kBadMatch, bad_match::kBadPrereq, 0},
                            from_hex("040e00380000000200")),
                 o);
  });
  c.make("error_sluice", [](Bytes& o) {
    encode_error(3, make_sluice_error(sluice_error::kPortExists, "port 1 exists"), o);
  });
  c.make("error_onf_bundle", [](Bytes& o) {
    encode_error(4,
                 make_error({ErrorType::kExperimenter, bundle_failed::kMsgBadXid, kOnfExperimenter},
                            from_hex("04040018000000034f4e4600000008fc0000000000000003")),
                 o);
  });
  c.make("echo_request", [](Bytes& o) { encode_echo_request(5, from_hex("0102030405"), o); });
  c.make("echo_reply", [](Bytes& o) { encode_echo_reply(5, {}, o); });
  c.make("features_request", [](Bytes& o) { encode_features_request(6, o); });
  c.make("features_reply", [](Bytes& o) {
    encode_features_reply(6, {.datapath_id = 1, .n_buffers = 0, .n_tables = 4, .capabilities = 13},
                          o);
  });
  c.make("barrier_request", [](Bytes& o) { encode_barrier_request(7, o); });
  c.make("barrier_reply", [](Bytes& o) { encode_barrier_reply(7, o); });
  c.make("get_config_request", [](Bytes& o) { encode_get_config_request(8, o); });
  c.make("get_config_reply", [](Bytes& o) { encode_get_config_reply(8, OfSwitchConfig{}, o); });
  c.make("set_config", [](Bytes& o) {
    encode_set_config(9, {.flags = config_flags::kFragDrop, .miss_send_len = 0xffff}, o);
  });
  c.make("role_request", [](Bytes& o) {
    encode_role_request(8, RoleRequest{ControllerRole::kMaster, {}, 5}, o);
  });
  c.make("role_reply", [](Bytes& o) {
    encode_role_reply(8, RoleRequest{ControllerRole::kSlave, {}, 5}, o);
  });
  c.make("get_async_request", [](Bytes& o) { encode_get_async_request(8, o); });
  c.make("set_async", [](Bytes& o) {
    AsyncConfig a;
    a.packet_in_mask[0] = 2;
    a.flow_removed_mask[1] = 2;
    encode_set_async(9, a, o);
  });
  c.make("get_async_reply", [](Bytes& o) { encode_get_async_reply(9, AsyncConfig{}, o); });
  c.make("flow_mod_rich", [](Bytes& o) { encode_flow_mod(10, rich_flow_mod(), o); });
  c.make("flow_mod_delete", [](Bytes& o) {
    FlowMod fm;
    fm.command = FlowModCommand::kDeleteStrict;
    fm.table_id = kTableAll;
    fm.out_port = 3;
    fm.match.present = field_bit(Field::kTunnelId);
    fm.match.tunnel_id = 42;
    encode_flow_mod(11, fm, o);
  });
  c.make("flow_mod_ipv4_icmp", [](Bytes& o) {
    FlowMod fm;
    match_exact(fm.match, Field::kEthType, kEthTypeIpv4);
    match_exact(fm.match, Field::kIpProto, kIpProtoIcmp);
    match_exact(fm.match, Field::kIcmpv4Type, 8);
    match_exact(fm.match, Field::kIcmpv4Code, 0);
    match_exact(fm.match, Field::kIpv4Dst, 0xc0a80001);
    match_set(fm.match, Field::kEthSrc, 0x020000000000, 0xffffff000000, true);
    fm.instructions.present = instr::kApplyActions;
    fm.instructions.apply_actions.push(output(port_no::kNormal));
    encode_flow_mod(12, fm, o);
  });
  c.make("flow_mod_arp", [](Bytes& o) {
    FlowMod fm;
    match_exact(fm.match, Field::kEthType, kEthTypeArp);
    match_exact(fm.match, Field::kArpOp, 1);
    match_set(fm.match, Field::kArpSpa, 0x0a000000, 0xffffff00, true);
    match_exact(fm.match, Field::kArpTpa, 0x0a000001);
    match_set(fm.match, Field::kArpSha, 0x020000000000, 0xffffff000000, true);
    fm.instructions.present = instr::kApplyActions;
    fm.instructions.apply_actions.push(output(port_no::kNormal));
    encode_flow_mod(12, fm, o);
  });
  c.make("flow_mod_udp", [](Bytes& o) {
    FlowMod fm;
    match_exact(fm.match, Field::kEthType, kEthTypeIpv6);
    match_exact(fm.match, Field::kIpProto, kIpProtoUdp);
    match_exact(fm.match, Field::kUdpSrc, 53);
    match_exact(fm.match, Field::kUdpDst, 5353);
    fm.instructions.present = instr::kGotoTable;
    fm.instructions.goto_table = 3;
    encode_flow_mod(13, fm, o);
  });
  c.make("group_mod_select", [](Bytes& o) {
    auto gm = std::make_unique<GroupMod>();
    gm->group = select_group();
    encode_group_mod(14, *gm, o);
  });
  c.make("group_mod_ff", [](Bytes& o) {
    auto gm = std::make_unique<GroupMod>();
    gm->command = GroupModCommand::kModify;
    gm->group.type = GroupType::kFastFailover;
    gm->group.group_id = 9;
    gm->group.n_buckets = 1;
    gm->group.buckets[0].watch_port = 1;
    gm->group.buckets[0].actions.push(output(1));
    encode_group_mod(15, *gm, o);
  });
  c.make("port_status", [](Bytes& o) {
    encode_port_status(16, {.reason = PortReason::kModify, .desc = port(1)}, o);
  });
  c.make("flow_removed", [](Bytes& o) {
    FlowRemoved fr;
    fr.reason = FlowRemovedReason::kHardTimeout;
    fr.match = rich_match();
    fr.packet_count = 5;
    encode_flow_removed(17, fr, o);
  });
  c.make("packet_in", [&](Bytes& o) {
    PacketIn pi;
    pi.total_len = static_cast<uint16_t>(frame.size() + 10);
    pi.reason = PacketInReason::kAction;
    match_exact(pi.match, Field::kInPort, 3);
    match_exact(pi.match, Field::kMetadata, 9);
    encode_packet_in(18, pi, frame, o);
  });
  c.make("packet_out", [&](Bytes& o) {
    PacketOut po;
    po.actions = every_action();
    encode_packet_out(19, po, frame, o);
  });
  c.add("packet_out_ovs", from_hex("040d003800000002fffffffffffffffd0010000000000000000000100000"
                                   "00010000000000000000ffffffffffff0200000000010806abcd"));
  // Multipart requests.
  c.make("mp_desc_request", [](Bytes& o) { encode_desc_request(20, o); });
  c.make("mp_flow_request", [](Bytes& o) {
    FlowStatsRequest r;
    r.match = rich_match();
    r.cookie_mask = 0xff;
    encode_flow_stats_request(21, r, o);
  });
  c.make("mp_aggregate_request",
         [](Bytes& o) { encode_aggregate_request(22, FlowStatsRequest{.table_id = 1}, o); });
  c.add("mp_table_request_ovs", from_hex("04120010000000020003000000000000"));
  c.make("mp_port_stats_request", [](Bytes& o) { encode_port_stats_request(23, 1, o); });
  c.make("mp_group_request", [](Bytes& o) { encode_group_stats_request(24, group_id::kAll, o); });
  c.make("mp_group_desc_request", [](Bytes& o) { encode_group_desc_request(25, o); });
  c.add("mp_table_features_request_ovs", from_hex("0412001000000002000c000000000000"));
  c.make("mp_port_desc_request", [](Bytes& o) { encode_port_desc_request(26, o); });
  // Multipart replies.
  c.make("mp_desc_reply", [](Bytes& o) {
    Desc d;
    d.mfr_desc.assign("Sluice");
    d.hw_desc.assign("DPDK");
    d.sw_desc.assign("sluiced");
    d.serial_num.assign("1");
    d.dp_desc.assign("br0");
    encode_desc_reply(27, d, o);
  });
  c.make("mp_flow_reply", [](Bytes& o) {
    FlowStats fs;
    fs.match = rich_match();
    fs.instructions = rich_flow_mod().instructions;
    const FlowStats two[] = {fs, FlowStats{}};
    encode_flow_stats_reply(28, two, o);
  });
  c.make("mp_aggregate_reply", [](Bytes& o) {
    encode_aggregate_reply(29, {.packet_count = 1, .byte_count = 64, .flow_count = 1}, o);
  });
  c.make("mp_table_reply", [](Bytes& o) {
    const TableStats t[] = {{.table_id = 0, .active_count = 2, .lookup_count = 9},
                            {.table_id = 1, .matched_count = 4}};
    encode_table_stats_reply(30, t, o);
  });
  c.make("mp_port_stats_reply", [](Bytes& o) {
    const PortStats s[] = {{.port_no = 1, .rx_packets = 5}, {.port_no = 2, .tx_bytes = 9}};
    encode_port_stats_reply(31, s, o);
  });
  c.make("mp_group_reply", [](Bytes& o) {
    auto g = std::make_unique<GroupStats>();
    g->group_id = 7;
    g->n_buckets = 2;
    g->buckets[1].packet_count = 3;
    encode_group_stats_reply(32, std::span<const GroupStats>(g.get(), 1), o);
  });
  c.make("mp_group_desc_reply", [](Bytes& o) {
    auto g = std::make_unique<GroupDesc>(select_group());
    encode_group_desc_reply(33, std::span<const GroupDesc>(g.get(), 1), o);
  });
  c.make("mp_port_desc_reply", [](Bytes& o) {
    const Port p[] = {port(1), port(2)};
    encode_port_desc_reply(34, p, o);
  });
  // Sluice experimenter messages.
  c.make("sluice_port_add", [](Bytes& o) {
    PortAdd p;
    p.port_no = 1;
    p.type = PortType::kVhostUser;
    p.flags = port_flags::kVhostClient;
    p.name.assign("vm1");
    p.device.assign("/tmp/vm1.sock");
    encode_port_add(35, p, o);
  });
  c.make("sluice_port_del", [](Bytes& o) { encode_port_del(36, {.port_no = 1}, o); });
  c.make("sluice_port_set", [](Bytes& o) {
    encode_port_set(37, {.port_no = 1, .mtu = 9000, .admin_up = 0, .mac_limit = 10}, o);
  });
  c.make("sluice_switch_config", [](Bytes& o) { encode_switch_config(38, SwitchConfig{}, o); });
  // Bundles, as ovs-ofctl sends them, and made by the encoders.
  c.add("bundle_open_ovs", from_hex("04040018000000034f4e4600000008fc0000000000000003"));
  c.add("bundle_add_ovs",
        from_hex(
            "04040050000000024f4e4600000008fd0000000000000003040e00380000000200000000000000"
            "0000000000000000000000000000008000ffffffffffffffffffffffff000000000001000400000000"));
  c.add("bundle_commit_ovs", from_hex("04040018000000054f4e4600000008fc0000000000040003"));
  c.make("bundle_add_flow", [](Bytes& o) {
    Bytes inner;
    encode_flow_mod(39, rich_flow_mod(), inner);
    encode_bundle_add(39, {.bundle_id = 1, .flags = bundle_flags::kAtomic}, inner, o);
  });
  c.make("bundle_add_group", [](Bytes& o) {
    auto gm = std::make_unique<GroupMod>();
    gm->group = select_group();
    Bytes inner;
    encode_group_mod(40, *gm, inner);
    encode_bundle_add(40, {.bundle_id = 1}, inner, o);
  });
  c.make("bundle_discard_reply", [](Bytes& o) {
    encode_bundle_ctrl(41, {.bundle_id = 2, .type = BundleCtrlType::kDiscardReply}, o);
  });
}

}  // namespace
}  // namespace sluice::of

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus DIR\n");
    return 2;
  }
  sluice::of::Corpus corpus(argv[1]);
  sluice::of::write_all(corpus);
  std::printf("make_corpus: wrote %d seeds to %s\n", corpus.count(), argv[1]);
  return corpus.ok() ? 0 : 1;
}
