#include "controlplane/session.h"

#include <map>

#include "controlplane/log.h"
#include "openflow/format.h"

namespace sluice::cp {

namespace {

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

Result<of::Header> header_of(const of::Bytes& msg) {
  auto h = of::decode_header(msg);
  if (!h) return fail("undecodable message from the dataplane: " + of::format_message(msg));
  return *h;
}

Error error_reply(const of::Bytes& msg, std::string_view what) {
  auto e = of::decode_error(msg);
  return Error{std::string(what) +
               " failed: " + (e ? of::format_error(*e) : of::format_message(msg))};
}

}  // namespace

bool is_port_exists(const of::ErrorMsg& e) {
  return e.type == of::ErrorType::kExperimenter && e.experimenter == of::kSluiceExperimenter &&
         e.code == of::sluice_error::kPortExists;
}

Session::Session(std::unique_ptr<Transport> transport, std::chrono::milliseconds reply_timeout)
    : transport_(std::move(transport)), reply_timeout_(reply_timeout) {}

Result<void> Session::send(const of::Bytes& bytes) { return transport_->send(bytes); }

Result<void> Session::handle_unsolicited(const of::Bytes& msg) {
  auto h = header_of(msg);
  if (!h) return std::unexpected(h.error());
  if (h->type == of::MsgType::kEchoRequest) {
    auto payload = of::decode_echo(msg);
    of::Bytes reply;
    of::encode_echo_reply(h->xid, payload ? *payload : std::span<const uint8_t>{}, reply);
    return send(reply);
  }
  if (h->type == of::MsgType::kPacketIn && packet_in_handler_) {
    packet_in_handler_(msg);
    return {};
  }
  if (h->type == of::MsgType::kError) {
    log_warn("the dataplane answered with an error: " + of::format_message(msg));
    return {};
  }
  log_debug("ignoring " + of::format_message(msg));
  return {};
}

Result<of::Bytes> Session::await(uint32_t xid, std::vector<of::Bytes>* other) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + reply_timeout_;
  of::Bytes msg;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return fail("no reply from the dataplane within " + std::to_string(reply_timeout_.count()) +
                  " ms (xid " + hex(xid) + ")");
    }
    auto got = transport_->receive(msg, left);
    if (!got) return std::unexpected(got.error());
    if (!*got) continue;
    auto h = header_of(msg);
    if (!h) return std::unexpected(h.error());
    if (h->xid == xid && h->type != of::MsgType::kEchoRequest) return msg;
    if (other != nullptr && h->type == of::MsgType::kError) {
      other->push_back(msg);
      continue;
    }
    if (auto r = handle_unsolicited(msg); !r) return std::unexpected(r.error());
  }
}

Result<of::FeaturesReply> Session::handshake() {
  of::Bytes out;
  const uint32_t hello_xid = next_xid();
  of::encode_hello(hello_xid, out);
  if (auto r = send(out); !r) return std::unexpected(r.error());
  // The dataplane answers our HELLO with its own (any xid); take the first HELLO we see.
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + reply_timeout_;
  of::Bytes msg;
  while (true) {
    if (Clock::now() >= deadline) return fail("no HELLO from the dataplane");
    auto got = transport_->receive(msg, std::chrono::milliseconds(100));
    if (!got) return std::unexpected(got.error());
    if (!*got) continue;
    auto h = header_of(msg);
    if (!h) return std::unexpected(h.error());
    if (h->type == of::MsgType::kHello) break;
    if (h->type == of::MsgType::kError) return std::unexpected(error_reply(msg, "HELLO"));
    if (auto r = handle_unsolicited(msg); !r) return std::unexpected(r.error());
  }
  out.clear();
  const uint32_t xid = next_xid();
  of::encode_features_request(xid, out);
  if (auto r = send(out); !r) return std::unexpected(r.error());
  auto reply = await(xid, nullptr);
  if (!reply) return std::unexpected(reply.error());
  auto features = of::decode_features_reply(*reply);
  if (!features) return std::unexpected(error_reply(*reply, "FEATURES_REQUEST"));
  return *features;
}

