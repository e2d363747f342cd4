// sluice-flowmod: flow-mod throughput of an OpenFlow 1.3 switch, for `bench/run flowmod`.
//
// --mode add: N FLOW_MOD ADDs of the wildcard flow set (flow_set.h) into one table, encoded
// before the clock starts and sent back to back as fast as the link takes them, then one
// BARRIER_REQUEST; the figure is N / (BARRIER_REPLY - first send). Any ERROR reply fails the
// run. --mode count: how many flows with the cookie the switch reports (FLOW stats).
// --mode delete: deletes them (FLOW_MOD DELETE by cookie, all tables) and waits for the
// barrier. --mode print: the same flows as ovs-ofctl text (add-flows FILE), no connection.
//
// The target is sluiced's channel (channel:NAME, openflow/channel's ChannelClient, as
// sluicectl uses it), an OpenFlow TCP endpoint (tcp:HOST:PORT, e.g. sluicectl run's) or a unix
// socket (unix:PATH, e.g. Open vSwitch's bridge management socket).
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "bench/flowmod/flow_set.h"
#include "bench/flowmod/of_link.h"
#include "openflow/codec.h"
#include "openflow/format.h"

namespace {

namespace po = boost::program_options;
namespace of = sluice::of;
using sluice::Result;
using sluice::bench::OfLink;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string target;
  std::string mode = "add";
  uint32_t flows = 100000;
  uint32_t table = 0;
  uint32_t out_port = 2;
  std::string cookie_text = "0xbe0c000000000000";
  uint64_t cookie = 0;
  double timeout_s = 300;
  uint32_t chunk = 1024;  // messages between checks for replies while sending
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

of::FlowMod flow_mod(const Options& o, uint32_t i) {
  const sluice::bench::WildcardFlow w = sluice::bench::wildcard_flow(i);
  of::FlowMod fm;
  fm.cookie = sluice::bench::wildcard_cookie(o.cookie, i);
  fm.table_id = static_cast<uint8_t>(o.table);
  fm.command = of::FlowModCommand::kAdd;
  fm.priority = w.priority;
  fm.match.present = of::field_bit(of::Field::kEthType) | of::field_bit(of::Field::kIpv4Dst);
  fm.match.eth_type = 0x0800;
  fm.match.ipv4_dst = w.address;
  if (w.prefix_len < 32) {
    fm.match.masked = of::field_bit(of::Field::kIpv4Dst);
    fm.match.ipv4_dst_mask = ~uint32_t{0} << (32 - w.prefix_len);
  }
  fm.instructions.present = of::instr::kApplyActions;
  of::Action out;
  out.type = of::ActionType::kOutput;
  out.port = o.out_port;
  fm.instructions.apply_actions.push(out);
  return fm;
}

// One connection's requests and replies: xids, HELLO, barriers, waiting for a reply. While it
// waits it answers ECHO_REQUESTs and counts (and prints the first few) ERRORs for other
// requests; await() hands every message with its xid to 'on_reply' until that returns true.
class Conversation {
 public:
  Conversation(OfLink& link, std::chrono::milliseconds timeout) : link_(link), timeout_(timeout) {}

  uint32_t next_xid() { return xid_++; }
  size_t errors() const { return errors_; }

  // HELLO with a version bitmap of 1.3 only; the switch's HELLO may carry a higher version in
  // its header (Open vSwitch sends its highest), which only the bitmap negotiates down.
  Result<void> hello() {
    of::Bytes out;
    of::encode_hello_versions(next_xid(), 1u << of::kVersion, out);
    if (auto r = link_.send(out); !r) return r;
    const auto deadline = Clock::now() + timeout_;
    while (Clock::now() < deadline) {
      auto got = link_.receive(msg_, std::chrono::milliseconds(100));
      if (!got) return std::unexpected(got.error());
      if (!*got) continue;
      if (msg_.size() >= 8 && msg_[1] == static_cast<uint8_t>(of::MsgType::kHello)) return {};
      if (msg_.size() >= 8 && msg_[1] == static_cast<uint8_t>(of::MsgType::kError)) {
        return sluice::fail("HELLO refused: " + of::format_message(msg_));
      }
      if (auto r = other(msg_); !r) return r;
    }
    return sluice::fail("no HELLO from the switch");
  }

