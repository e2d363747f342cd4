#include "controlplane/firewall_punts.h"

#include <algorithm>

#include "controlplane/compiler.h"
#include "controlplane/log.h"
#include "openflow/codec.h"
#include "openflow/firewall.h"
#include "openflow/firewall_reply.h"

namespace sluice::cp {

namespace fw = of::firewall;

namespace {

std::string ipv4_text(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string(a >> 16 & 0xff) + "." +
         std::to_string(a >> 8 & 0xff) + "." + std::to_string(a & 0xff);
}

// A JSON string literal of 's' (names are validated, but the log must stay JSON whatever).
std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string tcp_flags_text(uint8_t flags) {
  static constexpr char kLetters[] = "FSRPAUEC";  // bit 0 (FIN) to bit 7 (CWR)
  std::string out;
  for (int bit = 0; bit < 8; ++bit) {
    if ((flags >> bit & 1) != 0) out += kLetters[bit];
  }
  return out;
}

const char* action_name(FwAction a) {
  switch (a) {
    case FwAction::kAllow:
      return "allow";
    case FwAction::kDeny:
      return "deny";
    case FwAction::kReject:
      return "reject";
  }
  return "?";
}

const char* reply_name(fw::RejectReply::Kind kind) {
  switch (kind) {
    case fw::RejectReply::Kind::kNone:
      return "none";
    case fw::RejectReply::Kind::kTcpReset:
      return "tcp-reset";
    case fw::RejectReply::Kind::kIcmpPortUnreachable:
      return "icmp-port-unreachable";
    case fw::RejectReply::Kind::kIcmpProhibited:
      return "icmp-admin-prohibited";
  }
  return "?";
}

// The packet's part of a flow-log line: ,"proto":"tcp","src":...,"dport":80,"tcp_flags":"S"
std::string packet_fields(const std::optional<fw::PacketSummary>& s) {
  if (!s) return R"(,"proto":"unknown")";
  std::string out;
  switch (s->proto) {
    case 6:
      out = R"(,"proto":"tcp")";
      break;
    case 17:
      out = R"(,"proto":"udp")";
      break;
    case 1:
      out = R"(,"proto":"icmp")";
      break;
    default:
      out = ",\"proto\":" + std::to_string(s->proto);
  }
  out += ",\"src\":\"" + ipv4_text(s->src) + "\",\"dst\":\"" + ipv4_text(s->dst) + "\"";
  if (!s->first_fragment) return out + R"(,"fragment":true)";
  if (s->proto == 6 || s->proto == 17) {
    out += ",\"sport\":" + std::to_string(s->src_port) + ",\"dport\":" + std::to_string(s->dst_port);
  }
  if (s->proto == 6) out += ",\"tcp_flags\":\"" + tcp_flags_text(s->tcp_flags) + "\"";
  if (s->proto == 1) {
    out += ",\"icmp_type\":" + std::to_string(s->icmp_type) +
           ",\"icmp_code\":" + std::to_string(s->icmp_code);
  }
  return out;
}

}  // namespace

bool RateLimit::take(Clock::time_point now) {
  if (last_) {
    const double seconds = std::chrono::duration<double>(now - *last_).count();
    tokens_ = std::min(burst_, tokens_ + std::max(0.0, seconds) * rate_);
  }
  last_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  ++held_back_;
  return false;
}

FirewallPunts::FirewallPunts(const Policy& policy, const PuntOptions& options)
    : options_(options),
      reject_limit_(options.rejects_per_second, options.rejects_per_second),
      log_limit_(options.log_lines_per_second, options.log_lines_per_second) {
  update(policy);
}

void FirewallPunts::update(const Policy& policy) {
  rules_.clear();
  ports_.clear();
  networks_.clear();
  if (policy.firewall.present) {
    for (const FirewallRule& r : policy.firewall.value.rules.value) {
      rules_.push_back(RuleInfo{r.id.value, r.action.value});
    }
  }
  const std::vector<uint32_t> numbers = assign_port_numbers(policy);
  for (size_t i = 0; i < policy.ports.value.size(); ++i) {
    const PortSpec& p = policy.ports.value[i];
    ports_[numbers[i]] = PortInfo{p.name.value, p};
  }
  for (const Network& n : policy.networks.value) {
    networks_[static_cast<uint16_t>(n.vlan.value)] = n.name.value;
  }
}

std::optional<PuntReply> FirewallPunts::handle(std::span<const uint8_t> msg, Clock::time_point now,
                                               std::chrono::system_clock::time_point wall) {
  of::PacketIn pi;
  auto frame = of::decode_packet_in(msg, pi);
  if (!frame) {
    ++counters_.undecodable;
    return std::nullopt;
  }
  const auto info = fw::parse_cookie(pi.cookie);
  const bool rejects = info && info->kind == fw::Kind::kReject;
  if (!info || (!rejects && !(info->kind == fw::Kind::kCheck && info->log)) || info->number == 0 ||
      info->number > rules_.size()) {
    ++counters_.not_firewall;
    return std::nullopt;
  }
  ++counters_.punts;
  const RuleInfo& rule = rules_[info->number - 1];
  const uint32_t in_port = pi.match.in_port;
  const auto vlan = static_cast<uint16_t>(pi.match.metadata & 0xfff);
  const auto port = ports_.find(in_port);

  std::optional<PuntReply> reply;
  std::string reply_text;  // the log line's "reply" field for a rejecting rule
  if (rejects) {
    fw::RejectReply r = fw::reject_reply(*frame);
    if (r.kind == fw::RejectReply::Kind::kNone || port == ports_.end()) {
      ++counters_.rejects_unanswered;
      reply_text = std::string(",\"reply\":\"none\",\"why\":") +
                   json_quote(port == ports_.end() ? "an unknown port" : r.why);
    } else if (!reject_limit_.take(now)) {
      ++counters_.rejects_rate_limited;
      reply_text = R"(,"reply":"rate-limited")";
    } else {
      ++counters_.rejects_sent;
      reply_text = std::string(",\"reply\":\"") + reply_name(r.kind) + "\"";
      reply.emplace();
      reply->packet_out.in_port = of::port_no::kController;
      reply->packet_out.actions = egress_actions(port->second.spec, in_port, vlan);
      reply->frame = std::move(r.frame);
    }
  }
  if (info->log && options_.flow_log != nullptr) {
    if (!log_limit_.take(now)) {
      ++counters_.log_lines_rate_limited;
    } else {
      const auto net = networks_.find(vlan);
      std::string line = "{\"time\":\"" + utc_timestamp(wall) + "\",\"event\":\"connection\"" +
                         ",\"rule\":" + json_quote(rule.id) + ",\"action\":\"" +
                         action_name(rule.action) + "\",\"network\":" +
                         json_quote(net != networks_.end() ? net->second : "") +
                         ",\"vlan\":" + std::to_string(vlan) + ",\"in_port\":" +
                         json_quote(port != ports_.end() ? port->second.name
                                                         : std::to_string(in_port)) +
                         packet_fields(fw::summarize(*frame)) + reply_text + "}\n";
      write_log(line);
      ++counters_.log_lines;
    }
  }
  return reply;
}

void FirewallPunts::flush_suppressed(std::chrono::system_clock::time_point wall) {
  const uint64_t held = counters_.log_lines_rate_limited;
  if (held == log_suppressed_reported_ || options_.flow_log == nullptr) return;
  write_log("{\"time\":\"" + utc_timestamp(wall) + "\",\"event\":\"suppressed\",\"lines\":" +
            std::to_string(held - log_suppressed_reported_) + ",\"per_second\":" +
            std::to_string(static_cast<uint64_t>(options_.log_lines_per_second)) + "}\n");
  log_suppressed_reported_ = held;
}

void FirewallPunts::write_log(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), options_.flow_log);
  std::fflush(options_.flow_log);
}

}  // namespace sluice::cp
