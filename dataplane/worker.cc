#include "dataplane/worker.h"

#include <algorithm>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/clock.h"
#include "dataplane/packet_out.h"
#include "dataplane/stages/openflow.h"
#include "dataplane/tables.h"

namespace sluice::dp {

Worker::Worker(const Runtime& rt, uint16_t index, Pipeline pipeline)
    : rt_(rt),
      index_(index),
      counters_(*rt.workers[index]),
      packet_out_(index == 0 ? rt.packet_out : nullptr),
      pipeline_(std::move(pipeline)) {}

uint32_t Worker::poll_once(const Tables& t, uint32_t now) noexcept {
  StageContext ctx;
  ctx.worker = index_;
  ctx.now = now;
  ctx.tables = &t;
  ctx.counters = &counters_;
  ctx.link_state = rt_.link_state;
  // PACKET_OUTs are not received traffic: they count as sent only.
  if (packet_out_ != nullptr) packet_outs(ctx);
  uint32_t received = 0;
  for (uint16_t slot : t.active_slots) {
    const uint16_t n =
        rte_eth_rx_burst(t.ports[slot].dpdk_port, index_, burst_.pkts.data(), kBurstSize);
    if (n == 0) continue;
    uint64_t bytes = 0;
    // Only in_slot is set here: every other field is written by the stage that owns it
    // (parse, ingress, l2) before anything reads it.
    for (uint16_t i = 0; i < n; ++i) {
      burst_.meta[i].in_slot = slot;
      bytes += rte_pktmbuf_pkt_len(burst_.pkts[i]);
    }
    PortCounters& pc = counters_.ports[slot];
    pc.rx_packets.add(n);
    pc.rx_bytes.add(bytes);
    burst_.count = n;
    pipeline_.run(ctx, burst_);
    received += n;
  }
  return received;
}

uint32_t Worker::packet_outs(StageContext& ctx) noexcept {
  PacketOutJob* jobs[kBurstSize];
  const uint32_t n = packet_out_->receive(jobs, kBurstSize);
  if (n == 0) return 0;
  ctx.out = &pipeline_.egress();
  pipeline_.egress().begin(ctx);
  // output:TABLE: the frame goes through the tables as if it arrived on in_slot.
  struct TableRun {
    Worker* self;
    StageContext* ctx;
  } run{this, &ctx};
  const ToTable to_table = [](void* arg, rte_mbuf* m, uint16_t in_slot) noexcept {
    auto* r = static_cast<TableRun*>(arg);
    r->self->burst_.count = 1;
    r->self->burst_.pkts[0] = m;
    r->self->burst_.meta[0].in_slot = in_slot;
    r->self->pipeline_.run(*r->ctx, r->self->burst_);
  };
  for (uint32_t i = 0; i < n; ++i) {
    PacketOutJob& job = *jobs[i];
    run_packet_out(ctx, job.m, job.in_slot, job.actions, rt_.packet_in, to_table, &run);
    packet_out_->release(&job);
  }
  pipeline_.egress().finish();
  return n;
}

void Worker::back_off(uint32_t& sleep_us) noexcept {
  sleep_us = sleep_us == 0 ? 1 : std::min(sleep_us * 2, rt_.idle_sleep_max_us);
  rte_rcu_qsbr_thread_offline(rt_.qsv, index_);
  rte_delay_us_sleep(sleep_us);
  rte_rcu_qsbr_thread_online(rt_.qsv, index_);
  counters_.sleeps.add(1);
  counters_.sleep_us.add(sleep_us);
}

int Worker::run() noexcept {
  rte_rcu_qsbr_thread_register(rt_.qsv, index_);
  rte_rcu_qsbr_thread_online(rt_.qsv, index_);
  WorkerCounters& c = counters_;
  uint32_t empty_polls = 0;
  uint32_t sleep_us = 0;
  // The coarse clock, advanced when the TSC passes the next whole second (no division per loop).
  const uint64_t hz = rte_get_tsc_hz();
  uint32_t now = now_seconds();
  uint64_t next_second = (uint64_t{now} + 1) * hz;
  // One TSC read per iteration: an iteration's end is the next one's start. An iteration is
  // busy or idle by what it received; a back-off sleep belongs to neither.
  uint64_t t0 = rte_rdtsc();
  while (!rt_.stop->load(std::memory_order_relaxed)) {
    if (t0 >= next_second) {
      now = now_seconds();
      next_second = (uint64_t{now} + 1) * hz;
    }
    const uint32_t received = poll_once(*rt_.tables->current(), now);
    rte_rcu_qsbr_quiescent(rt_.qsv, index_);
    const uint64_t t1 = rte_rdtsc();
    c.iterations.add(1);
    if (received > 0) {
      c.busy_cycles.add(t1 - t0);
      c.rx_packets.add(received);
      empty_polls = 0;
      sleep_us = 0;
      t0 = t1;
      continue;
    }
    c.idle_cycles.add(t1 - t0);
    if (rt_.idle_sleep_max_us != 0 && ++empty_polls >= kEmptyPollsBeforeSleep) {
      back_off(sleep_us);
      t0 = rte_rdtsc();
    } else {
      t0 = t1;
    }
  }
  rte_rcu_qsbr_thread_offline(rt_.qsv, index_);
  rte_rcu_qsbr_thread_unregister(rt_.qsv, index_);
  return 0;
}

}  // namespace sluice::dp