  // Non-blocking: handles whatever already arrived.
  Result<void> drain() {
    while (true) {
      auto got = link_.receive(msg_, std::chrono::milliseconds(0));
      if (!got) return std::unexpected(got.error());
      if (!*got) return {};
      if (auto r = other(msg_); !r) return r;
    }
  }

  template <class OnReply>
  Result<void> await(uint32_t xid, OnReply on_reply) {
    const auto deadline = Clock::now() + timeout_;
    while (Clock::now() < deadline) {
      auto got = link_.receive(msg_, std::chrono::milliseconds(100));
      if (!got) return std::unexpected(got.error());
      if (!*got) continue;
      auto h = of::decode_header(msg_);
      if (!h) return sluice::fail("undecodable message: " + of::format_message(msg_));
      if (h->xid == xid && h->type != of::MsgType::kEchoRequest) {
        if (h->type == of::MsgType::kError) {
          return sluice::fail("request refused: " + of::format_message(msg_));
        }
        if (on_reply(msg_)) return {};
        continue;
      }
      if (auto r = other(msg_); !r) return r;
    }
    return sluice::fail("no reply within " + std::to_string(timeout_.count()) + " ms");
  }

  Result<void> barrier() {
    of::Bytes out;
    const uint32_t xid = next_xid();
    of::encode_barrier_request(xid, out);
    if (auto r = link_.send(out); !r) return r;
    return await(xid, [](const of::Bytes& m) {
      auto h = of::decode_header(m);
      return h && h->type == of::MsgType::kBarrierReply;
    });
  }

 private:
  // A message nobody waits for: echo requests are answered, errors counted, the rest ignored.
  Result<void> other(const of::Bytes& msg) {
    auto h = of::decode_header(msg);
    if (!h) return sluice::fail("undecodable message: " + of::format_message(msg));
    if (h->type == of::MsgType::kEchoRequest) {
      auto payload = of::decode_echo(msg);
      of::Bytes reply;
      of::encode_echo_reply(h->xid, payload ? *payload : std::span<const uint8_t>{}, reply);
      return link_.send(reply);
    }
    if (h->type == of::MsgType::kError) {
      if (errors_++ < 5)
        std::fprintf(stderr, "sluice-flowmod: %s\n", of::format_message(msg).c_str());
    }
    return {};
  }

