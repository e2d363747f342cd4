#include "dataplane/stages/openflow.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/headers.h"
#include "dataplane/learn_queue.h"
#include "dataplane/mac_table.h"
#include "dataplane/mbuf_key.h"
#include "dataplane/egress.h"
#include "dataplane/stages/l2.h"
#include "dataplane/tables.h"
#include "openflow/l2_contract.h"

namespace sluice::dp {
namespace {

static_assert(kBurstSize <= Classifier::kMaxBatch);

using of::Field;
using PacketState = OpenFlowStage::PacketState;

// The L4 checksum covering the IPv4 addresses (pseudo-header) and ports, or nullptr when the
// frame has none to fix (not TCP/UDP, a later fragment, or a UDP checksum of 0 = none).
uint8_t* l4_checksum(uint8_t* frame, const FlowKey& k, const PacketLayout& l) noexcept {
  if (l.l4 == 0) return nullptr;
  if (k.ip_proto == 6) return frame + l.l4 + 16;
  if (k.ip_proto == 17) return rd16(frame + l.l4 + 6) != 0 ? frame + l.l4 + 6 : nullptr;
  return nullptr;
}

bool is_send(OpCode c) noexcept { return is_send_op(c); }

uint8_t set_slot_of(const Op& op) noexcept {
  switch (op.code) {
    case OpCode::kPopVlan: return kSetPop;
    case OpCode::kPushVlan: return kSetPush;
    case OpCode::kSetField: return set_field_slot(op.field);
    case OpCode::kGroup: return kSetGroup;
    default: return kSetOutput;
  }
}

uint64_t mac48(uint64_t v) noexcept { return v & 0xffffffffffffULL; }

OfDrop from_l2(L2Drop d) noexcept {
  switch (d) {
    case L2Drop::kNone: return OfDrop::kNone;
    case L2Drop::kNoBridgeDomain: return OfDrop::kNoBridgeDomain;
    case L2Drop::kInvalidSrcMac: return OfDrop::kInvalidSrcMac;
    case L2Drop::kMacLimit: return OfDrop::kMacLimit;
    case L2Drop::kStaticMacConflict: return OfDrop::kStaticMacConflict;
    case L2Drop::kHairpin: return OfDrop::kHairpin;
    case L2Drop::kVlanMacLimit: return OfDrop::kVlanMacLimit;
    case L2Drop::kCount: break;
  }
  return OfDrop::kNoOutput;
}

}  // namespace

// Learning-switch forwarding, shared by the learning table and NORMAL: the source is learned
// (or refused) in the bridge domain, the destination found (a known port, or the domain's
// flood). Learning requests gather here and go to the control lcore with flush().
class L2Forward {
 public:
  L2Forward(StageContext& ctx, MacTable& macs, LearnQueue& learn, MacCache& cache,
            FlowCountBatch& flows) noexcept
      : ctx_(ctx), macs_(macs), queue_(learn), cache_(cache), flows_(flows) {}
  ~L2Forward() { flush(); }

  // For a frame with key 'k' from meta.in_slot in domain 'bd': sets meta.bd, the MAC keys and
  // meta.out_slot (a port, or kFloodSlot). Returns kNone or why it is dropped.
  OfDrop decide(const FlowKey& k, uint16_t bd, PacketMeta& meta) noexcept {
    const BridgeDomain* d = ctx_.tables->bridge_domain(bd);
    if (d == nullptr) return OfDrop::kNoBridgeDomain;
    meta.bd = bd;
    meta.src_key = uint64_t{bd} << 48 | k.eth_src;
    meta.dst_key = uint64_t{bd} << 48 | k.eth_dst;
    if ((k.eth_src >> 40) & 1) return OfDrop::kInvalidSrcMac;
    const uint64_t keys[2] = {meta.src_key, meta.dst_key};
    int32_t pos[2];
    ctx_.counters->mac_cache_lookups.add(2);
    ctx_.counters->mac_cache_misses.add(cache_.lookup(macs_, keys, 2, pos));
    if (n_learn_ == kBurstSize) flush();  // NORMAL in many buckets: more sources than a burst
    L2Drop drop = l2_check_source(macs_, ctx_.now, meta, pos[0], learn_, n_learn_);
    if (drop == L2Drop::kNone) drop = l2_choose_output(macs_, *d, meta, pos[1], flows_);
    return from_l2(drop);
  }

