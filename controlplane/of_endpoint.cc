#include "controlplane/of_endpoint.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "controlplane/log.h"
#include "openflow/codec.h"
#include "openflow/format.h"

namespace sluice::cp {

namespace {

constexpr size_t kRequestsPerClientPass = 64;  // fairness between clients
constexpr size_t kRepliesPerPass = 1024;       // then flush, so replies do not pile up here
constexpr int kMaxIdleWaitMs = 10;             // reply latency while idle
constexpr int64_t kAwaitReplyUs = 50;          // while requests wait for their replies
constexpr int kQuietWaitMs = 100;              // nothing to serve: only retries and heartbeats

std::string num(uint64_t v) { return std::to_string(v); }

uint32_t xid_of(std::span<const uint8_t> msg) {
  return uint32_t{msg[4]} << 24 | uint32_t{msg[5]} << 16 | uint32_t{msg[6]} << 8 | msg[7];
}

std::string peer_name(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + num(ntohs(a->sin6_port));
  }
  const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
  return std::string(host) + ":" + num(ntohs(a->sin_port));
}

// Sluice's own experimenter messages (PORT_ADD/DEL/SET, SWITCH_CONFIG): the policy's.
bool is_sluice_experimenter(std::span<const uint8_t> msg) {
  if (msg.size() < 12 || msg[1] != static_cast<uint8_t>(of::MsgType::kExperimenter)) return false;
  const uint32_t experimenter =
      uint32_t{msg[8]} << 24 | uint32_t{msg[9]} << 16 | uint32_t{msg[10]} << 8 | msg[11];
  return experimenter == of::kSluiceExperimenter;
}

of::ErrorMsg hello_failed(std::string_view text) {
  of::ErrorMsg e;
  e.type = of::ErrorType::kHelloFailed;
  e.code = of::hello_failed::kIncompatible;
  e.data_len = static_cast<uint16_t>(std::min(text.size(), of::kMaxErrorData));
  std::copy_n(text.data(), e.data_len, e.data.data());
  return e;
}

// Signals are the daemon thread's business (daemon.cc); this thread must not take them.
void block_daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

OfEndpoint::OfEndpoint(OfEndpointOptions options)
    : options_(std::move(options)), relay_(options_.channel) {
  if (!options_.unix_path.empty()) listeners_.push_back(Listener{Listener::Kind::kUnix});
  if (options_.listen) listeners_.push_back(Listener{Listener::Kind::kTcp});
}

OfEndpoint::~OfEndpoint() {
  stop();
  for (Listener& l : listeners_) close_listener(l);
}

void OfEndpoint::start() {
  if (thread_.joinable()) return;
  if (::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  stop_ = false;
  for (Listener& l : listeners_) try_listen(l);
  thread_ = std::thread([this] { loop(); });
}

void OfEndpoint::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  if (wake_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_[1], &byte, 1);
  }
  thread_.join();
  for (int& fd : wake_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

OfEndpointStats OfEndpoint::stats() const {
  const Counters& c = counters_;
  OfEndpointStats s;
  s.clients = c.clients.load();
  s.connections = c.connections.load();
  s.to_dataplane = c.to_dataplane.load();
  s.to_clients = c.to_clients.load();
  s.answered_locally = c.answered_locally.load();
  s.errors_sent = c.errors_sent.load();
  s.slow_reader_disconnects = c.slow_reader_disconnects.load();
  s.framing_errors = c.framing_errors.load();
  s.unmatched_replies = c.unmatched_replies.load();
  s.expired_requests = c.expired_requests.load();
  s.relay_connects = c.relay_connects.load();
  s.in_flight = c.in_flight.load();
  s.port_messages_refused = c.port_messages_refused.load();
  s.peers_refused = c.peers_refused.load();
  s.hello_timeouts = c.hello_timeouts.load();
  s.echo_probes = c.echo_probes.load();
  s.echo_timeouts = c.echo_timeouts.load();
  s.bundles_refused = c.bundles_refused.load();
  s.bundles_discarded = c.bundles_discarded.load();
  return s;
}

// ---- The loop ----------------------------------------------------------------------------------

void OfEndpoint::loop() {
  block_daemon_signals();
  next_stats_ = Clock::now() + options_.stats_interval;
  while (!stop_) {
    const auto now = Clock::now();
    for (Listener& l : listeners_) {
      if (l.fd < 0 && now >= l.next_try) try_listen(l);
    }
    if (!relay_.connected() && now >= next_connect_) try_connect_relay();
    const int64_t timeout = poll_timeout_us();
    busy_ = false;
    poll_sockets(timeout);
    if (relay_.connected()) service_relay();
    check_timeouts(Clock::now());
    flush_clients();
    close_pending();
    if (relay_.connected()) {
      if (auto r = relay_.tick(); !r) relay_lost(r.error().message);
      close_pending();
    }
    counters_.in_flight = relay_.in_flight();
    counters_.unmatched_replies = relay_.unmatched() + replies_for_gone_clients_;
    counters_.expired_requests = relay_.expired();
    if (now >= next_stats_) {
      log_stats(false);
      next_stats_ = now + options_.stats_interval;
    }
  }
  for (auto& [id, c] : clients_) close_client(id, "sluicectl is stopping");
  close_pending();
  relay_.disconnect();
  relay_up_ = false;
  for (Listener& l : listeners_) close_listener(l);
  log_stats(true);
}

std::string OfEndpoint::where(const Listener& l) const {
  if (l.kind == Listener::Kind::kUnix) return "unix:" + options_.unix_path;
  ListenAddress at = *options_.listen;
  if (port_ != 0) at.port = port_;
  return "tcp:" + at.to_string();
}

void OfEndpoint::try_listen(Listener& l) {
  Result<int> fd = fail("");
  if (l.kind == Listener::Kind::kUnix) {
    auto u = open_unix_listener(options_.unix_path);
    if (u) {
      fd = u->fd;
      l.inode = u->inode;
    } else {
      fd = std::unexpected(u.error());
    }
  } else {
    fd = open_listener(*options_.listen);
  }
  if (!fd) {
    if (!l.failure_logged) {
      const char* hint = l.kind == Listener::Kind::kUnix
                             ? "--openflow-unix picks another path, --no-openflow-unix turns it off"
                             : "--openflow-listen picks another address, --no-openflow turns "
                               "this off";
      log_error("openflow: " + fd.error().message + "; retrying every " +
                num(static_cast<uint64_t>(options_.listen_retry.count() / 1000)) + " s (" + hint +
                ")");
      l.failure_logged = true;
    }
    l.next_try = Clock::now() + options_.listen_retry;
    return;
  }
  l.fd = *fd;
  l.failure_logged = false;
  if (l.kind == Listener::Kind::kTcp) {
    port_ = local_port(l.fd);
    log_info("openflow: listening for OpenFlow 1.3 clients on " + where(l) +
             " (unauthenticated: any local user can connect; no port messages)");
  } else {
    unix_up_ = true;
    log_info("openflow: listening for OpenFlow 1.3 clients on " + where(l) + " (root and uid " +
             num(::geteuid()) + " only)");
  }
}

void OfEndpoint::close_listener(Listener& l) {
  if (l.fd < 0) return;
  if (l.kind == Listener::Kind::kUnix) {
    remove_unix_listener(options_.unix_path, UnixListener{l.fd, l.inode});
    unix_up_ = false;
  } else {
    port_ = 0;
  }
  ::close(l.fd);
  l.fd = -1;
}

void OfEndpoint::try_connect_relay() {
  auto r = relay_.connect(std::chrono::milliseconds(0));
  if (!r) {
    if (!waiting_logged_) {
      log_info("openflow: waiting for the dataplane before taking OpenFlow clients: " +
               r.error().message);
      waiting_logged_ = true;
    }
    next_connect_ = Clock::now() + options_.connect_retry;
    return;
  }
  waiting_logged_ = false;
  relay_up_ = true;
  ++counters_.relay_connects;
  log_info("openflow: relaying to the dataplane on channel '" + options_.channel +
           "' (generation " + num(relay_.generation()) + ")");
}

int64_t OfEndpoint::poll_timeout_us() {
  // No dataplane, or no clients: a new connection wakes poll() itself; otherwise only
  // asynchronous messages need draining and the channel a heartbeat now and then.
  if (!relay_.connected()) return kQuietWaitMs * 1000;
  if (relay_backlog_) return 0;  // the last pass left messages in the channel
  for (const auto& [id, c] : clients_) {
    if (c->has_message() && !c->backed_up()) return 0;  // requests left from the last pass
  }
  if (clients_.empty()) return kQuietWaitMs * 1000;
  // Replies are awaited: nothing wakes poll() when the channel gets one, so look again soon
  // (a client waiting for each barrier would otherwise wait a millisecond per request).
  if (relay_.in_flight() > 0) return kAwaitReplyUs;
  idle_ms_ = busy_ ? 1 : std::min(idle_ms_ * 2, kMaxIdleWaitMs);
  return int64_t{idle_ms_} * 1000;
}

void OfEndpoint::poll_sockets(int64_t timeout_us) {
  std::vector<pollfd> fds;
  std::vector<OfConnection*> conns;
  fds.push_back(pollfd{wake_[0], POLLIN, 0});
  const bool take_clients = relay_.connected() && clients_.size() < options_.max_clients;
  for (const Listener& l : listeners_) {
    fds.push_back(pollfd{take_clients ? l.fd : -1, POLLIN, 0});
  }
  const size_t first_client = fds.size();
  for (auto& [id, c] : clients_) {
    short events = 0;
    if (!c->backed_up() && c->wants_input()) events |= POLLIN;
    if (c->queued() > 0) events |= POLLOUT;
    fds.push_back(pollfd{c->fd(), events, 0});
    conns.push_back(c.get());
  }
  const timespec wait{static_cast<time_t>(timeout_us / 1000000),
                      static_cast<long>(timeout_us % 1000000) * 1000};
  if (::ppoll(fds.data(), fds.size(), &wait, nullptr) < 0) return;  // EINTR: go round again
  if ((fds[0].revents & POLLIN) != 0) {
    char buf[64];
    while (::read(wake_[0], buf, sizeof buf) > 0) {
    }
  }
  for (size_t i = 0; i < listeners_.size(); ++i) {
    if ((fds[i + 1].revents & POLLIN) != 0) accept_clients(listeners_[i]);
  }
  for (size_t i = 0; i < conns.size(); ++i) {
    OfConnection& c = *conns[i];
    const pollfd& p = fds[first_client + i];
    const short rev = p.revents;
    if ((rev & (POLLIN | POLLHUP | POLLERR)) != 0 && (p.events & POLLIN) != 0) {
      const auto status = c.read();
      if (status != OfConnection::ReadStatus::kOk) {
        const std::string why = status == OfConnection::ReadStatus::kClosed
                                    ? "closed by the client"
                                    : std::string("read failed: ") + std::strerror(errno);
        service_client(c);  // what it sent before closing still counts
        close_client(c.id(), why);
        continue;
      }
    } else if ((rev & (POLLHUP | POLLERR)) != 0) {
      close_client(c.id(), "connection reset");
      continue;
    }
    service_client(c);
  }
}

void OfEndpoint::accept_clients(Listener& l) {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int fd =
        ::accept4(l.fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log_warn(std::string("openflow: accept failed on ") + where(l) + ": " +
                 std::strerror(errno));
      }
      return;
    }
    std::string peer;
    if (!admit(l, fd, ss, peer)) {
      ::close(fd);
      continue;
    }
    const uint64_t id = next_id_++;
    auto conn = std::make_unique<OfConnection>(fd, id, peer, options_.limits);
    roles_.add(id);
    ++counters_.connections;
    ++counters_.clients;
    log_info("openflow: client " + num(id) + " connected from " + peer);
    of::Bytes hello;
    of::encode_hello_versions(0, 1u << of::kVersion, hello);
    send_to(*conn, hello);
    clients_.emplace(id, std::move(conn));
    busy_ = true;
  }
}

