#include "bench/gen/generator.h"

#include <cstdio>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_pause.h>
#include <rte_udp.h>

namespace sluice::bench {
namespace {

constexpr uint16_t kBurst = 32;
constexpr uint16_t kRxDesc = 512;
constexpr uint16_t kTxDesc = 1024;
constexpr unsigned kPoolSize = 16383;
constexpr unsigned kPoolCache = 256;
constexpr uint64_t kFullRingBackoffCycles = 1000;  // ~0.5 us: a 32-packet burst at 60 Mpps

std::string dpdk_error(const char* what, int rc) {
  return std::string(what) + ": " + rte_strerror(rc < 0 ? -rc : rc);
}

}  // namespace

Result<std::unique_ptr<Generator>> Generator::create(const GenOptions& opts) {
  std::unique_ptr<Generator> g(new Generator(opts, FlowMix(opts.mix)));
  auto ok = g->setup();
  if (!ok) return std::unexpected(ok.error());
  return g;
}

Result<void> Generator::setup() {
  if (rte_eth_dev_count_avail() < 1) return fail("no virtio_user port (is --socket served?)");
  pool_ = rte_pktmbuf_pool_create("gen_pool", kPoolSize, kPoolCache, 0,
                                  RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (pool_ == nullptr) return fail(dpdk_error("cannot create the mbuf pool", rte_errno));
  if (opts_.mode == TxMode::kClone) {
    const auto& frames = mix_.frames();
    template_pool_ = rte_pktmbuf_pool_create("gen_templates", static_cast<unsigned>(frames.size()),
                                             0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                             static_cast<int>(rte_socket_id()));
    if (template_pool_ == nullptr) return fail(dpdk_error("cannot create templates", rte_errno));
    templates_.resize(frames.size());
    if (rte_pktmbuf_alloc_bulk(template_pool_, templates_.data(),
                               static_cast<unsigned>(templates_.size())) != 0) {
      return fail("cannot allocate the template mbufs");
    }
    for (size_t k = 0; k < frames.size(); ++k) {
      char* p = rte_pktmbuf_append(templates_[k], static_cast<uint16_t>(mix_.frame_len()));
      rte_memcpy(p, frames[k].bytes, mix_.frame_len());
    }
  }
  rte_eth_conf conf{};
  int rc = rte_eth_dev_configure(port_, 1, 1, &conf);
  if (rc < 0) return fail(dpdk_error("cannot configure the port", rc));
  const int socket = rte_eth_dev_socket_id(port_);
  rc = rte_eth_rx_queue_setup(port_, 0, kRxDesc, socket, nullptr, pool_);
  if (rc < 0) return fail(dpdk_error("cannot set up the rx queue", rc));
  rc = rte_eth_tx_queue_setup(port_, 0, kTxDesc, socket, nullptr);
  if (rc < 0) return fail(dpdk_error("cannot set up the tx queue", rc));
  rc = rte_eth_dev_start(port_);
  if (rc < 0) return fail(dpdk_error("cannot start the port", rc));
  started_ = true;
  return {};
}

Generator::~Generator() {
  if (started_) {
    rte_eth_dev_stop(port_);
    rte_eth_dev_close(port_);
  }
  for (rte_mbuf* m : templates_) rte_pktmbuf_free(m);
  rte_mempool_free(template_pool_);
  rte_mempool_free(pool_);
}

bool Generator::wait_link(double seconds, const std::atomic<bool>& stop) {
  const uint64_t end = rte_rdtsc() + static_cast<uint64_t>(seconds * rte_get_tsc_hz());
  while (!stop.load(std::memory_order_relaxed) && rte_rdtsc() < end) {
    rte_eth_link link{};
    if (rte_eth_link_get_nowait(port_, &link) == 0 && link.link_status == RTE_ETH_LINK_UP) {
      return true;
    }
    rte_delay_us_sleep(10000);
  }
  return false;
}

void Generator::drain_rx() noexcept {
  rte_mbuf* rx[kBurst];
  const uint16_t n = rte_eth_rx_burst(port_, 0, rx, kBurst);
  if (n > 0) rte_pktmbuf_free_bulk(rx, n);
}

void Generator::send_learn_frames(const std::atomic<bool>& stop) {
  const auto& frames = mix_.learn_frames();
  const uint32_t len = mix_.frame_len();
  for (size_t k = 0; k < frames.size() && !stop.load(std::memory_order_relaxed);) {
    rte_mbuf* pkts[kBurst];
    const uint16_t n = static_cast<uint16_t>(std::min<size_t>(kBurst, frames.size() - k));
    if (rte_pktmbuf_alloc_bulk(pool_, pkts, n) != 0) {
      drain_rx();
      continue;
    }
    for (uint16_t i = 0; i < n; ++i) {
      rte_memcpy(rte_pktmbuf_append(pkts[i], static_cast<uint16_t>(len)), frames[k + i].bytes,
                 len);
    }
    uint16_t sent = 0;
    while (sent < n && !stop.load(std::memory_order_relaxed)) {
      sent += rte_eth_tx_burst(port_, 0, pkts + sent, static_cast<uint16_t>(n - sent));
    }
    if (sent < n) rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    k += n;
    drain_rx();
    rte_delay_us_block(100);
  }
}

// Fills pkts[0, n) with the next flows' frames. Returns how many it filled (fewer when the
// pool is momentarily empty).
uint16_t Generator::fill(rte_mbuf** pkts, uint16_t n) noexcept {
  const uint32_t n_flows = static_cast<uint32_t>(mix_.frames().size());
  uint32_t next = next_;
  if (opts_.mode == TxMode::kClone) {
    for (uint16_t i = 0; i < n; ++i) {
      rte_mbuf* m = templates_[next];
      rte_mbuf_refcnt_update(m, 1);
      pkts[i] = m;
      if (++next == n_flows) next = 0;
    }
    next_ = next;
    return n;
  }
  if (rte_pktmbuf_alloc_bulk(pool_, pkts, n) != 0) return 0;
  const Frame* frames = mix_.frames().data();
  const uint16_t len = static_cast<uint16_t>(mix_.frame_len());
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    m->data_len = len;
    m->pkt_len = len;
    rte_memcpy(rte_pktmbuf_mtod(m, void*), frames[next].bytes, len);
    if (rewriting_) fresh_source(m);
    if (++next == n_flows) next = 0;
  }
  next_ = next;
  return n;
}

// Source i: IPv4 10.64.0.0 + i mod 2^22 (inside the flows' 10.0.0.0/9, apart from the learning
// frames' 10.0.0.0/10), UDP source port 1024 + (i / 2^22) mod 60000: 2.5e11 before a repeat.
void Generator::fresh_source(rte_mbuf* m) noexcept {
  const uint64_t i = fresh_++;
  auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, ipv4_offset(opts_.mix));
  ip->src_addr = rte_cpu_to_be_32(0x0a400000u | static_cast<uint32_t>(i & 0x3fffff));
  ip->hdr_checksum = 0;
  ip->hdr_checksum = rte_ipv4_cksum(ip);
  auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
  udp->src_port = rte_cpu_to_be_16(static_cast<uint16_t>(1024 + (i >> 22) % 60000));
}