  void flush() noexcept {
    if (n_learn_ == 0) return;
    const uint32_t queued = queue_.push(learn_, n_learn_);
    ctx_.counters->learn_queue_full.add(n_learn_ - queued);
    n_learn_ = 0;
  }

 private:
  StageContext& ctx_;
  MacTable& macs_;
  LearnQueue& queue_;
  MacCache& cache_;
  FlowCountBatch& flows_;
  LearnRequest learn_[kBurstSize];
  uint32_t n_learn_ = 0;
};

namespace {

// Lists the output L2Forward::decide chose for 'm'.
void list_l2(Egress& out, rte_mbuf* m, const PacketMeta& meta) noexcept {
  if (meta.out_slot == kFloodSlot) {
    out.flood(m, meta.bd, meta.in_slot);
  } else {
    out.bridge(m, meta.out_slot, meta.bd);
  }
}

// One packet's run through ops, outputs and groups. Owns nothing; 'owned' arguments say
// whether a call may consume the mbuf it is given.
class Exec {
 public:
  // 'packet' is the burst's own mbuf (nullptr for a PACKET_OUT); 'l2' forwards NORMAL (nullptr:
  // NORMAL has no output).
  // PACKET_INs go to 'packet_in' (nullptr: none), within 'pin_tokens'.
  Exec(StageContext& ctx, const OfProgram& prog, uint16_t in_slot, PacketState& st,
       PacketInQueue* packet_in, uint64_t& pin_tokens, rte_mbuf* packet, L2Forward* l2,
       ToTable to_table = nullptr, void* to_table_arg = nullptr)
      : ctx_(ctx), t_(*ctx.tables), prog_(prog), out_(*ctx.out), in_slot_(in_slot), st_(st),
        packet_in_(packet_in), pin_tokens_(pin_tokens), packet_(packet), l2_(l2),
        to_table_(to_table), to_table_arg_(to_table_arg) {}

  // Rewrites the frame and the key. False when the frame must be dropped (no headroom).
  bool modify(rte_mbuf* m, FlowKey& k, PacketLayout& l, const Op& op) noexcept {
    switch (op.code) {
      case OpCode::kPushVlan: return dp::push_vlan(m, k, l, static_cast<uint16_t>(op.arg));
      case OpCode::kPopVlan: dp::pop_vlan(m, k, l); return true;
      case OpCode::kSetField: set_field(m, k, l, op); return true;
      case OpCode::kCtClear: k.clear_ct(); return true;
      default: return true;
    }
  }

  // Runs a sending op. With 'owned' the op takes 'm'; otherwise it works on a copy.
  void send_op(rte_mbuf* m, FlowKey& k, PacketLayout& l, const Op& op, bool owned) noexcept {
    if (st_.sent < 255) ++st_.sent;
    switch (op.code) {
      case OpCode::kOutput:
        if (op.slot == in_slot_) return discard(m, owned, OutputDrop::kOutputToInPort);
        return send_to(m, op.slot, owned);
      case OpCode::kOutputInPort:
        return send_to(m, in_slot_, owned);
      case OpCode::kOutputAll:
        return send_all(m, owned);
      case OpCode::kController:
        return to_controller(m, k, owned, static_cast<uint16_t>(op.arg));
      case OpCode::kGroup: {
        if (owned) return group(m, k, l, op.arg);
        rte_mbuf* c = out_.copy(m);
        if (c != nullptr) group(c, k, l, op.arg);
        return;
      }
      case OpCode::kUnknownPort:
        return discard(m, owned, OutputDrop::kUnknownPort);
      case OpCode::kNormal:
        return normal(m, k, owned);
      case OpCode::kOutputTable: {
        if (to_table_ == nullptr) return discard(m, owned, OutputDrop::kUnknownPort);
        rte_mbuf* c = owned ? m : out_.copy(m);
        if (c != nullptr) to_table_(to_table_arg_, c, in_slot_);
        return;
      }
      default:
        return;
    }
  }