bool OfEndpoint::admit(const Listener& l, int fd, const sockaddr_storage& ss, std::string& peer) {
  if (l.kind == Listener::Kind::kUnix) {
    auto cred = peer_credentials(fd);
    peer = cred ? "unix:pid=" + num(static_cast<uint64_t>(cred->pid)) + ",uid=" + num(cred->uid)
                : "unix:?";
    if (!cred || !unix_peer_allowed(*cred, ::geteuid())) {
      ++counters_.peers_refused;
      log_warn(
          "openflow: refusing " + peer + " on " + where(l) + ": " +
          (cred ? "only root and uid " + num(::geteuid()) + " may connect" : cred.error().message));
      return false;
    }
  } else {
    peer = peer_name(ss);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (clients_.size() >= options_.max_clients) {
    log_warn("openflow: refusing " + peer + ": " + num(clients_.size()) +
             " clients are connected, the most allowed");
    return false;
  }
  return true;
}

// A client that never says HELLO, or goes silent and does not answer an echo probe, is
// closed: silent connections must not hold the max_clients places.
void OfEndpoint::check_timeouts(Clock::time_point now) {
  for (auto& [id, c] : clients_) {
    if (c->closing) continue;
    if (!c->hello_done) {
      if (now - c->connected_at >= options_.hello_timeout) {
        ++counters_.hello_timeouts;
        close_client(id, "no HELLO within " +
                             num(static_cast<uint64_t>(options_.hello_timeout.count())) + " ms");
      }
      continue;
    }
    // Not reading a backed-up client is our doing, not its silence.
    if (options_.probe_interval.count() <= 0 || c->backed_up()) continue;
    const auto silent = now - c->last_heard;
    if (c->probe_outstanding && silent >= 2 * options_.probe_interval) {
      ++counters_.echo_timeouts;
      close_client(id, "no answer to an echo request within " +
                           num(static_cast<uint64_t>(options_.probe_interval.count())) + " ms");
    } else if (!c->probe_outstanding && silent >= options_.probe_interval) {
      of::Bytes probe;
      of::encode_echo_request(next_probe_xid_++, {}, probe);
      c->probe_outstanding = true;
      ++counters_.echo_probes;
      send_to(*c, probe);
    }
  }
}

// ---- Client messages ---------------------------------------------------------------------------

void OfEndpoint::service_client(OfConnection& c) {
  for (size_t n = 0; n < kRequestsPerClientPass && !c.closing && !c.backed_up(); ++n) {
    if (!relay_.connected()) return;
    const auto frame = c.next(msg_);
    if (frame == OfConnection::Frame::kNone) return;
    if (frame == OfConnection::Frame::kBadLength) {
      ++counters_.framing_errors;
      close_client(c.id(), "a message header gave a length below 8 bytes");
      return;
    }
    busy_ = true;
    c.last_heard = Clock::now();
    c.probe_outstanding = false;
    if (!c.hello_done) {
      handle_hello(c, msg_);
    } else {
      handle_message(c, msg_);
    }
  }
}

void OfEndpoint::handle_hello(OfConnection& c, std::span<const uint8_t> msg) {
  auto v = of::decode_hello_versions(msg);
  std::string why;
  if (!v && msg[1] != static_cast<uint8_t>(of::MsgType::kHello)) {
    why = "its first message was not a HELLO";
  } else if (!v) {
    why = "its HELLO is malformed";
  } else if (!v->offers(of::kVersion)) {
    char offered[64];
    if (v->has_bitmap) {
      std::snprintf(offered, sizeof offered, "header version 0x%02x, version bitmap 0x%x",
                    v->header_version, v->bitmap);
    } else {
      std::snprintf(offered, sizeof offered, "version 0x%02x, no version bitmap",
                    v->header_version);
    }
    why = std::string("it does not offer OpenFlow 1.3 (") + offered + ")";
  }
  if (!why.empty()) {
    send_error(c, xid_of(msg), hello_failed("sluicectl speaks OpenFlow 1.3 (0x04) only; " + why));
    close_client(c.id(), "version negotiation failed: " + why);
    return;
  }
  c.hello_done = true;
}

void OfEndpoint::handle_message(OfConnection& c, std::vector<uint8_t>& msg) {
  const uint32_t xid = xid_of(msg);
  if (msg[0] != of::kVersion) {
    send_error(c, xid,
               of::make_error({of::ErrorType::kBadRequest, of::bad_request::kBadVersion, 0}, msg));
    return;
  }
  switch (static_cast<of::MsgType>(msg[1])) {
    case of::MsgType::kHello:
    case of::MsgType::kEchoReply:
      return;
    case of::MsgType::kEchoRequest: {
      msg[1] = static_cast<uint8_t>(of::MsgType::kEchoReply);  // same xid, same payload
      send_to(c, msg);
      ++counters_.answered_locally;
      return;
    }
    case of::MsgType::kRoleRequest:
      return handle_role_request(c, msg);
    case of::MsgType::kSetAsync: {
      // The endpoint is the switch its clients see: the configuration is per connection.
      auto cfg = of::decode_set_async(msg);
      if (!cfg) return send_error(c, xid, of::make_error(cfg.error(), msg));
      roles_.set_async(c.id(), *cfg);
      log_info("openflow: client " + num(c.id()) +
               " set its asynchronous configuration: " + of::format_async(*cfg));
      ++counters_.answered_locally;
      return;
    }
    case of::MsgType::kGetAsyncRequest: {
      if (auto ok = of::decode_empty(msg, of::MsgType::kGetAsyncRequest); !ok) {
        return send_error(c, xid, of::make_error(ok.error(), msg));
      }
      of::Bytes reply;
      of::encode_get_async_reply(xid, roles_.async(c.id()), reply);
      send_to(c, reply);
      ++counters_.answered_locally;
      return;
    }
    default:
      break;
  }
  relay_request(c, msg);
}

void OfEndpoint::relay_request(OfConnection& c, std::vector<uint8_t>& msg) {
  const uint32_t xid = xid_of(msg);
  if (is_sluice_experimenter(msg)) {
    ++counters_.port_messages_refused;
    log_info("openflow: client " + num(c.id()) + " (" + c.peer() +
             ") sent a Sluice port/switch message; refused: only the policy creates ports");
    send_error(c, xid,
               of::make_error({of::ErrorType::kBadRequest, of::bad_request::kEperm, 0}, msg));
    return;
  }
  if (!role_may_send(roles_.role(c.id()), msg)) {
    send_error(c, xid,
               of::make_error({of::ErrorType::kBadRequest, of::bad_request::kIsSlave, 0}, msg));
    return;
  }
  auto r = relay_.forward(c.id(), msg);
  if (!r) return relay_lost(r.error().message);
  if (*r == OfRelay::Forwarded::kOutOfBundles) {
    ++counters_.bundles_refused;
    send_error(c, xid,
               of::make_error({of::ErrorType::kExperimenter, of::bundle_failed::kOutOfBundles,
                               of::kOnfExperimenter},
                              msg));
    return;
  }
  ++counters_.to_dataplane;
}

void OfEndpoint::handle_role_request(OfConnection& c, std::span<const uint8_t> msg) {
  const uint32_t xid = xid_of(msg);
  auto req = of::decode_role_request(msg);
  if (!req) return send_error(c, xid, of::make_error(req.error(), msg));
  const of::ControllerRole before = roles_.role(c.id());
  RoleOutcome outcome = roles_.request(c.id(), *req);
  if (!outcome.reply) {
    log_info("openflow: client " + num(c.id()) + " asked for " + of::format_role(*req) +
             ": stale (the current generation_id is " + num(roles_.generation_id().value_or(0)) +
             ")");
    return send_error(c, xid, of::make_error(outcome.reply.error(), msg));
  }
  for (uint64_t other : outcome.demoted) {
    log_info("openflow: client " + num(other) + " is now SLAVE (client " + num(c.id()) +
             " became MASTER)");
  }
  if (outcome.reply->role != before) {
    log_info("openflow: client " + num(c.id()) + " is now " + of::role_name(outcome.reply->role) +
             " (generation_id " + num(outcome.reply->generation_id) + ")");
  }
  of::Bytes reply;
  of::encode_role_reply(xid, *outcome.reply, reply);
  send_to(c, reply);
  ++counters_.answered_locally;
}

// ---- Dataplane messages ------------------------------------------------------------------------

void OfEndpoint::service_relay() {
  auto n = relay_.receive(
      [this](uint64_t client, std::span<const uint8_t> msg) { deliver(client, msg); },
      kRepliesPerPass);
  if (!n) return relay_lost(n.error().message);
  if (*n > 0) busy_ = true;
  relay_backlog_ = *n == kRepliesPerPass;
}

void OfEndpoint::deliver(uint64_t client, std::span<const uint8_t> msg) {
  if (client == OfRelay::kEveryone) {
    for (auto& [id, c] : clients_) {
      if (!c->hello_done || !roles_.wants_async(id, msg)) continue;
      send_to(*c, msg);
      ++counters_.to_clients;
    }
    return;
  }
  auto it = clients_.find(client);
  if (it == clients_.end() || it->second->closing) {  // it left; the reply goes nowhere
    ++replies_for_gone_clients_;
    return;
  }
  send_to(*it->second, msg);
  ++counters_.to_clients;
}

// ---- Output and closing ------------------------------------------------------------------------

void OfEndpoint::send_to(OfConnection& c, std::span<const uint8_t> msg) {
  if (c.closing) return;
  if (c.queue(msg)) return;
  ++counters_.slow_reader_disconnects;
  close_client(c.id(), "not reading: " + num(c.queued()) + " bytes of output are waiting (limit " +
                           num(options_.limits.hard_limit) + ")");
}

void OfEndpoint::send_error(OfConnection& c, uint32_t xid, const of::ErrorMsg& e) {
  of::Bytes out;
  of::encode_error(xid, e, out);
  send_to(c, out);
  ++counters_.errors_sent;
  log_debug("openflow: client " + num(c.id()) + ": " + of::format_message(out));
}

void OfEndpoint::close_client(uint64_t id, const std::string& why) {
  auto it = clients_.find(id);
  if (it == clients_.end() || it->second->closing) return;
  it->second->closing = true;
  to_close_.emplace_back(id, why);
}

void OfEndpoint::close_pending() {
  while (!to_close_.empty()) {
    // relay_lost() below closes every client: it adds to the list, so take a batch at a time.
    const auto batch = std::move(to_close_);
    to_close_.clear();
    std::optional<std::string> lost;
    for (const auto& [id, why] : batch) {
      auto it = clients_.find(id);
      if (it == clients_.end()) continue;
      OfConnection& c = *it->second;
      c.flush();  // a last error (HELLO_FAILED ...) still goes out if the socket takes it
      log_info("openflow: client " + num(id) + " (" + c.peer() + ") disconnected: " + why + "; " +
               num(c.messages_in) + " messages in, " + num(c.messages_out) + " out");
      roles_.remove(id);
      clients_.erase(it);
      --counters_.clients;
      auto discarded = relay_.client_gone(id);
      if (!discarded) {
        lost = discarded.error().message;
        continue;
      }
      counters_.bundles_discarded += *discarded;
      if (*discarded > 0) {
        log_info("openflow: discarded " + num(*discarded) + " bundle(s) client " + num(id) +
                 " left open");
      }
    }
    if (lost) relay_lost(*lost);
  }
}

void OfEndpoint::relay_lost(const std::string& why) {
  if (!relay_.connected()) return;
  relay_.disconnect();
  relay_up_ = false;
  log_warn("openflow: dataplane connection lost: " + why + "; closing " + num(clients_.size()) +
           " OpenFlow client(s) and reconnecting");
  for (auto& [id, c] : clients_) close_client(id, "the dataplane went away");
  next_connect_ = Clock::now();
}

void OfEndpoint::flush_clients() {
  for (auto& [id, c] : clients_) {
    if (c->queued() > 0 && !c->flush()) {
      close_client(id, std::string("write failed: ") + std::strerror(errno));
    }
  }
}

void OfEndpoint::log_stats(bool always) {
  const OfEndpointStats s = stats();
  if (!always && s == last_logged_) return;
  last_logged_ = s;
  log_info("openflow: " + num(s.clients) + " client(s) connected, " + num(s.connections) +
           " connections, " + num(s.to_dataplane) + " messages to the dataplane, " +
           num(s.to_clients) + " to clients, " + num(s.answered_locally) + " answered locally, " +
           num(s.errors_sent) + " errors sent, " + num(s.slow_reader_disconnects) +
           " slow-reader disconnects, " + num(s.framing_errors) + " framing errors, " +
           num(s.unmatched_replies) + " unmatched replies, " + num(s.expired_requests) +
           " expired requests, " + num(s.port_messages_refused) + " port messages refused, " +
           num(s.peers_refused) + " Unix peers refused, " + num(s.hello_timeouts) +
           " HELLO timeouts, " + num(s.echo_probes) + " echo probes, " + num(s.echo_timeouts) +
           " echo timeouts, " + num(s.bundles_refused) + " bundles refused, " +
           num(s.bundles_discarded) + " bundles discarded");
}

}  // namespace sluice::cp
