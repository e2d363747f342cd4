// OfEndpoint: `sluicectl run`'s OpenFlow 1.3 endpoint, so that ordinary OpenFlow tools
// (ovs-ofctl -O OpenFlow13, controllers) can read and program the dataplane.
//
// It listens on a Unix socket (the default way for local tools: mode 0600, and every peer's
// credentials are checked with SO_PEERCRED: root or sluicectl's own user, anyone else is
// refused, logged and counted) and on loopback TCP (unauthenticated: any local user can reach
// it). Both kinds of client share everything below.
//
// It runs on a thread of its own: one poll() loop over the listening sockets and every client
// (non-blocking sockets), and over the dataplane channel (OfRelay, its own channel slot).
//   - Each client gets our HELLO (version bitmap: 1.3 only); its HELLO must offer 1.3
//     (bitmap, or a header version >= 1.3), else it gets HELLO_FAILED/INCOMPATIBLE and is
//     closed. One that has not said HELLO within hello_timeout is closed (counted).
//   - A client silent for probe_interval gets an ECHO_REQUEST; if nothing at all comes from it
//     within another probe_interval it is closed (counted), so silent connections cannot hold
//     the max_clients places.
//   - ECHO_REQUEST is answered here; ROLE_REQUEST is handled here (of_roles.h).
//   - Sluice's experimenter messages (PORT_ADD/DEL/SET, SWITCH_CONFIG) are the policy's: only
//     the policy session's own channel slot sends them. Here they get
//     OFPET_BAD_REQUEST/OFPBRC_EPERM and go nowhere (counted).
//   - Everything else goes to the dataplane, in order, with its xid and bundle id rewritten
//     (OfRelay); the replies come back to their client with the client's. Asynchronous
//     messages go to every client whose role wants them. A client's bundles are its own; the
//     ones it leaves open when it goes are discarded; a 17th open one is refused here with the
//     ONF bundle error OUT_OF_BUNDLES (counted).
//   - A client whose output passes ConnectionLimits::hard_limit is not reading: it is
//     disconnected (logged, counted), so it never holds up the relay.
//   - A header length < 8 cannot be framed: the connection is closed (counted).
// The dataplane going away or restarting closes every client (what they knew of the switch is
// gone; they reconnect as from a restarted switch) and the relay reconnects. While there is
// no dataplane, connections wait in the listen backlog and are taken when it is back.
// A listen failure (port in use, a socket file that is not ours) is logged and retried every
// few seconds; it never stops the policy controller.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/of_connection.h"
#include "controlplane/of_listen.h"
#include "controlplane/of_relay.h"
#include "controlplane/of_roles.h"

namespace sluice::cp {

struct OfEndpointOptions {
  std::optional<ListenAddress> listen = ListenAddress{};  // TCP; nothing: no TCP endpoint
  std::string unix_path;                                  // empty: no Unix socket endpoint
  std::string channel = "sluice";
  size_t max_clients = 64;
  ConnectionLimits limits;
  std::chrono::milliseconds connect_retry{1000};
  std::chrono::milliseconds listen_retry{5000};
  std::chrono::milliseconds hello_timeout{5000};   // from connect to the client's HELLO
  std::chrono::milliseconds probe_interval{5000};  // silence before an echo probe; 0: none
  std::chrono::seconds stats_interval{60};         // a counters line in the log, when they changed
};

// Counters (all since start). Read from any thread.
struct OfEndpointStats {
  uint64_t clients = 0;           // connected now
  uint64_t connections = 0;       // accepted in total
  uint64_t to_dataplane = 0;      // client messages relayed to the dataplane
  uint64_t to_clients = 0;        // dataplane messages relayed to clients (async: per copy)
  uint64_t answered_locally = 0;  // ECHO and ROLE replies from the endpoint itself
  uint64_t errors_sent = 0;       // ERRORs from the endpoint (IS_SLAVE, STALE, HELLO_FAILED..)
  uint64_t slow_reader_disconnects = 0;  // clients dropped for not reading their replies
  uint64_t framing_errors = 0;           // clients dropped for a header length < 8
  uint64_t unmatched_replies = 0;        // replies for a client that left, or for no request
  uint64_t expired_requests = 0;         // requests forgotten unanswered (in-flight bound)
  uint64_t relay_connects = 0;           // times the relay (re)connected to the dataplane
  uint64_t in_flight = 0;                // requests waiting for a reply now
  uint64_t port_messages_refused = 0;    // Sluice experimenter messages answered EPERM
  uint64_t peers_refused = 0;            // Unix socket peers of another user, closed at once
  uint64_t hello_timeouts = 0;           // clients closed for no HELLO within hello_timeout
  uint64_t echo_probes = 0;              // ECHO_REQUESTs sent to silent clients
  uint64_t echo_timeouts = 0;            // clients closed for not answering a probe
  uint64_t bundles_refused = 0;          // OUT_OF_BUNDLES answered (per-client cap)
  uint64_t bundles_discarded = 0;        // bundles left open by clients that went away
  friend bool operator==(const OfEndpointStats&, const OfEndpointStats&) = default;
};

class OfEndpoint {
 public:
  explicit OfEndpoint(OfEndpointOptions options);
  ~OfEndpoint();  // stops the thread
  OfEndpoint(const OfEndpoint&) = delete;
  OfEndpoint& operator=(const OfEndpoint&) = delete;