  // Runs a bucket's (or a final apply list's) ops on 'm', which it owns: the op at 'last'
  // takes it; a list that never sends frees it (counted).
  void run_owned(rte_mbuf* m, FlowKey& k, PacketLayout& l, OpRange r, uint16_t last) noexcept {
    run_ops(m, k, l, prog_.op(r.first), r.count, last);
  }
  void run_ops(rte_mbuf* m, FlowKey& k, PacketLayout& l, const Op* ops, uint16_t count,
               uint16_t last) noexcept {
    for (uint16_t i = 0; i < count; ++i) {
      const Op& op = ops[i];
      if (is_send(op.code)) {
        send_op(m, k, l, op, i == last);
        if (i == last) return;
      } else if (!modify(m, k, l, op)) {
        return out_.drop(m, OutputDrop::kNoTagRoom);
      }
    }
    out_.drop(m, OutputDrop::kBucketWithoutOutput);
  }

 private:
  void discard(rte_mbuf* m, bool owned, OutputDrop why) noexcept {
    out_.drop(owned ? m : nullptr, why);
  }

  // PACKET_IN: the frame goes to the control lcore, within this worker's rate.
  void to_controller(rte_mbuf* m, const FlowKey& k, bool owned, uint16_t max_len) noexcept {
    if (packet_in_ == nullptr) return discard(m, owned, OutputDrop::kPacketInUnavailable);
    if (pin_tokens_ == 0) return discard(m, owned, OutputDrop::kPacketInRateLimited);
    rte_mbuf* c = owned ? m : out_.copy(m);
    if (c == nullptr) return;
    --pin_tokens_;
    const PacketInRecord r{c,
                           st_.hit_cookie,
                           k.metadata,
                           in_slot_ < kMaxPorts ? t_.ports[in_slot_].of_port : of::port_no::kController,
                           max_len,
                           static_cast<uint8_t>(st_.hit_table_miss ? 0 : 1),  // NO_MATCH : ACTION
                           st_.hit_table};
    out_.controller(r);
  }

  // NORMAL: the learning table's forwarding, in the bridge domain the metadata names (or, with
  // none there, the frame's VLAN). A tag on the frame goes: the egress tags each copy for its
  // port. When NORMAL takes the burst's packet itself, a drop is the stage's verdict with the
  // L2 reason (hairpin, mac_limit, ...); on a copy or a PACKET_OUT it is normal_no_output.
  void normal(rte_mbuf* m, const FlowKey& k, bool owned) noexcept {
    PacketMeta meta;
    meta.in_slot = in_slot_;
    meta.len = rte_pktmbuf_pkt_len(m);
    uint16_t bd = static_cast<uint16_t>(k.metadata & of::l2::kBridgeDomainMask);
    const bool tagged = (k.vlan_vid & of::kVidPresent) != 0;
    if (bd == 0 && tagged) bd = k.vlan_vid & 0xfff;
    const OfDrop drop = l2_ == nullptr ? OfDrop::kNoBridgeDomain : l2_->decide(k, bd, meta);
    if (drop != OfDrop::kNone) {
      if (owned && m == packet_) {
        st_.verdict = static_cast<uint8_t>(drop);
        return;
      }
      return discard(m, owned, OutputDrop::kNormalNoOutput);
    }
    rte_mbuf* c = owned ? m : out_.copy(m);
    if (c == nullptr) return;
    if (tagged) pop_tag(c);
    list_l2(out_, c, meta);
  }

  void send_to(rte_mbuf* m, uint16_t slot, bool owned) noexcept {
    rte_mbuf* c = owned ? m : out_.copy(m);
    if (c != nullptr) out_.port(c, slot);
  }