TxTotals Generator::run(double seconds, double interval, const char* phase,
                        const std::atomic<bool>& stop) {
  const uint64_t hz = rte_get_tsc_hz();
  const uint64_t start = rte_rdtsc();
  const uint64_t end = start + static_cast<uint64_t>(seconds * hz);
  const uint64_t step = interval > 0 ? static_cast<uint64_t>(interval * hz) : UINT64_MAX;
  uint64_t next_report = interval > 0 ? start + step : UINT64_MAX;
  uint64_t last_report = start, last_sent = 0;
  TxTotals t;
  rte_mbuf* pkts[kBurst];
  uint16_t pending = 0;  // pkts[0, pending) were not taken by the ring last time
  rewriting_ = opts_.new_connections;
  uint32_t iter = 0;
  for (;;) {
    const uint64_t now = rte_rdtsc();
    if (now >= end || stop.load(std::memory_order_relaxed)) break;
    if (now >= next_report) {
      const double dt = static_cast<double>(now - last_report) / static_cast<double>(hz);
      std::printf("gen: %s %.1f s: %.3f Mpps\n", phase,
                  static_cast<double>(now - start) / static_cast<double>(hz),
                  static_cast<double>(t.sent - last_sent) / dt / 1e6);
      std::fflush(stdout);
      last_report = now;
      last_sent = t.sent;
      next_report += step;
    }
    pending += fill(pkts + pending, static_cast<uint16_t>(kBurst - pending));
    const uint16_t sent = rte_eth_tx_burst(port_, 0, pkts, pending);
    t.sent += sent;
    if (sent < pending) {
      ++t.retries;
      for (uint16_t i = sent; i < pending; ++i) pkts[i - sent] = pkts[i];
      // The ring is full: the switch is the bottleneck. Back off briefly instead of hammering
      // the ring's index cache lines, which the switch's core writes.
      if (sent == 0) {
        const uint64_t until = rte_rdtsc() + kFullRingBackoffCycles;
        while (rte_rdtsc() < until) rte_pause();
      }
    }
    pending = static_cast<uint16_t>(pending - sent);
    if ((++iter & 63) == 0) drain_rx();
  }
  if (pending > 0) rte_pktmbuf_free_bulk(pkts, pending);
  t.cycles = rte_rdtsc() - start;
  return t;
}

}  // namespace sluice::bench