  OfLink& link_;
  std::chrono::milliseconds timeout_;
  of::Bytes msg_;
  uint32_t xid_ = 1;
  size_t errors_ = 0;
};

int run_add(const Options& o, OfLink& link, Conversation& c) {
  // Encode everything first: the clock measures the switch, not our encoder.
  of::Bytes all;
  all.reserve(size_t{o.flows} * 96);
  std::vector<size_t> ends;  // end offset of every chunk of o.chunk messages
  for (uint32_t i = 0; i < o.flows; ++i) {
    of::encode_flow_mod(c.next_xid(), flow_mod(o, i), all);
    if ((i + 1) % o.chunk == 0 || i + 1 == o.flows) ends.push_back(all.size());
  }
  const std::span<const uint8_t> bytes(all);
  const auto t0 = Clock::now();
  size_t at = 0;
  for (size_t end : ends) {
    if (auto r = link.send(bytes.subspan(at, end - at)); !r) {
      std::fprintf(stderr, "sluice-flowmod: %s\n", r.error().message.c_str());
      return 1;
    }
    at = end;
    if (auto r = c.drain(); !r) {
      std::fprintf(stderr, "sluice-flowmod: %s\n", r.error().message.c_str());
      return 1;
    }
  }
  const double sent_s = seconds_since(t0);
  if (auto r = c.barrier(); !r) {
    std::fprintf(stderr, "sluice-flowmod: barrier: %s\n", r.error().message.c_str());
    return 1;
  }
  const double s = seconds_since(t0);
  std::printf(
      "flowmod-result flows=%u bytes=%zu seconds=%.6f flows_per_s=%.0f sent_seconds=%.6f "
      "errors=%zu\n",
      o.flows, all.size(), s, o.flows / s, sent_s, c.errors());
  if (c.errors() != 0) {
    std::fprintf(stderr, "sluice-flowmod: the switch refused %zu flow(s)\n", c.errors());
    return 1;
  }
  return 0;
}

// Counts the set's flows one cookie chunk (kFlowSetCookieChunk flows) at a time: one FLOW stats
// request for all of them would make the switch build one very long reply.
int run_count(const Options& o, OfLink& link, Conversation& c) {
  using sluice::bench::kFlowSetCookieChunk;
  const uint32_t chunks = (o.flows + kFlowSetCookieChunk - 1) / kFlowSetCookieChunk;
  const auto t0 = Clock::now();
  size_t count = 0;
  double longest = 0;
  std::vector<of::FlowStats> entries;
  for (uint32_t k = 0; k < chunks; ++k) {
    of::FlowStatsRequest req;
    req.table_id = of::kTableAll;
    req.cookie = sluice::bench::wildcard_cookie(o.cookie, k * kFlowSetCookieChunk);
    req.cookie_mask = ~uint64_t{0};
    of::Bytes out;
    const uint32_t xid = c.next_xid();
    of::encode_flow_stats_request(xid, req, out);
    const auto t1 = Clock::now();
    if (auto r = link.send(out); !r) {
      std::fprintf(stderr, "sluice-flowmod: %s\n", r.error().message.c_str());
      return 1;
    }
    bool bad = false;
    auto r = c.await(xid, [&](const of::Bytes& m) {
      auto mp = of::decode_multipart_header(m);
      entries.clear();
      if (!mp || !of::decode_flow_stats_reply(m, entries)) {
        bad = true;
        return true;
      }
      count += entries.size();
      return (mp->flags & of::kMultipartMore) == 0;
    });
    if (!r || bad) {
      std::fprintf(stderr, "sluice-flowmod: flow stats: %s\n",
                   bad ? "undecodable reply" : r.error().message.c_str());
      return 1;
    }
    longest = std::max(longest, seconds_since(t1));
  }
  std::printf("flowmod-count flows=%zu seconds=%.6f requests=%u longest_request_seconds=%.6f\n",
              count, seconds_since(t0), chunks, longest);
  return 0;
}

int run_delete(const Options& o, OfLink& link, Conversation& c) {
  of::FlowMod fm;
  fm.command = of::FlowModCommand::kDelete;
  fm.table_id = of::kTableAll;
  fm.cookie = o.cookie & sluice::bench::kFlowSetCookieMask;
  fm.cookie_mask = sluice::bench::kFlowSetCookieMask;
  of::Bytes out;
  of::encode_flow_mod(c.next_xid(), fm, out);
  const auto t0 = Clock::now();
  if (auto r = link.send(out); !r) {
    std::fprintf(stderr, "sluice-flowmod: %s\n", r.error().message.c_str());
    return 1;
  }
  if (auto r = c.barrier(); !r) {
    std::fprintf(stderr, "sluice-flowmod: barrier: %s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("flowmod-delete seconds=%.6f errors=%zu\n", seconds_since(t0), c.errors());
  return c.errors() == 0 ? 0 : 1;
}

Result<std::optional<Options>> parse(int argc, char** argv) {
  Options o;
  po::options_description desc(
      "sluice-flowmod: flow-mod throughput of an OpenFlow 1.3 switch (bench/run flowmod).\n"
      "Flow i of the set: ip,nw_dst=A/L in one table, L cycling /32../28, A non-overlapping in\n"
      "10.0.0.0/8, priority 1000 + i mod 60000, actions=output:PORT (bench/flowmod/flow_set.h).\n"
      "Prints 'flowmod-result flows=N seconds=S flows_per_s=F ...' (add),\n"
      "'flowmod-count flows=N ...' (count), 'flowmod-delete seconds=S ...' (delete).\n\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "print this help and exit")
      ("target", po::value(&o.target), "channel:NAME (sluiced), tcp:HOST:PORT or unix:PATH")
      ("mode", po::value(&o.mode)->default_value(o.mode),
       "add: FLOW_MODs + barrier, timed; count: flows with the cookie (FLOW stats); delete: "
       "delete flows with the cookie + barrier; print: the flows as ovs-ofctl add-flows text")
      ("flows", po::value(&o.flows)->default_value(o.flows), "number of flows")
      ("table", po::value(&o.table)->default_value(o.table), "table id")
      ("out-port", po::value(&o.out_port)->default_value(o.out_port), "output port number")
      ("cookie", po::value(&o.cookie_text)->default_value(o.cookie_text),
       "the set's cookie: its top 32 bits; the low bits number chunks of 4096 flows")
      ("timeout", po::value(&o.timeout_s)->default_value(o.timeout_s),
       "seconds to wait for a reply (the barrier, each stats part)")
      ("chunk", po::value(&o.chunk)->default_value(o.chunk),
       "messages sent between checks for replies");
  // clang-format on
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return sluice::fail(std::string(e.what()) + " (see --help)");
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::optional<Options>{};
  }
  if (o.mode != "add" && o.mode != "count" && o.mode != "delete" && o.mode != "print") {
    return sluice::fail("--mode: '" + o.mode + "' is not one of add, count, delete, print");
  }
  if (o.flows == 0 || o.flows > sluice::bench::kFlowSetMaxFlows) {
    return sluice::fail("--flows: 1.." + std::to_string(sluice::bench::kFlowSetMaxFlows));
  }
  if (o.table > 254) return sluice::fail("--table: 0..254");
  if (o.out_port == 0 || o.out_port > of::port_no::kMax)
    return sluice::fail("--out-port: 1..0xffffff00");
  if (o.chunk == 0) return sluice::fail("--chunk: at least 1");
  try {
    size_t used = 0;
    o.cookie = std::stoull(o.cookie_text, &used, 0);
    if (used != o.cookie_text.size()) throw std::invalid_argument("trailing text");
  } catch (const std::exception&) {
    return sluice::fail("--cookie: '" + o.cookie_text + "' is not a number");
  }
  if (o.mode != "print" && o.target.empty()) return sluice::fail("--target is required");
  return std::optional<Options>(o);
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = parse(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "sluice-flowmod: %s\n", opts.error().message.c_str());
    return 2;
  }
  if (!*opts) return 0;
  const Options& o = **opts;
  if (o.mode == "print") {
    for (uint32_t i = 0; i < o.flows; ++i) {
      std::printf("%s\n", sluice::bench::wildcard_flow_text(
                              i, o.cookie, static_cast<uint8_t>(o.table), o.out_port)
                              .c_str());
    }
    return 0;
  }
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  auto link = sluice::bench::open_link(o.target, std::chrono::seconds(10));
  if (!link) {
    std::fprintf(stderr, "sluice-flowmod: %s\n", link.error().message.c_str());
    return 1;
  }
  Conversation c(**link, timeout);
  if (auto r = c.hello(); !r) {
    std::fprintf(stderr, "sluice-flowmod: %s\n", r.error().message.c_str());
    return 1;
  }
  if (o.mode == "add") return run_add(o, **link, c);
  if (o.mode == "count") return run_count(o, **link, c);
  return run_delete(o, **link, c);
}