  void send_all(rte_mbuf* m, bool owned) noexcept {
    uint16_t targets[kMaxPorts];
    uint16_t n = 0;
    for (uint16_t s : t_.active_slots) {
      if (s != in_slot_) targets[n++] = s;
    }
    if (n == 0) return discard(m, owned, OutputDrop::kFloodNoMembers);
    for (uint16_t i = 0; i < n; ++i) send_to(m, targets[i], owned && i + 1 == n);
  }

  bool live(uint16_t slot) const noexcept {
    return slot < kMaxPorts && t_.ports[slot].active && t_.ports[slot].admin_up && ctx_.link_up(slot);
  }

  void count(uint32_t counter, uint32_t bytes) noexcept {
    if (counter >= kMaxFlowCounters) return;
    FlowCounter& c = ctx_.counters->flows[counter];
    c.packets.add(1);
    c.bytes.add(bytes);
  }

  // Runs group 'gi' on 'm', which it owns.
  void group(rte_mbuf* m, const FlowKey& key, const PacketLayout& layout, uint32_t gi) noexcept {
    const CompiledGroup& g = prog_.groups[gi];
    const size_t n = g.buckets.size();
    const uint32_t len = rte_pktmbuf_pkt_len(m);
    count(g.counter, len);
    size_t pick = n;
    switch (g.type) {
      case of::GroupType::kAll:
        if (n == 0) return out_.drop(m, OutputDrop::kGroupNoLiveBucket);
        for (size_t b = 0; b < n; ++b) {
          rte_mbuf* c = b + 1 == n ? m : out_.copy(m);
          if (c == nullptr) continue;
          count(g.bucket_counters[b], len);
          FlowKey k = key;
          PacketLayout l = layout;
          run_owned(c, k, l, g.buckets[b], g.last_output[b]);
        }
        return;
      case of::GroupType::kIndirect:
        pick = 0;
        break;
      case of::GroupType::kSelect:
        if (g.select_any) pick = g.select[select_hash(key) & 0xff];
        break;
      case of::GroupType::kFastFailover:
        for (size_t b = 0; b < n && pick == n; ++b) {
          if (live(g.watch_slot[b])) pick = b;
        }
        break;
    }
    if (pick >= n) return out_.drop(m, OutputDrop::kGroupNoLiveBucket);
    count(g.bucket_counters[pick], len);
    FlowKey k = key;
    PacketLayout l = layout;
    run_owned(m, k, l, g.buckets[pick], g.last_output[pick]);
  }

  void set_field(rte_mbuf* m, FlowKey& k, PacketLayout& l, const Op& op) noexcept {
    uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
    const bool ipv4 = k.eth_type == RTE_ETHER_TYPE_IPV4 && l.ihl_ok;
    switch (op.field) {
      case Field::kEthDst:
        wr48(p, op.value);
        k.eth_dst = mac48(op.value);
        return;
      case Field::kEthSrc:
        wr48(p + 6, op.value);
        k.eth_src = mac48(op.value);
        return;
      case Field::kVlanVid:
        if ((k.vlan_vid & of::kVidPresent) == 0) return;  // no tag to rewrite
        wr16(p + 14, static_cast<uint16_t>((rd16(p + 14) & 0xf000) | (op.value & 0xfff)));
        k.vlan_vid = static_cast<uint16_t>(of::kVidPresent | (op.value & 0xfff));
        return;
      case Field::kIpv4Src:
      case Field::kIpv4Dst: {
        if (!ipv4) return;
        const uint16_t at = op.field == Field::kIpv4Src ? 12 : 16;
        uint8_t* ip = p + l.l3;
        const uint32_t from = rd32(ip + at), to = static_cast<uint32_t>(op.value);
        wr32(ip + at, to);
        csum_replace32(ip + 10, from, to);
        if (uint8_t* c = l4_checksum(p, k, l)) csum_replace32(c, from, to);
        (op.field == Field::kIpv4Src ? k.ipv4_src : k.ipv4_dst) = to;
        return;
      }
      case Field::kTcpSrc:
      case Field::kTcpDst:
      case Field::kUdpSrc:
      case Field::kUdpDst: {
        const bool tcp = op.field == Field::kTcpSrc || op.field == Field::kTcpDst;
        const bool ip = ipv4 || (k.eth_type == 0x86dd && l.ipv6);
        if (!ip || l.l4 == 0 || k.ip_proto != (tcp ? 6 : 17)) return;
        const bool src = op.field == Field::kTcpSrc || op.field == Field::kUdpSrc;
        uint8_t* port = p + l.l4 + (src ? 0 : 2);
        const uint16_t from = rd16(port), to = static_cast<uint16_t>(op.value);
        wr16(port, to);
        if (uint8_t* c = l4_checksum(p, k, l)) csum_replace16(c, from, to);
        (src ? k.l4_src : k.l4_dst) = to;
        return;
      }
      case Field::kIcmpv4Type:
      case Field::kIcmpv4Code: {
        if (!ipv4 || l.l4 == 0 || k.ip_proto != 1) return;
        uint8_t* icmp = p + l.l4;
        const uint16_t from = rd16(icmp);
        icmp[op.field == Field::kIcmpv4Type ? 0 : 1] = static_cast<uint8_t>(op.value);
        csum_replace16(icmp + 2, from, rd16(icmp));
        (op.field == Field::kIcmpv4Type ? k.l4_src : k.l4_dst) = static_cast<uint8_t>(op.value);
        return;
      }
      case Field::kTunnelId:
        k.tunnel_id = op.value;
        return;
      default:
        return;
    }
  }

