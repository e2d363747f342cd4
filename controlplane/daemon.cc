#include "controlplane/daemon.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "controlplane/compiler.h"
#include "controlplane/file_watch.h"
#include "controlplane/firewall_punts.h"
#include "controlplane/log.h"
#include "controlplane/policy_loader.h"
#include "controlplane/session.h"
#include "controlplane/sync.h"

namespace sluice::cp {

namespace {

// Set by signal handlers, read by the daemon's loop (which tests run on another thread): a
// lock-free atomic is safe in both places, where volatile sig_atomic_t is not across threads.
std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void on_signal(int sig) {
  if (sig == SIGHUP) {
    g_reload.store(true);
  } else {
    g_stop.store(true);
  }
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGHUP, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Sleeps up to 'd', waking early when a signal asks for something.
void nap(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!g_stop && !g_reload && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

class Daemon {
 public:
  explicit Daemon(const DaemonOptions& options) : options_(options), watch_(options.policy_path) {}

  int run() {
    if (!open_flow_log()) return 1;
    if (!load()) return 1;
    while (!g_stop) {
      if (!session_ && !connect()) continue;
      if (needs_sync_ && !sync()) {
        drop_session("sync failed");
        continue;
      }
      idle();
    }
    log_info("stopping (installed state stays in the dataplane)");
    return 0;
  }

 private:
  // Loads the policy file into desired_. False (errors printed) if it is not valid.
  bool load() {
    Policy policy;
    const auto errors = load_and_validate(options_.policy_path, policy);
    if (!errors.empty()) {
      for (const ConfigError& e : errors) {
        log_error(format_config_error(options_.policy_path, e));
      }
      log_error("policy " + options_.policy_path + " has " + std::to_string(errors.size()) +
                " error(s); " + (desired_ ? "keeping the running policy" : "nothing applied"));
      return false;
    }
    desired_ = compile(policy);
    if (punts_) {
      punts_->update(policy);
    } else {
      PuntOptions o;
      o.rejects_per_second = options_.rejects_per_second;
      o.log_lines_per_second = options_.flow_log_per_second;
      o.flow_log = flow_log_;
      punts_.emplace(policy, o);
    }
    return true;
  }

  bool open_flow_log() {
    if (options_.flow_log.empty()) return true;
    if (options_.flow_log == "-") {
      flow_log_ = stdout;
      return true;
    }
    // Appended to; created 0640 if new (it names tenants' connections); not through a symlink.
    const int fd = ::open(options_.flow_log.c_str(),
                          O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    flow_log_ = fd >= 0 ? ::fdopen(fd, "a") : nullptr;
    if (flow_log_ == nullptr) {
      if (fd >= 0) ::close(fd);
      log_error("cannot open the flow log " + options_.flow_log + ": " + std::strerror(errno));
      return false;
    }
    owned_log_.reset(flow_log_);
    return true;
  }

  // A PACKET_IN: the firewall's punts get their answer and their log line.
  void on_packet_in(const of::Bytes& msg) {
    auto reply = punts_->handle(msg, std::chrono::steady_clock::now(),
                                std::chrono::system_clock::now());
    if (!reply) return;
    if (auto r = session_->packet_out(reply->packet_out, reply->frame); !r) {
      log_warn("sending a firewall reject: " + r.error().message);
    }
  }

  // Once a second: what the rate limits held back since the last time.
  void report_rate_limits() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_report_) return;
    next_report_ = now + std::chrono::seconds(1);
    punts_->flush_suppressed(std::chrono::system_clock::now());
    const uint64_t held = punts_->counters().rejects_rate_limited;
    if (held != rejects_held_reported_) {
      log_warn("firewall rejects over " + std::to_string(options_.rejects_per_second) +
               "/s: " + std::to_string(held - rejects_held_reported_) +
               " punted packet(s) dropped without an answer");
      rejects_held_reported_ = held;
    }
  }

  bool connect() {
    auto t = ChannelTransport::connect(options_.channel, options_.connect_retry);
    if (!t) {
      if (!waiting_logged_) {
        log_info("waiting for the dataplane on channel '" + options_.channel +
                 "': " + t.error().message);
        waiting_logged_ = true;
      }
      nap(options_.connect_retry / 4);
      return false;
    }
    waiting_logged_ = false;
    session_.emplace(std::move(*t));
    session_->on_packet_in([this](const of::Bytes& msg) { on_packet_in(msg); });
    auto features = session_->handshake();
    if (!features) {
      drop_session("handshake failed: " + features.error().message);
      return false;
    }
    const uint64_t generation = session_->transport().generation();
    if (generation != generation_) previous_.reset();  // a new dataplane knows nothing of us
    generation_ = generation;
    log_info("connected to the dataplane on channel '" + options_.channel + "' (datapath " +
             std::to_string(features->datapath_id) + ", generation " + std::to_string(generation) +
             ")");
    needs_sync_ = true;
    return true;
  }

  void drop_session(const std::string& why) {
    log_warn("dataplane connection lost: " + why + "; reconnecting");
    session_.reset();
    needs_sync_ = true;
    nap(options_.connect_retry / 4);
  }

  bool sync() {
    auto applied = apply_policy(*session_, *desired_, previous_ ? &*previous_ : nullptr);
    if (!applied) {
      log_error("applying policy " + options_.policy_path + ": " + applied.error().message);
      return false;
    }
    for (const std::string& e : applied->errors) log_error("dataplane refused: " + e);
    log_info("applied policy " + options_.policy_path + ": " + applied->summary.to_string() +
             (applied->errors.empty()
                  ? ""
                  : ", " + std::to_string(applied->errors.size()) + " error(s)"));
    previous_ = *desired_;
    needs_sync_ = false;
    return true;
  }

  // Watches the policy file every poll_interval, and the dataplane's messages and its liveness
  // every liveness_interval (often, and whatever --poll-ms says, so that a
  // lost dataplane is noticed within a second).
  void idle() {
    auto next_poll = std::chrono::steady_clock::now();
    while (!g_stop) {
      if (g_reload) {
        g_reload.store(false);
        log_info("SIGHUP: reloading " + options_.policy_path);
        reload();
        if (needs_sync_) return;
      }
      Transport& t = session_->transport();
      t.heartbeat();
      if (!t.alive()) return drop_session("the dataplane stopped answering");
      if (t.generation() != generation_) {
        previous_.reset();
        return drop_session("the dataplane restarted");
      }
      if (std::chrono::steady_clock::now() >= next_poll) {
        next_poll = std::chrono::steady_clock::now() + options_.poll_interval;
        if (watch_.changed()) {
          log_info("policy file changed: reloading " + options_.policy_path);
          reload();
          if (needs_sync_) return;
        }
      }
      // Every pass (at most liveness_interval apart): a reject's answer must not wait long.
      if (auto r = session_->poll_idle(); !r) return drop_session(r.error().message);
      report_rate_limits();
      nap(std::min(options_.poll_interval, options_.liveness_interval));
    }
  }

  void reload() {
    if (load()) needs_sync_ = true;
  }

  const DaemonOptions& options_;
  FileWatch watch_;
  std::optional<DesiredState> desired_;
  std::optional<DesiredState> previous_;  // what this dataplane got from us last
  std::optional<Session> session_;
  uint64_t generation_ = 0;
  bool needs_sync_ = true;
  bool waiting_logged_ = false;
  std::FILE* flow_log_ = nullptr;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned_log_{nullptr, &std::fclose};
  std::optional<FirewallPunts> punts_;
  std::chrono::steady_clock::time_point next_report_{};
  uint64_t rejects_held_reported_ = 0;
};

}  // namespace

int run_daemon(const DaemonOptions& options) {
  g_stop = false;  // a signal from an earlier run in this process (tests) is spent
  g_reload = false;
  install_signal_handlers();
  log_info("sluicectl run: policy " + options.policy_path + ", channel '" + options.channel + "'");
  std::optional<OfEndpoint> endpoint;
  if (options.openflow) {
    endpoint.emplace(*options.openflow);
    endpoint->start();
  }
  const int rc = Daemon(options).run();
  if (endpoint) endpoint->stop();
  return rc;
}

}  // namespace sluice::cp
