#include "tests/testlib/harness.h"

#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/stages/parse.h"
#include "nfv/sluiced/composition.h"
#include "tests/testlib/eal_environment.h"

namespace sluice::test {

// ---- RingPort ----

std::unique_ptr<RingPort> RingPort::create(unsigned tx_capacity) {
  std::unique_ptr<RingPort> p(new RingPort());
  const std::string name = unique_name("tring");
  p->rx_ =
      rte_ring_create((name + "rx").c_str(), 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  p->tx_ = rte_ring_create((name + "tx").c_str(), tx_capacity, SOCKET_ID_ANY,
                           RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
  if (p->rx_ == nullptr || p->tx_ == nullptr) {
    ADD_FAILURE() << "cannot create rings for " << name;
    return nullptr;
  }
  const int id = rte_eth_from_rings(name.c_str(), &p->rx_, 1, &p->tx_, 1, SOCKET_ID_ANY);
  if (id < 0) {
    ADD_FAILURE() << "rte_eth_from_rings failed for " << name;
    return nullptr;
  }
  p->port_id_ = static_cast<uint16_t>(id);
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(p->port_id_, 1, 1, &conf) != 0 ||
      rte_eth_rx_queue_setup(p->port_id_, 0, 1024, SOCKET_ID_ANY, nullptr, test_pool()) != 0 ||
      rte_eth_tx_queue_setup(p->port_id_, 0, 1024, SOCKET_ID_ANY, nullptr) != 0 ||
      rte_eth_dev_start(p->port_id_) != 0) {
    ADD_FAILURE() << "cannot start ring port " << name;
    return nullptr;
  }
  p->started_ = true;
  return p;
}

RingPort::~RingPort() {
  if (started_) {
    rte_eth_dev_stop(port_id_);
    rte_eth_dev_close(port_id_);
  }
  for (rte_ring* r : {rx_, tx_}) {
    if (r == nullptr) continue;
    void* m;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
  }
}

bool RingPort::inject(rte_mbuf* m) { return m != nullptr && rte_ring_enqueue(rx_, m) == 0; }

std::vector<std::vector<uint8_t>> RingPort::take_sent() {
  std::vector<std::vector<uint8_t>> out;
  void* m;
  while (rte_ring_dequeue(tx_, &m) == 0) {
    out.push_back(frame_bytes(static_cast<rte_mbuf*>(m)));
    rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  return out;
}

// ---- Harness ----

Harness::Harness(HarnessOptions opts)
    : counters_(std::make_unique<dp::WorkerCounters>()),
      burst_(std::make_unique<dp::Burst>()),
      copy_pool_(opts.copy_pool != nullptr ? opts.copy_pool : test_pool()) {
  auto macs = dp::MacTable::create(unique_name("tmacs"), opts.mac_capacity, nullptr);
  if (!macs)
    ADD_FAILURE() << macs.error().message;
  else
    macs_ = std::move(*macs);
  auto learn = dp::LearnQueue::create(unique_name("tlearn"), opts.learn_queue_size);
  if (!learn)
    ADD_FAILURE() << learn.error().message;
  else
    learn_ = std::move(*learn);
  for (auto& l : link_) l.store(1);
  counter_ptrs_[0] = counters_.get();
  runtime_.macs = macs_.get();
  runtime_.learn = learn_.get();
  runtime_.pool = copy_pool_;
  runtime_.link_state = link_.data();
  runtime_.workers = counter_ptrs_;
  runtime_.conntrack_capacity = opts.conntrack_capacity;
}

Harness::~Harness() {
  worker_.reset();
  for (auto& r : rings_) r.reset();
}

void Harness::add_port(uint16_t slot, uint32_t of_port, uint16_t mtu) {
  dp::PortRuntime& p = ports_[slot];
  p.active = true;
  p.admin_up = true;
  p.dpdk_port = 0;
  p.mtu = mtu;
  p.of_port = of_port;
  tables_.reset();
}

void Harness::add_ring_port(uint16_t slot, uint32_t of_port, uint16_t mtu, unsigned tx_capacity) {
  rings_[slot] = RingPort::create(tx_capacity);
  add_port(slot, of_port, mtu);
  if (rings_[slot]) ports_[slot].dpdk_port = rings_[slot]->port_id();
}

void Harness::install(TablesBuilder& b) { install(b.compile(ports_)); }

void Harness::install(dp::Compiled compiled) {
  tables_ = std::move(compiled.tables);
  for (const auto& [key, where] : compiled.statics) {
    if (auto ok = macs_->add_static(key, where.slot, where.flow); !ok) {
      ADD_FAILURE() << ok.error().message;
    }
  }
}

const dp::Tables& Harness::tables() {
  if (!tables_) {
    // Nothing installed yet: the ports, and no flows (what sluiced starts with).
    dp::FlowStore empty(1, [](uint32_t) { return dp::FlowTotals{}; });
    tables_ = dp::compile(empty, ports_, 1).tables;
  }
  return *tables_;
}

dp::StageContext Harness::context() {
  dp::StageContext ctx;
  ctx.worker = 0;
  ctx.now = now;
  ctx.tables = &tables();
  ctx.counters = counters_.get();
  ctx.link_state = link_.data();
  return ctx;
}

std::vector<Outcome> Harness::run_stage(dp::Stage& stage, const std::vector<Input>& inputs) {
  std::vector<Outcome> out;
  if (inputs.size() > dp::kBurstSize) {
    ADD_FAILURE() << "a burst holds at most " << dp::kBurstSize << " packets";
    return out;
  }
  dp::Burst& burst = *burst_;
  burst.count = static_cast<uint16_t>(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].m == nullptr) {
      ADD_FAILURE() << "input " << i << " has no mbuf";
      for (size_t k = 0; k < inputs.size(); ++k) rte_pktmbuf_free(inputs[k].m);
      return out;
    }
    burst.pkts[i] = inputs[i].m;
    burst.meta[i] = dp::PacketMeta{};
    burst.meta[i].in_slot = inputs[i].in_slot;
  }
  dp::StageContext ctx = context();
  dp::Verdicts v;
  if (stage.name() != "parse") {
    dp::ParseStage parse;
    parse.process(ctx, burst, v);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (v.reason[i] != 0) ADD_FAILURE() << "input " << i << " does not parse";
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].bd) continue;
    // As the ingress stage leaves a frame it sends to the learning table.
    burst.meta[i].bd = *inputs[i].bd;
    burst.meta[i].key.metadata = *inputs[i].bd;
    burst.meta[i].table = ctx.tables->learning_table;
  }
  v = dp::Verdicts{};
  stage.process(ctx, burst, v);
  const auto names = stage.drop_reason_names();
  for (size_t i = 0; i < inputs.size(); ++i) {
    Outcome o;
    o.reason = v.reason[i] < names.size() ? names[v.reason[i]] : "<out of range>";
    o.bytes = frame_bytes(burst.pkts[i]);
    o.meta = burst.meta[i];
    out.push_back(std::move(o));
    rte_pktmbuf_free(burst.pkts[i]);
  }
  burst.count = 0;
  return out;
}