  // Tries to listen at once (a failure is logged and retried by the thread) and starts the
  // thread.
  void start();
  void stop();

  // The TCP port actually listened on (useful with port 0), 0 while not listening.
  uint16_t port() const noexcept { return port_.load(); }
  // True while the Unix socket endpoint listens.
  bool unix_listening() const noexcept { return unix_up_.load(); }
  // True while the relay holds a channel slot.
  bool relay_connected() const noexcept { return relay_up_.load(); }
  OfEndpointStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Counters {
    std::atomic<uint64_t> clients{0}, connections{0}, to_dataplane{0}, to_clients{0},
        answered_locally{0}, errors_sent{0}, slow_reader_disconnects{0}, framing_errors{0},
        unmatched_replies{0}, expired_requests{0}, relay_connects{0}, in_flight{0},
        port_messages_refused{0}, peers_refused{0}, hello_timeouts{0}, echo_probes{0},
        echo_timeouts{0}, bundles_refused{0}, bundles_discarded{0};
  };
  struct Listener {
    enum class Kind { kTcp, kUnix } kind;
    int fd = -1;
    uint64_t inode = 0;  // of a Unix socket's file
    Clock::time_point next_try{};
    bool failure_logged = false;
  };

  void loop();
  void try_listen(Listener& l);
  void close_listener(Listener& l);
  std::string where(const Listener& l) const;
  void try_connect_relay();
  // How long the next poll may wait, in microseconds.
  int64_t poll_timeout_us();
  void poll_sockets(int64_t timeout_us);
  void accept_clients(Listener& l);
  // Takes a new connection; false if it is refused (the caller closes 'fd').
  bool admit(const Listener& l, int fd, const sockaddr_storage& ss, std::string& peer);
  void check_timeouts(Clock::time_point now);
  void service_client(OfConnection& c);
  void handle_hello(OfConnection& c, std::span<const uint8_t> msg);
  void handle_message(OfConnection& c, std::vector<uint8_t>& msg);
  void handle_role_request(OfConnection& c, std::span<const uint8_t> msg);
  void relay_request(OfConnection& c, std::vector<uint8_t>& msg);
  void service_relay();
  void deliver(uint64_t client, std::span<const uint8_t> msg);
  void send_to(OfConnection& c, std::span<const uint8_t> msg);
  void send_error(OfConnection& c, uint32_t xid, const of::ErrorMsg& e);
  void close_client(uint64_t id, const std::string& why);
  void close_all(const std::string& why);
  void close_pending();
  void relay_lost(const std::string& why);
  void flush_clients();
  void log_stats(bool always);

  OfEndpointOptions options_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  int wake_[2] = {-1, -1};  // stop() writes to wake_[1]
  std::vector<Listener> listeners_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> unix_up_{false};
  std::atomic<bool> relay_up_{false};
  Clock::time_point next_connect_{}, next_stats_{};
  bool waiting_logged_ = false;
  uint32_t next_probe_xid_ = 0x5c000000;  // the endpoint's own ECHO_REQUESTs

  OfRelay relay_;
  RoleTable roles_;
  std::map<uint64_t, std::unique_ptr<OfConnection>> clients_;
  std::vector<std::pair<uint64_t, std::string>> to_close_;  // closed after the current pass
  uint64_t next_id_ = 1;
  bool busy_ = false;           // the last iteration moved messages
  bool relay_backlog_ = false;  // the last pass stopped at kRepliesPerPass
  int idle_ms_ = 1;
  uint64_t replies_for_gone_clients_ = 0;
  std::vector<uint8_t> msg_;
  Counters counters_;
  OfEndpointStats last_logged_{};
};

}  // namespace sluice::cp