template <class Entry, class Decode>
Result<std::vector<Entry>> Session::multipart(const of::Bytes& request, uint32_t xid,
                                              Decode decode) {
  if (auto r = send(request); !r) return std::unexpected(r.error());
  std::vector<Entry> entries;
  while (true) {
    auto reply = await(xid, nullptr);
    if (!reply) return std::unexpected(reply.error());
    auto h = header_of(*reply);
    if (!h) return std::unexpected(h.error());
    if (h->type == of::MsgType::kError) return std::unexpected(error_reply(*reply, "request"));
    auto mp = of::decode_multipart_header(*reply);
    if (!mp) return fail("bad multipart reply: " + of::format_message(*reply));
    if (auto r = decode(*reply, entries); !r) {
      return fail("bad multipart reply: " + of::format_message(*reply));
    }
    if ((mp->flags & of::kMultipartMore) == 0) return entries;
  }
}

Result<std::vector<of::Port>> Session::port_desc() {
  of::Bytes req;
  const uint32_t xid = next_xid();
  of::encode_port_desc_request(xid, req);
  return multipart<of::Port>(req, xid, [](const of::Bytes& m, std::vector<of::Port>& out) {
    return of::decode_port_desc_reply(m, out);
  });
}

Result<std::vector<of::PortStats>> Session::port_stats(uint32_t port_no) {
  of::Bytes req;
  const uint32_t xid = next_xid();
  of::encode_port_stats_request(xid, port_no, req);
  return multipart<of::PortStats>(req, xid,
                                  [](const of::Bytes& m, std::vector<of::PortStats>& out) {
                                    return of::decode_port_stats_reply(m, out);
                                  });
}

Result<std::vector<of::FlowStats>> Session::flow_stats(const of::FlowStatsRequest& request) {
  of::Bytes req;
  const uint32_t xid = next_xid();
  of::encode_flow_stats_request(xid, request, req);
  return multipart<of::FlowStats>(req, xid,
                                  [](const of::Bytes& m, std::vector<of::FlowStats>& out) {
                                    return of::decode_flow_stats_reply(m, out);
                                  });
}

Result<std::vector<of::GroupDesc>> Session::group_desc() {
  of::Bytes req;
  const uint32_t xid = next_xid();
  of::encode_group_desc_request(xid, req);
  return multipart<of::GroupDesc>(req, xid,
                                  [](const of::Bytes& m, std::vector<of::GroupDesc>& out) {
                                    return of::decode_group_desc_reply(m, out);
                                  });
}

Result<InstalledState> Session::read_installed() {
  InstalledState s;
  auto ports = port_desc();
  if (!ports) return std::unexpected(ports.error());
  auto flows = flow_stats();
  if (!flows) return std::unexpected(flows.error());
  auto groups = group_desc();
  if (!groups) return std::unexpected(groups.error());
  s.ports = std::move(*ports);
  s.flows = std::move(*flows);
  s.groups = std::move(*groups);
  return s;
}

Result<void> Session::barrier() {
  of::Bytes req;
  const uint32_t xid = next_xid();
  of::encode_barrier_request(xid, req);
  if (auto r = send(req); !r) return std::unexpected(r.error());
  auto reply = await(xid, nullptr);
  if (!reply) return std::unexpected(reply.error());
  return {};
}

ApplyError Session::describe(const std::vector<Message>& messages, size_t index, uint32_t xid,
                             const of::ErrorMsg& e) {
  const Message& m = messages[index];
  of::Bytes bytes;
  encode_message(xid, m, bytes);
  return ApplyError{index,
                    std::string(message_kind(m)) + " #" + std::to_string(index) +
                        " (xid=" + hex(xid) + "): " + of::format_error(e) +
                        "; request: " + of::format_message(bytes),
                    e};
}