  StageContext& ctx_;
  const Tables& t_;
  const OfProgram& prog_;
  Egress& out_;
  uint16_t in_slot_;
  PacketState& st_;
  PacketInQueue* packet_in_;
  uint64_t& pin_tokens_;
  rte_mbuf* packet_;
  L2Forward* l2_;
  ToTable to_table_;
  void* to_table_arg_;
};

}  // namespace

void run_packet_out(StageContext& ctx, rte_mbuf* m, uint16_t in_slot,
                    const of::ActionList& actions, PacketInQueue* packet_in, ToTable to_table,
                    void* to_table_arg) noexcept {
  const Tables& t = *ctx.tables;
  const OfProgram& prog = *t.program;
  Op ops[of::kMaxActions];
  uint16_t n = 0, last = 0xffff;
  for (const of::Action& a : actions.view()) {
    ops[n] = make_op(
        a,
        [&t](uint32_t port) -> std::optional<uint16_t> {
          for (uint16_t s : t.active_slots) {
            if (t.ports[s].of_port == port) return s;
          }
          return std::nullopt;
        },
        [&prog](uint32_t id) -> std::optional<uint32_t> {
          auto it = std::lower_bound(prog.groups.begin(), prog.groups.end(), id,
                                     [](const CompiledGroup& g, uint32_t v) { return g.group_id < v; });
          if (it == prog.groups.end() || it->group_id != id) return std::nullopt;
          return static_cast<uint32_t>(it - prog.groups.begin());
        });
    if (is_send(ops[n].code)) last = n;
    ++n;
  }
  OpenFlowStage::PacketState st;
  uint64_t tokens = 1;
  FlowKey key;
  PacketLayout layout;
  const uint32_t in_port = in_slot < kMaxPorts ? t.ports[in_slot].of_port : of::port_no::kController;
  mbuf_key(m, in_port, key, layout);
  Exec(ctx, prog, in_slot, st, packet_in, tokens, nullptr, nullptr, to_table, to_table_arg)
      .run_ops(m, key, layout, ops, n, last);
}

bool OpenFlowStage::active(const Tables& t) const noexcept { return t.reaches_classifiers; }

void OpenFlowStage::refill_packet_in_tokens() noexcept {
  const uint64_t now = rte_get_tsc_cycles();
  const uint64_t per_token = rte_get_tsc_hz() / kPacketInPerSecond;
  if (pin_refill_tsc_ == 0) pin_refill_tsc_ = now;
  if (const uint64_t earned = (now - pin_refill_tsc_) / per_token; earned > 0) {
    pin_tokens_ = std::min<uint64_t>(kPacketInPerSecond, pin_tokens_ + earned);
    pin_refill_tsc_ += earned * per_token;
  }
}

bool OpenFlowStage::start(StageContext& ctx, Burst& burst, Verdicts& out) noexcept {
  const Tables& t = *ctx.tables;
  // Most bursts of an L2 pipeline have nothing here: one pass to find out.
  bool any = false;
  for (uint16_t i = 0; i < burst.count; ++i) {
    out.reason[i] = 0;
    any |= burst.meta[i].table != kTableDone;
  }
  if (!any) return false;
  refill_packet_in_tokens();
  pending_tables_ = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    PacketState& st = state_[i];
    st.set_present = 0;
    st.table = burst.meta[i].table;
    st.sent = 0;
    st.passed = st.table == kTableDone;
    st.done = st.passed || st.table >= t.program->tables.size();
    st.missed = st.done && !st.passed;
    st.verdict = 0;
    st.ct = CtMemo{};
    if (st.passed) continue;
    if (!t.ports[burst.meta[i].in_slot].admin_up) {
      st.done = true;
      st.verdict = static_cast<uint8_t>(OfDrop::kPortDown);
      continue;
    }
    // The headers as the parse stage read them; a priority tag goes (the frame is untagged
    // everywhere), and the layout follows.
    st.key = burst.meta[i].key;
    st.layout = burst.meta[i].layout;
    strip_priority_tag(burst.pkts[i], st.layout);
    if (st.layout.malformed) {
      st.done = true;
      st.verdict = static_cast<uint8_t>(OfDrop::kMalformedIp);
      continue;
    }
    if (!st.done) pending_tables_ |= uint64_t{1} << st.table;  // st.table < tables.size() <= 64
  }
  return true;
}