std::vector<dp::LearnRequest> Harness::take_learn_requests() {
  std::vector<dp::LearnRequest> out;
  dp::LearnRequest r[32];
  uint32_t n;
  while ((n = learn_->pop(r, 32)) > 0) out.insert(out.end(), r, r + n);
  return out;
}

void Harness::learn_all() {
  for (const dp::LearnRequest& r : take_learn_requests()) macs_->learn(r.key, r.slot, now);
}

bool Harness::inject(uint16_t slot, rte_mbuf* m) {
  if (!rings_[slot]) {
    ADD_FAILURE() << "slot " << slot << " has no ring port";
    rte_pktmbuf_free(m);
    return false;
  }
  if (!rings_[slot]->inject(m)) {
    ADD_FAILURE() << "cannot inject on slot " << slot;
    rte_pktmbuf_free(m);
    return false;
  }
  return true;
}

bool Harness::inject(uint16_t slot, const PacketBuilder& p) {
  return inject(slot, p.build(test_pool()));
}

dp::Pipeline& Harness::pipeline() {
  if (!worker_) {
    if (!conntrack_) {
      conntrack_ = root::make_conntrack(runtime_, 1);
      runtime_.conntrack = conntrack_.get();
    }
    worker_ = std::make_unique<dp::Worker>(
        runtime_, 0, dp::Pipeline(root::make_stages(runtime_, 0), runtime_, 0));
  }
  return worker_->pipeline();
}

uint32_t Harness::poll() {
  pipeline();  // makes the worker
  return worker_->poll_once(tables(), now);
}

std::vector<std::vector<uint8_t>> Harness::sent(uint16_t slot) {
  if (!rings_[slot]) {
    ADD_FAILURE() << "slot " << slot << " has no ring port";
    return {};
  }
  return rings_[slot]->take_sent();
}

uint64_t Harness::stage_drops(std::string_view stage, std::string_view reason) {
  const auto stages = pipeline().stages();
  for (size_t s = 0; s < stages.size(); ++s) {
    if (stages[s]->name() != stage) continue;
    const auto names = stages[s]->drop_reason_names();
    for (size_t r = 0; r < names.size(); ++r) {
      if (names[r] == reason) return counters_->stages[s].drops[r].get();
    }
  }
  ADD_FAILURE() << "no drop reason " << stage << "/" << reason;
  return 0;
}

uint64_t Harness::output_drops(dp::OutputDrop why) const {
  return counters_->output_drops[static_cast<size_t>(why)].get();
}
uint64_t Harness::flow_packets(uint32_t c) const { return counters_->flows[c].packets.get(); }
uint64_t Harness::flow_bytes(uint32_t c) const { return counters_->flows[c].bytes.get(); }

std::vector<std::string> reasons(const std::vector<Outcome>& outcomes) {
  std::vector<std::string> out;
  for (const Outcome& o : outcomes) out.push_back(o.reason);
  return out;
}

}  // namespace sluice::test
