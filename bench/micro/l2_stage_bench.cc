// Micro-benchmarks of the L2 path: the real ParseStage + IngressStage + L2Stage over bursts of
// 32 prebuilt 64-byte frames, with tables compiled from real FLOW_MODs and GROUP_MODs
// (FlowStore + compile(), as the control service does) and a MacTable of 1k or 1M MACs.
//
// The switch: two access ports in VLAN 100 (OpenFlow ports 1 and 2, slots 0 and 1) and the
// bridge domain's flood group. The MacTable holds M MACs: M/2 sources learned on port 1 and
// M/2 destinations on port 2, learned ("learned_dst") or static MACs installed by table-1
// FLOW_MODs ("static_dst", like the system benchmark's l2 scenario; up to 8k). Frames go from
// source i to destination i, on port 1; for big tables the pairs are drawn at random over the
// whole table (64k distinct frames) so lookups miss the caches as they would in a switch.
//
// Counters: cycles/pkt = rte_rdtsc() delta over the timed region / packets.
//   BM_L2Stages:   parse + ingress + l2 only (metadata reset included; no rx, no output/tx).
//   BM_L2Pipeline: Pipeline::run (the three stages, drop/compact, output, one tx burst into a
//                  net_null port). Frames are reused: each gets a reference before the burst,
//                  which the null port's free drops (an atomic decrement instead of a mempool
//                  put); the reference bump is outside the timed region.
//
// EAL: --no-huge --no-pci --no-shconf -m 1024, one lcore, --vdev net_null0; the runtime
// directory is removed at exit.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/burst.h"
#include "dataplane/compiler.h"
#include "dataplane/counters.h"
#include "dataplane/flow_store.h"
#include "dataplane/learn_queue.h"
#include "dataplane/mac_table.h"
#include "dataplane/pipeline.h"
#include "dataplane/stage.h"
#include "dataplane/stages/ingress.h"
#include "dataplane/stages/l2.h"
#include "dataplane/stages/parse.h"
#include "dataplane/tables.h"