void OpenFlowStage::process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept {
  if (!start(ctx, burst, out)) return;
  const OfProgram& prog = *ctx.tables->program;
  FlowCountBatch flows(ctx.counters->flows);
  L2Forward l2(ctx, macs_, learn_, cache_, flows);
  // Goto only goes forward: taking the lowest waiting table each time sees every packet's walk.
  while (pending_tables_ != 0) {
    const auto tid = static_cast<uint8_t>(__builtin_ctzll(pending_tables_));
    pending_tables_ &= pending_tables_ - 1;
    if (tid < prog.tables.size()) walk_table(ctx, burst, tid, flows, l2);
  }
  l2.flush();
  for (uint16_t i = 0; i < burst.count; ++i) out.reason[i] = finish(ctx, burst, i, l2);
}

void OpenFlowStage::walk_table(StageContext& ctx, Burst& burst, uint8_t tid,
                               FlowCountBatch& flows, L2Forward& l2) noexcept {
  const OfProgram& prog = *ctx.tables->program;
  const OfTable& table = prog.tables[tid];
  // The packets at this table, looked up together (the classifier's bulk lookup).
  uint16_t here[kBurstSize];
  uint16_t n_here = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    if (!state_[i].done && state_[i].table == tid) here[n_here++] = i;
  }
  if (n_here == 0) return;
  Classifier::Hit hits[kBurstSize];
  if (!table.learning) {
    const FlowKey* keys[kBurstSize];
    for (uint16_t j = 0; j < n_here; ++j) keys[j] = &state_[here[j]].key;
    table.classifier.lookup_batch(keys, n_here, hits);
    for (uint16_t j = 0; j < n_here; ++j) {
      if (hits[j].payload == nullptr) continue;
      __builtin_prefetch(hits[j].payload);
      __builtin_prefetch(static_cast<const uint8_t*>(hits[j].payload) + 64);
    }
  }
  uint32_t matches = 0;
  for (uint16_t j = 0; j < n_here; ++j) {
    const uint16_t i = here[j];
    PacketState& st = state_[i];
    st.done = true;
    if (table.learning) {
      matches += learning_table(ctx, burst, i, l2);
    } else if (hits[j].payload == nullptr) {
      st.missed = true;
    } else {
      ++matches;
      const CompiledFlow& f = *static_cast<const CompiledFlow*>(hits[j].payload);
      flows.add(f.counter, burst.meta[i].len);
      st.hit_table = tid;
      st.hit_table_miss = f.table_miss;
      st.hit_cookie = f.cookie;
      run_flow(ctx, burst, i, f, l2);
    }
  }
  if (n_ct_ > 0) {
    CtRequest reqs[kBurstSize];
    for (uint16_t j = 0; j < n_ct_; ++j) ct_request(burst, ct_who_[j], *ct_ops_[j], reqs[j]);
    run_ct(ctx, reqs, ct_who_.data(), ct_ops_.data(), n_ct_, true);
    n_ct_ = 0;
  }
  ctx.counters->table_lookups[tid].add(n_here);
  ctx.counters->table_matches[tid].add(matches);
}