Result<std::vector<size_t>> Session::send_batch(const std::vector<Message>& messages,
                                                const std::vector<size_t>& which,
                                                std::vector<ApplyError>& errors) {
  std::map<uint32_t, size_t> sent;  // xid -> index
  of::Bytes bytes;
  for (size_t i : which) {
    bytes.clear();
    const uint32_t xid = next_xid();
    encode_message(xid, messages[i], bytes);
    if (auto r = send(bytes); !r) return std::unexpected(r.error());
    sent[xid] = i;
    transport_->heartbeat();
  }
  bytes.clear();
  const uint32_t barrier_xid = next_xid();
  of::encode_barrier_request(barrier_xid, bytes);
  if (auto r = send(bytes); !r) return std::unexpected(r.error());
  std::vector<of::Bytes> replies;
  auto reply = await(barrier_xid, &replies);
  if (!reply) return std::unexpected(reply.error());

  std::vector<size_t> port_exists;
  for (const of::Bytes& msg : replies) {
    auto h = of::decode_header(msg);
    auto e = of::decode_error(msg);
    if (!h || !e) continue;
    auto it = sent.find(h->xid);
    if (it == sent.end()) {
      log_warn("unmatched error from the dataplane: " + of::format_message(msg));
      continue;
    }
    if (std::holds_alternative<of::PortAdd>(messages[it->second]) && is_port_exists(*e)) {
      port_exists.push_back(it->second);
      continue;
    }
    errors.push_back(describe(messages, it->second, h->xid, *e));
  }
  return port_exists;
}