namespace sluice::bench {
namespace {

namespace dp = sluice::dp;

constexpr uint16_t kVlan = 100;
constexpr uint32_t kInPort = 1, kOutPort = 2;  // OpenFlow port numbers
constexpr uint16_t kInSlot = 0, kOutSlot = 1;
constexpr uint64_t kPolicyCookie = 0x5c00000000000000ULL;
constexpr uint32_t kMaxFrames = 65536;
constexpr uint32_t kFrameLen = 64;
constexpr uint32_t kNow = 1000;

rte_mempool* g_pool = nullptr;
uint16_t g_null_port = 0;

// ---- OpenFlow messages, in the shapes docs/architecture.md ("Tables") gives ----

of::ActionList output_to(uint32_t port) {
  of::Action a;
  a.type = of::ActionType::kOutput;
  a.port = port;
  of::ActionList list;
  list.push(a);
  return list;
}

of::FlowMod flow(uint8_t table, uint16_t priority) {
  of::FlowMod fm;
  fm.cookie = kPolicyCookie;
  fm.table_id = table;
  fm.command = of::FlowModCommand::kAdd;
  fm.priority = priority;
  return fm;
}

of::Match match_bd(uint16_t vlan) {
  of::Match m;
  m.present = of::field_bit(of::Field::kMetadata);
  m.masked = of::field_bit(of::Field::kMetadata);
  m.metadata = vlan;
  m.metadata_mask = 0xfff;
  return m;
}

of::FlowMod ingress_untagged(uint32_t port, uint16_t vlan) {
  of::FlowMod fm = flow(0, 100);
  fm.match.present = of::field_bit(of::Field::kInPort) | of::field_bit(of::Field::kVlanVid);
  fm.match.in_port = port;
  fm.match.vlan_vid = of::kVidNone;
  fm.instructions.present = of::instr::kWriteMetadata | of::instr::kGotoTable;
  fm.instructions.metadata = vlan;
  fm.instructions.metadata_mask = 0xfff;
  fm.instructions.goto_table = 1;
  return fm;
}

of::FlowMod flood_flow(uint16_t vlan) {
  of::FlowMod fm = flow(1, 0);
  fm.match = match_bd(vlan);
  fm.instructions.present = of::instr::kApplyActions;
  of::Action g;
  g.type = of::ActionType::kGroup;
  g.group_id = vlan;
  fm.instructions.apply_actions.push(g);
  return fm;
}

of::FlowMod static_mac_flow(uint16_t vlan, const of::MacAddr& mac, uint32_t port) {
  of::FlowMod fm = flow(1, 200);
  fm.match = match_bd(vlan);
  fm.match.present |= of::field_bit(of::Field::kEthDst);
  fm.match.eth_dst = mac;
  fm.instructions.present = of::instr::kApplyActions;
  fm.instructions.apply_actions = output_to(port);
  return fm;
}

of::GroupMod flood_group(uint16_t vlan, std::initializer_list<uint32_t> ports) {
  of::GroupMod gm;
  gm.command = of::GroupModCommand::kAdd;
  gm.group.type = of::GroupType::kAll;
  gm.group.group_id = vlan;
  for (uint32_t p : ports) {
    of::Bucket b;
    b.actions = output_to(p);
    gm.group.buckets[gm.group.n_buckets++] = b;
  }
  return gm;
}

// ---- The world one benchmark runs in ----

of::MacAddr mac(uint8_t role, uint32_t i) {
  of::MacAddr m{};
  const uint8_t bytes[6] = {0x02, 0x5c, role, static_cast<uint8_t>(i >> 16),
                            static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
  std::memcpy(&m, bytes, sizeof bytes);
  return m;
}

rte_mbuf* make_frame(const of::MacAddr& dst, const of::MacAddr& src) {
  rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
  if (m == nullptr) return nullptr;
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kFrameLen));
  std::memset(p, 0, kFrameLen);
  std::memcpy(p, &dst, 6);
  std::memcpy(p + 6, &src, 6);
  p[12] = 0x08;  // IPv4
  p[14] = 0x45;
  return m;
}

struct World {
  uint32_t macs = 0;
  bool static_dst = false;
  std::string error;
  std::array<dp::PortRuntime, dp::kMaxPorts> ports{};
  dp::Compiled compiled;
  std::unique_ptr<dp::MacTable> table;
  std::unique_ptr<dp::LearnQueue> learn;
  std::unique_ptr<dp::WorkerCounters> counters = std::make_unique<dp::WorkerCounters>();
  std::array<std::atomic<uint8_t>, dp::kMaxPorts> link{};
  std::vector<std::unique_ptr<dp::Burst>> bursts;