bool OpenFlowStage::learning_table(StageContext& ctx, Burst& burst, uint16_t i,
                                   L2Forward& l2) noexcept {
  PacketState& st = state_[i];
  PacketMeta& meta = burst.meta[i];
  const uint16_t bd = static_cast<uint16_t>(st.key.metadata & of::l2::kBridgeDomainMask);
  const OfDrop drop = l2.decide(st.key, bd, meta);
  if (drop != OfDrop::kNone) {
    st.verdict = static_cast<uint8_t>(drop);
    return drop != OfDrop::kNoBridgeDomain;
  }
  // The L2 table's output, as on the fast path; a copy if an action set still waits.
  const bool owned = st.set_present == 0;
  rte_mbuf* c = owned ? burst.pkts[i] : ctx.out->copy(burst.pkts[i]);
  if (c != nullptr) list_l2(*ctx.out, c, meta);
  ++st.sent;
  if (owned) st.verdict = kConsumed;
  return true;
}

void OpenFlowStage::run_flow(StageContext& ctx, Burst& burst, uint16_t i, const CompiledFlow& f,
                             L2Forward& l2) noexcept {
  PacketState& st = state_[i];
  rte_mbuf* m = burst.pkts[i];
  Exec exec(ctx, *ctx.tables->program, burst.meta[i].in_slot, st, packet_in_, pin_tokens_, m,
            &l2);
  // Apply-actions. When nothing can follow them, the last sending op takes the packet.
  const bool final = f.ends_pipeline && (st.set_present == 0 || f.clear_actions);
  for (uint16_t k = 0; k < f.apply.count; ++k) {
    const Op& op = *f.op(f.apply.first + k);
    if (op.code == OpCode::kCt) {
      if (op.slot != of::kCtNoTable) {  // the list's last op: tracked with the table's others
        ct_who_[n_ct_] = i;
        ct_ops_[n_ct_++] = &op;
        break;
      }
      CtRequest req;
      ct_request(burst, i, op, req);
      const Op* ops[1] = {&op};
      run_ct(ctx, &req, &i, ops, 1, false);
      if (st.verdict != 0) return;
      continue;
    }
    if (op.code == OpCode::kCtClear) st.ct = CtMemo{};
    if (is_send(op.code)) {
      const bool take = final && k == f.last_output;
      exec.send_op(m, st.key, st.layout, op, take);
      if (take) {
        if (st.verdict == 0) st.verdict = kConsumed;  // else NORMAL dropped it: the reason
        return;
      }
    } else if (!exec.modify(m, st.key, st.layout, op)) {
      st.verdict = static_cast<uint8_t>(OfDrop::kNoTagRoom);
      return;
    }
  }
  if (f.clear_actions) st.set_present = 0;
  for (uint16_t k = 0; k < f.write.count; ++k) {
    const Op* op = f.op(f.write.first + k);
    const uint8_t s = set_slot_of(*op);
    if (s >= kSetSlots) continue;
    st.set[s] = op;
    st.set_present |= 1u << s;
  }
  if (f.write_metadata) {
    st.key.metadata = (st.key.metadata & ~f.metadata_mask) | (f.metadata & f.metadata_mask);
  }
  if (f.goto_table != kNoGoto) go_to(st, f.goto_table);
}