Result<void> Session::send_ports(const std::vector<Message>& messages,
                                 const std::vector<size_t>& which,
                                 std::vector<ApplyError>& errors) {
  auto refused = send_batch(messages, which, errors);
  if (!refused) return std::unexpected(refused.error());
  if (refused->empty()) return {};
  std::vector<Message> replace;
  for (size_t i : *refused) {
    const auto& add = std::get<of::PortAdd>(messages[i]);
    log_info("port " + std::string(add.name.view()) + " (" + std::to_string(add.port_no) +
             ") exists with another definition; replacing it");
    replace.push_back(of::PortDel{add.port_no});
    replace.push_back(add);
  }
  std::vector<size_t> all(replace.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<ApplyError> replace_errors;
  auto again = send_batch(replace, all, replace_errors);
  if (!again) return std::unexpected(again.error());
  for (ApplyError& e : replace_errors) errors.push_back(std::move(e));
  for (size_t i : *again) {
    errors.push_back(ApplyError{i, "PORT_ADD of a replaced port was refused again", {}});
  }
  return {};
}

Result<bool> Session::send_bundle(const std::vector<Message>& messages,
                                  const std::vector<size_t>& which,
                                  std::vector<ApplyError>& errors) {
  constexpr uint16_t kFlags = of::bundle_flags::kAtomic | of::bundle_flags::kOrdered;
  const uint32_t bundle_id = bundle_id_++;
  auto bundle_error = [&](std::string_view what, const of::Bytes& reply) {
    auto e = of::decode_error(reply);
    errors.push_back(ApplyError{messages.size(),
                                "bundle " + std::to_string(bundle_id) + " " + std::string(what) +
                                    ": " + (e ? of::format_error(*e) : of::format_message(reply)),
                                e ? *e : of::ErrorMsg{}});
  };
  auto control = [&](of::BundleCtrlType type) -> Result<uint32_t> {
    of::Bytes bytes;
    const uint32_t xid = next_xid();
    of::encode_bundle_ctrl(xid, of::BundleCtrl{bundle_id, type, kFlags}, bytes);
    if (auto r = send(bytes); !r) return std::unexpected(r.error());
    return xid;
  };
  // Errors for the bundle's messages, by xid (the inner and outer xids are the same).
  std::map<uint32_t, size_t> sent;
  auto match = [&](const std::vector<of::Bytes>& replies) {
    size_t matched = 0;
    for (const of::Bytes& msg : replies) {
      auto h = of::decode_header(msg);
      auto e = of::decode_error(msg);
      if (!h || !e) continue;
      if (auto it = sent.find(h->xid); it != sent.end()) {
        errors.push_back(describe(messages, it->second, h->xid, *e));
        ++matched;
      } else {
        bundle_error("refused a request", msg);
        ++matched;
      }
    }
    return matched;
  };

  auto open_xid = control(of::BundleCtrlType::kOpenRequest);
  if (!open_xid) return std::unexpected(open_xid.error());
  of::Bytes inner, bytes;
  for (size_t i : which) {
    const uint32_t xid = next_xid();
    inner.clear();
    encode_message(xid, messages[i], inner);
    bytes.clear();
    of::encode_bundle_add(xid, of::BundleAdd{bundle_id, kFlags}, inner, bytes);
    if (auto r = send(bytes); !r) return std::unexpected(r.error());
    sent[xid] = i;
    transport_->heartbeat();
  }
  // Everything refused on the way in is known before the commit: a bundle that lost a
  // message must not commit the rest.
  bytes.clear();
  const uint32_t barrier_xid = next_xid();
  of::encode_barrier_request(barrier_xid, bytes);
  if (auto r = send(bytes); !r) return std::unexpected(r.error());
  std::vector<of::Bytes> replies;
  if (auto reply = await(barrier_xid, &replies); !reply) return std::unexpected(reply.error());
  if (match(replies) > 0) {
    auto discard_xid = control(of::BundleCtrlType::kDiscardRequest);
    if (!discard_xid) return std::unexpected(discard_xid.error());
    if (auto reply = await(*discard_xid, nullptr); !reply) return std::unexpected(reply.error());
    return false;
  }
  auto commit_xid = control(of::BundleCtrlType::kCommitRequest);
  if (!commit_xid) return std::unexpected(commit_xid.error());
  replies.clear();
  auto reply = await(*commit_xid, &replies);
  if (!reply) return std::unexpected(reply.error());
  const size_t matched = match(replies);
  auto ctrl = of::decode_bundle_ctrl(*reply);
  if (ctrl && ctrl->type == of::BundleCtrlType::kCommitReply) return true;
  if (matched == 0) bundle_error("commit refused", *reply);
  return false;
}

Result<std::vector<ApplyError>> Session::apply(const std::vector<Message>& messages) {
  // The port stage (leading PORT_DEL/PORT_ADD), the other messages before the first bundled
  // one, the bundle, and what comes after it.
  std::vector<size_t> ports, settings, bundled, after;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    if (std::holds_alternative<of::FlowMod>(m) || std::holds_alternative<GroupModMsg>(m)) {
      bundled.push_back(i);
    } else if (!bundled.empty()) {
      after.push_back(i);
    } else if (settings.empty() &&
               (std::holds_alternative<of::PortAdd>(m) || std::holds_alternative<of::PortDel>(m))) {
      ports.push_back(i);
    } else {
      settings.push_back(i);
    }
  }
  std::vector<ApplyError> errors;
  if (!ports.empty()) {
    if (auto r = send_ports(messages, ports, errors); !r) return std::unexpected(r.error());
  }
  if (!settings.empty()) {
    auto r = send_batch(messages, settings, errors);
    if (!r) return std::unexpected(r.error());
  }
  if (!bundled.empty()) {
    auto committed = send_bundle(messages, bundled, errors);
    if (!committed) return std::unexpected(committed.error());
    if (!*committed) {
      if (!after.empty()) {
        log_warn(
            "the dataplane refused the policy's flow and group changes (nothing of them was "
            "applied); keeping the " +
            std::to_string(after.size()) + " port(s) the running flows may still use");
      }
      return errors;
    }
  }
  if (!after.empty()) {
    auto r = send_batch(messages, after, errors);
    if (!r) return std::unexpected(r.error());
  }
  return errors;
}

Result<void> Session::packet_out(const of::PacketOut& msg, std::span<const uint8_t> frame) {
  of::Bytes bytes;
  of::encode_packet_out(next_xid(), msg, frame, bytes);
  return send(bytes);
}

Result<void> Session::poll_idle() {
  of::Bytes msg;
  while (true) {
    auto got = transport_->receive(msg, std::chrono::milliseconds(0));
    if (!got) return std::unexpected(got.error());
    if (!*got) return {};
    if (auto r = handle_unsolicited(msg); !r) return r;
  }
}

}  // namespace sluice::cp