  dp::StageContext context() {
    dp::StageContext ctx;
    ctx.now = kNow;
    ctx.tables = compiled.tables.get();
    ctx.counters = counters.get();
    ctx.link_state = link.data();
    return ctx;
  }
};

bool apply_ok(const of::Decoded<void>& r) { return r.has_value(); }

std::unique_ptr<World> build_world(uint32_t macs, bool static_dst) {
  auto w = std::make_unique<World>();
  w->macs = macs;
  w->static_dst = static_dst;
  const uint32_t pairs = macs / 2;
  for (uint16_t slot : {kInSlot, kOutSlot}) {
    w->ports[slot].active = true;
    w->ports[slot].of_port = slot == kInSlot ? kInPort : kOutPort;
    w->ports[slot].dpdk_port = g_null_port;
    w->link[slot] = 1;
  }
  dp::FlowStore store(dp::kMaxFlowCounters, [](uint32_t) { return dp::FlowTotals{}; });
  (void)store.set_learning_table(1);  // the L2 table of docs/architecture.md
  bool ok = apply_ok(store.apply(flood_group(kVlan, {kInPort, kOutPort}))) &&
            apply_ok(store.apply(ingress_untagged(kInPort, kVlan))) &&
            apply_ok(store.apply(ingress_untagged(kOutPort, kVlan))) &&
            apply_ok(store.apply(flood_flow(kVlan)));
  for (uint32_t i = 0; ok && static_dst && i < pairs; ++i) {
    ok = apply_ok(store.apply(static_mac_flow(kVlan, mac(1, i), kOutPort)));
  }
  if (!ok) {
    w->error = "a FLOW_MOD or GROUP_MOD was rejected";
    return w;
  }
  w->compiled = dp::compile(store, w->ports, 1);

  const std::string tag = std::to_string(macs) + (static_dst ? "s" : "l");
  // Every MAC of the benchmark is in one VLAN on two ports: no learning limit applies.
  const uint32_t capacity = macs + macs / 4 + 64;
  dp::MacLimits limits;
  limits.per_port = 0;
  limits.per_vlan = capacity;
  auto table = dp::MacTable::create("bench_macs_" + tag, capacity, nullptr, limits);
  auto learn = dp::LearnQueue::create("bench_learn_" + tag, 1024);
  if (!table || !learn) {
    w->error = !table ? table.error().message : learn.error().message;
    return w;
  }
  w->table = std::move(*table);
  w->learn = std::move(*learn);
  for (const auto& [key, where] : w->compiled.statics) {
    if (!w->table->add_static(key, where.slot, where.flow)) {
      w->error = "cannot install a static MAC";
      return w;
    }
  }
  for (uint32_t i = 0; i < pairs; ++i) {
    const of::MacAddr src = mac(0, i);
    w->table->learn(dp::mac_key(kVlan, reinterpret_cast<const uint8_t*>(&src)), kInSlot, kNow);
    if (!static_dst) {
      const of::MacAddr dst = mac(1, i);
      w->table->learn(dp::mac_key(kVlan, reinterpret_cast<const uint8_t*>(&dst)), kOutSlot, kNow);
    }
  }
  if (w->table->size() != 2 * pairs) {
    w->error = "the MAC table holds " + std::to_string(w->table->size()) + " MACs, not " +
               std::to_string(2 * pairs);
    return w;
  }

  // Frames: every pair once when they fit, else kMaxFrames pairs drawn at random.
  const uint32_t n_frames = std::min(pairs, kMaxFrames) / dp::kBurstSize * dp::kBurstSize;
  std::mt19937 rng(42);
  std::uniform_int_distribution<uint32_t> pick(0, pairs - 1);
  for (uint32_t k = 0; k < n_frames; k += dp::kBurstSize) {
    auto b = std::make_unique<dp::Burst>();
    b->count = dp::kBurstSize;
    for (uint32_t i = 0; i < dp::kBurstSize; ++i) {
      const uint32_t pair = pairs <= kMaxFrames ? k + i : pick(rng);
      b->pkts[i] = make_frame(mac(1, pair), mac(0, pair));
      if (b->pkts[i] == nullptr) {
        w->error = "out of mbufs";
        return w;
      }
    }
    w->bursts.push_back(std::move(b));
  }
  if (w->bursts.empty()) w->error = "no frames";
  return w;
}

World& world(uint32_t macs, bool static_dst) {
  static std::map<std::pair<uint32_t, bool>, std::unique_ptr<World>> worlds;
  auto& w = worlds[{macs, static_dst}];
  if (!w) w = build_world(macs, static_dst);
  return *w;
}

void reset_meta(dp::Burst& b) noexcept {
  for (uint16_t i = 0; i < b.count; ++i) {
    b.meta[i] = dp::PacketMeta{};
    b.meta[i].in_slot = kInSlot;
  }
}

// ---- Benchmarks ----

void BM_L2Stages(benchmark::State& state) {
  World& w = world(static_cast<uint32_t>(state.range(0)), state.range(1) != 0);
  if (!w.error.empty()) {
    state.SkipWithError(w.error.c_str());
    return;
  }
  dp::ParseStage parse;
  dp::IngressStage ingress;
  dp::L2Stage l2(*w.table, *w.learn);
  dp::StageContext ctx = w.context();
  dp::Verdicts v;
  uint8_t bad = 0;
  uint16_t wrong_port = 0;
  uint64_t cycles = 0, packets = 0;
  size_t next = 0;
  for (auto _ : state) {
    dp::Burst& b = *w.bursts[next];
    if (++next == w.bursts.size()) next = 0;
    const uint64_t t0 = rte_rdtsc();
    reset_meta(b);
    parse.process(ctx, b, v);
    for (uint16_t i = 0; i < b.count; ++i) bad |= v.reason[i];
    ingress.process(ctx, b, v);
    for (uint16_t i = 0; i < b.count; ++i) bad |= v.reason[i];
    l2.process(ctx, b, v);
    for (uint16_t i = 0; i < b.count; ++i) bad |= v.reason[i];
    cycles += rte_rdtsc() - t0;
    packets += b.count;
    wrong_port |= static_cast<uint16_t>(b.meta[0].out_slot ^ kOutSlot);
  }
  if (bad != 0 || wrong_port != 0) {
    state.SkipWithError("a frame was dropped or not switched to the output port");
    return;
  }
  state.counters["cycles/pkt"] = static_cast<double>(cycles) / static_cast<double>(packets);
  state.counters["MACs"] = static_cast<double>(w.table->size());
  state.SetItemsProcessed(static_cast<int64_t>(packets));
}

void BM_L2Pipeline(benchmark::State& state) {
  World& w = world(static_cast<uint32_t>(state.range(0)), state.range(1) != 0);
  if (!w.error.empty()) {
    state.SkipWithError(w.error.c_str());
    return;
  }
  std::vector<std::unique_ptr<dp::Stage>> stages;
  stages.push_back(std::make_unique<dp::ParseStage>());
  stages.push_back(std::make_unique<dp::IngressStage>());
  stages.push_back(std::make_unique<dp::L2Stage>(*w.table, *w.learn));
  dp::Runtime rt;
  rt.pool = g_pool;
  dp::Pipeline pipeline(std::move(stages), rt, 0);
  dp::StageContext ctx = w.context();
  dp::PortCounters& out = w.counters->ports[kOutSlot];
  const uint64_t tx_before = out.tx_packets.get();
  uint64_t cycles = 0, packets = 0;
  size_t next = 0;
  for (auto _ : state) {
    dp::Burst& b = *w.bursts[next];
    if (++next == w.bursts.size()) next = 0;
    b.count = dp::kBurstSize;  // the pipeline compacts; every frame passes, so it stays 32
    for (uint16_t i = 0; i < b.count; ++i) rte_mbuf_refcnt_update(b.pkts[i], 1);
    const uint64_t t0 = rte_rdtsc();
    reset_meta(b);
    pipeline.run(ctx, b);
    cycles += rte_rdtsc() - t0;
    packets += dp::kBurstSize;
  }
  if (out.tx_packets.get() - tx_before != packets) {
    state.SkipWithError("not every frame was sent to the null port");
    return;
  }
  state.counters["cycles/pkt"] = static_cast<double>(cycles) / static_cast<double>(packets);
  state.counters["MACs"] = static_cast<double>(w.table->size());
  state.SetItemsProcessed(static_cast<int64_t>(packets));
}

// {MACs in the table, destinations static (1) or learned (0)}
BENCHMARK(BM_L2Stages)
    ->ArgNames({"macs", "static_dst"})
    ->Args({1000, 1})
    ->Args({1000, 0})
    ->Args({1000000, 0});
BENCHMARK(BM_L2Pipeline)
    ->ArgNames({"macs", "static_dst"})
    ->Args({1000, 1})
    ->Args({1000000, 0});

// ---- EAL ----

bool start_eal(const char* argv0) {
  const std::string prefix = "sluice-micro-" + std::to_string(getpid());
  std::vector<std::string> args = {argv0,       "--no-huge", "--no-pci",  "--no-shconf",
                                   "-m",        "1024",      "--lcores",  "0@" + std::to_string(sched_getcpu()),
                                   "--file-prefix", prefix,  "--vdev",    "net_null0",
                                   "--log-level=*:warning"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    std::fprintf(stderr, "cannot initialise DPDK: %s\n", rte_strerror(rte_errno));
    return false;
  }
  g_pool = rte_pktmbuf_pool_create("bench_pool", 2 * kMaxFrames + 4096, 256, 0, 512, 0);
  if (g_pool == nullptr || rte_eth_dev_count_avail() < 1) {
    std::fprintf(stderr, "cannot create the mbuf pool or the null port\n");
    return false;
  }
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(g_null_port, 1, 1, &conf) < 0 ||
      rte_eth_rx_queue_setup(g_null_port, 0, 512, 0, nullptr, g_pool) < 0 ||
      rte_eth_tx_queue_setup(g_null_port, 0, 512, 0, nullptr) < 0 ||
      rte_eth_dev_start(g_null_port) < 0) {
    std::fprintf(stderr, "cannot start the null port\n");
    return false;
  }
  return true;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (!sluice::bench::start_eal(argv[0])) return 1;
  const std::string dir = rte_eal_get_runtime_dir();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rte_eth_dev_stop(sluice::bench::g_null_port);
  rte_eth_dev_close(sluice::bench::g_null_port);
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