void OpenFlowStage::ct_request(Burst& burst, uint16_t i, const Op& op, CtRequest& req) noexcept {
  PacketState& st = state_[i];
  const rte_mbuf* m = burst.pkts[i];
  const uint16_t l3 = st.layout.l3;
  req.l3 = rte_pktmbuf_mtod(m, const uint8_t*) + l3;
  // The first segment: a frame whose headers run past it is tracked as invalid.
  req.l3_len = m->data_len > l3 ? m->data_len - l3 : 0u;
  req.ether_type = st.key.eth_type;
  req.in_slot = burst.meta[i].in_slot;
  req.flags = static_cast<uint16_t>(op.arg & 0xffff);
  req.zone = static_cast<uint16_t>(op.arg >> 16);
  req.mark = static_cast<uint32_t>(op.value);
  req.mark_mask = static_cast<uint32_t>(op.value >> 32);
  req.key = &st.key;
  req.memo = &st.ct;
  req.refusal = CtRefusal::kNone;
}

void OpenFlowStage::run_ct(StageContext& ctx, CtRequest* reqs, const uint16_t* who,
                           const Op* const* ops, uint16_t n, bool recirculate) noexcept {
  if (ct_ != nullptr) ct_->track(ctx.worker, ctx.now, std::span<CtRequest>(reqs, n));
  for (uint16_t j = 0; j < n; ++j) {
    PacketState& st = state_[who[j]];
    OfDrop drop = OfDrop::kNone;
    if (ct_ == nullptr) {
      drop = OfDrop::kCtUnavailable;
    } else {
      switch (reqs[j].refusal) {
        case CtRefusal::kNone: break;
        case CtRefusal::kTableFull: drop = OfDrop::kCtTableFull; break;
        case CtRefusal::kPortLimit: drop = OfDrop::kCtPortLimit; break;
        case CtRefusal::kBusy: drop = OfDrop::kCtBusy; break;
      }
    }
    if (drop != OfDrop::kNone) {
      st.verdict = static_cast<uint8_t>(drop);
      st.done = true;
    } else if (recirculate) {
      go_to(st, static_cast<uint8_t>(ops[j]->slot));
    }
  }
}

uint8_t OpenFlowStage::finish(StageContext& ctx, Burst& burst, uint16_t i,
                              L2Forward& l2) noexcept {
  PacketState& st = state_[i];
  if (st.passed) return 0;  // decided by an earlier stage: on to the output
  if (!st.done) st.missed = true;  // went to a table past the last one in use: empty, a miss
  if (st.verdict != 0) return st.verdict;
  rte_mbuf* m = burst.pkts[i];
  if (st.missed) {
    // OpenFlow 1.3: a miss without a table-miss flow drops; the action set is discarded.
    if (st.sent == 0) return static_cast<uint8_t>(OfDrop::kTableMiss);
    ctx.out->retire(m);
    return kConsumed;
  }
  // The action set: pop, push, set-fields, then group or else output.
  Exec exec(ctx, *ctx.tables->program, burst.meta[i].in_slot, st, packet_in_, pin_tokens_, m,
            &l2);
  for (uint8_t s = kSetPop; s < kSetGroup; ++s) {
    if ((st.set_present & (1u << s)) == 0) continue;
    if (!exec.modify(m, st.key, st.layout, *st.set[s])) {
      return static_cast<uint8_t>(OfDrop::kNoTagRoom);
    }
  }
  const Op* last = (st.set_present & (1u << kSetGroup)) != 0    ? st.set[kSetGroup]
                   : (st.set_present & (1u << kSetOutput)) != 0 ? st.set[kSetOutput]
                                                                 : nullptr;
  if (last != nullptr) {
    exec.send_op(m, st.key, st.layout, *last, true);
    return st.verdict != 0 ? st.verdict : kConsumed;  // NORMAL may have dropped it
  }
  if (st.sent == 0) return static_cast<uint8_t>(OfDrop::kNoOutput);
  ctx.out->retire(m);  // it left as copies
  return kConsumed;
}

}  // namespace sluice::dp
