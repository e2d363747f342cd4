"""The YAML firewall (security groups and rules, compiled by sluicectl to conntrack flows in tables
30 and 31) between Linux hosts in network namespaces, all on one VLAN (east-west traffic on the
same VLAN and host is filtered too).

web1 10.103.0.1 (label tier=web), db1 10.103.0.2 (group db by name) and ops1 10.103.0.3 (in no
group) on af_packet ports with port security. The rules, in order:

    web-db      web -> db   tcp 5432, 8000-8080   allow
    dns         any -> db   udp 53                allow
    ping        any -> any  icmp type 8           allow
    no-ssh      any -> db   tcp 22                deny
    (default deny for the network)

Checked: allowed TCP and UDP flows pass with their replies (no rule for those); denied ones are
blocked and counted under their rule in `sluicectl show rules`, or under the network's default;
db1 cannot open connections to web1; a source address that is not the VM's is dropped by port
security before the firewall; a forged out-of-window RST does not kill a live iperf3 stream and
is counted invalid; a policy reload during two iperf3 streams keeps the still-allowed one (every
interval carries data, no retransmissions) and cuts the revoked one. Another switch with reject
and log rules answers for a listening server (a RST for TCP, ICMP port unreachable for UDP: the
clients see "connection refused", the server sees nothing) and writes the flow log's JSON lines
(one per connection an allow rule admits, one per attempt a deny turns away). A second switch with a
16-connection table shows the table-full case: new connections are refused and counted while an
established iperf3 stream goes on.
"""

import json
import re
import subprocess
import time
import unittest

import sluice_harness as h

VLAN = 100
RULES = [
    {"id": "web-db", "from": "web", "to": "db", "protocol": "tcp", "ports": [5432, "8000-8080"],
     "action": "allow"},
    {"id": "dns", "from": "any", "to": "db", "protocol": "udp", "ports": [53], "action": "allow"},
    {"id": "ping", "from": "any", "to": "any", "protocol": "icmp", "icmp": {"type": 8},
     "action": "allow"},
    {"id": "no-ssh", "from": "any", "to": "db", "protocol": "tcp", "ports": [22], "action": "deny"},
]

# A UDP echo server: answers every datagram with its payload (argv: port).
UDP_ECHO = (
    "import socket, sys\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('0.0.0.0', int(sys.argv[1])))\n"
    "while True:\n"
    "    data, peer = s.recvfrom(2048)\n"
    "    s.sendto(data, peer)\n"
)

# Sends one datagram and waits for the echo (argv: host, port); exit 0 if it came back.
UDP_ASK = (
    "import socket, sys\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.settimeout(1.5)\n"
    "for _ in range(3):\n"
    "    s.sendto(b'hello sluice', (sys.argv[1], int(sys.argv[2])))\n"
    "    try:\n"
    "        if s.recvfrom(2048)[0] == b'hello sluice': sys.exit(0)\n"
    "    except socket.timeout:\n"
    "        pass\n"
    "sys.exit(1)\n"
)

# Inside the server's namespace: waits for one of its segments on the connection to
# (client, cport), then sends 'count' RSTs of that connection whose sequence number is half the
# sequence space away from the real one (outside any window). argv: iface, sport, client, cport,
# count. Prints the real and forged sequence numbers.
FORGE_RST = (
    "import sys\n"
    "from scapy.all import Ether, IP, TCP, sniff, sendp, conf\n"
    "conf.verb = 0\n"
    "iface, sport, client, cport, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], "
    "int(sys.argv[4]), int(sys.argv[5])\n"
    "flt = f'tcp and src port {sport} and dst host {client} and dst port {cport}'\n"
    "seg = sniff(iface=iface, filter=flt, count=1, timeout=10)\n"
    "if not seg: sys.exit('no segment of the stream seen')\n"
    "p = seg[0]\n"
    "forged = (p[TCP].seq + 0x80000000) % (1 << 32)\n"
    "rst = Ether(src=p[Ether].src, dst=p[Ether].dst) / IP(src=p[IP].src, dst=p[IP].dst) / "
    "TCP(sport=sport, dport=cport, flags='R', seq=forged)\n"
    "sendp(rst, iface=iface, count=count, inter=0.05)\n"
    "print(f'real seq {p[TCP].seq} forged {forged}', flush=True)\n"
)


def policy(hosts: dict, rules: list) -> dict:
    ports = []
    for name, host in hosts.items():
        port = h.af_packet_port(name, host.sw_iface, h.access(VLAN))
        port["security"] = {"macs": [host.mac()], "ips": [host.addr]}
        if name == "web1":
            port["labels"] = {"tier": "web"}
        ports.append(port)
    p = h.make_policy(ports)
    p["security_groups"] = [{"name": "web", "selector": {"tier": "web"}},
                            {"name": "db", "ports": ["db1"]}]
    p["firewall"] = {"rules": rules}
    return p


class FirewallCase(h.SluiceTestCase):
    """Hosts web1, db1, ops1 and a switch with the firewall policy."""

    sluiced_args: list = []
    rules: list = RULES

    @classmethod
    def controller_args(cls) -> list:
        return []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        res = cls.res
        cls.web1 = h.create_host(res, "web1", "10.103.0.1/24")
        cls.db1 = h.create_host(res, "db1", "10.103.0.2/24")
        cls.ops1 = h.create_host(res, "ops1", "10.103.0.3/24")
        cls.hosts = {"web1": cls.web1, "db1": cls.db1, "ops1": cls.ops1}
        cls.switch = h.Switch(res, extra_args=cls.sluiced_args)
        cls.switch.start()
        cls.switch.start_controller(policy(cls.hosts, cls.rules), wait_ports=list(cls.hosts),
                                    extra_args=cls.controller_args())
        cls.wait_version_change(0)

    @classmethod
    def show_rules(cls) -> dict:
        out = cls.switch.ctl("show", "rules", "--json", "--policy", cls.switch.policy_path,
                             check=False)
        if out.returncode != 0:
            return {"version": 0, "rules": []}
        return json.loads(out.stdout)

    @classmethod
    def wait_version_change(cls, old: int) -> int:
        """Waits until the installed firewall's version is not 'old'; returns the new one."""
        got = h.wait_for("the firewall to be installed",
                         lambda: (v := cls.show_rules()["version"]) != old and v, timeout=30)
        return got

    def rule(self, name: str) -> dict:
        rows = {r["rule"]: r for r in self.show_rules()["rules"]}
        self.assertIn(name, rows, f"show rules: {rows}")
        return rows[name]

    def connects(self, client: h.Host, server: h.Host, port: int) -> bool:
        return h.tcp_connects(client, server, port)

    def iperf_server(self, port: int) -> h.Process:
        server = self.db1.popen(f"iperf3-s-{port}", "iperf3", "-s", "-1", "-J", "-p", str(port),
                                 "--rcv-timeout", "3000")
        h.wait_for(f"iperf3 listening on {port}",
                   lambda: f":{port}" in self.db1.exec("ss", "-Hltn").stdout, timeout=10)
        return server

    def iperf_client(self, port: int, seconds: int) -> h.Process:
        return self.web1.popen(
            f"iperf3-c-{port}", "iperf3", "-c", self.db1.addr, "-p", str(port), "-t",
            str(seconds), "-i", "0.5", "-b", "20M", "-J", "--connect-timeout", "3000",
            "--snd-timeout", "3000")

    @staticmethod
    def report(proc: h.Process, timeout: float) -> dict:
        """The JSON an iperf3 process printed when it ended (killed after 'timeout')."""
        try:
            proc.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.stop()
        text = proc.output()
        start = text.find("{")
        if start < 0:
            return {"error": f"no JSON: {text[-500:]}"}
        try:
            return json.loads(text[start:])
        except json.JSONDecodeError:
            return {"error": f"bad JSON: {text[-500:]}"}

    @staticmethod
    def intervals(report: dict) -> list[tuple[float, float]]:
        """(start second, bytes) of each interval of an iperf3 report."""
        return [(i["sum"]["start"], i["sum"]["bytes"]) for i in report.get("intervals", [])]


class FirewallTest(FirewallCase):
    def setUp(self):
        # ICMP echo is allowed from any to any; ARP is not IP and passes untouched.
        self.wait_ping(self.web1, self.db1.addr)

    def test_allowed_tcp_and_udp_pass_with_their_replies(self):
        before = self.rule("web-db")
        sent, received = h.tcp_transfer(self.res, server=self.db1, client=self.web1,
                                        size=1 << 20, port=8080)
        self.assertEqual(sent, received, "the 1 MiB did not arrive intact")
        self.assertTrue(self.connects(self.web1, self.db1, 5432))
        after = self.rule("web-db")
        h.log(f"web-db: {before} -> {after}")
        self.assertGreaterEqual(after["checked"] - before["checked"], 2, "two connections opened")
        self.assertGreater(after["established"] - before["established"], 100,
                           "the transfer's segments (both ways) passed as established")
        echo = self.db1.popen("udp-echo", "/usr/bin/python3", "-c", UDP_ECHO, "53")
        try:
            h.wait_for("udp echo on 53", lambda: ":53 " in self.db1.exec("ss", "-Hlun").stdout,
                       timeout=10)
            for host in (self.web1, self.ops1):  # dns: from any
                r = subprocess.run(host.cmd("/usr/bin/python3", "-c", UDP_ASK, self.db1.addr, "53"),
                                   capture_output=True, timeout=20)
                self.assertEqual(r.returncode, 0, f"{host.ns}: no UDP answer from db1:53")
        finally:
            echo.stop()
        self.assertGreaterEqual(self.rule("dns")["checked"], 2)

    def test_denied_connections_are_dropped_and_counted_under_their_rule(self):
        ssh = self.rule("no-ssh")["checked"]
        default = self.rule(f"default vlan{VLAN} (vlan {VLAN})")["checked"]
        self.assertFalse(self.connects(self.web1, self.db1, 22), "TCP to db1:22 opened")
        self.assertGreater(self.rule("no-ssh")["checked"], ssh, "not counted under no-ssh")
        # ops1 is in no group: web-db does not cover it, the default does.
        self.assertFalse(self.connects(self.ops1, self.db1, 8080), "ops1 reached db1:8080")
        # The rule is for the initiator: db1 may not open a connection towards web1.
        self.assertFalse(self.connects(self.db1, self.web1, 8080), "db1 opened towards web1")
        # Ports outside the rule's range.
        self.assertFalse(self.connects(self.web1, self.db1, 8081), "web1 reached db1:8081")
        now = self.rule(f"default vlan{VLAN} (vlan {VLAN})")
        h.log(f"default deny: {default} -> {now['checked']} packets")
        self.assertGreaterEqual(now["checked"] - default, 3, "three SYNs met the default")
        self.assertEqual(now["action"], "deny")

    def test_a_spoofed_source_is_dropped_before_the_firewall(self):
        m0 = self.switch.metrics()
        spoofed0 = m0.total("sluice_drops_total", stage="port_security", reason="spoofed_ip")
        # ops1 claims web1's address to get web1's rights towards db1:8080.
        ns_ip = ["ip", "-n", self.ops1.ns]
        h.run(ns_ip + ["addr", "add", f"{self.web1.addr}/32", "dev", "eth0"])
        h.run(ns_ip + ["neigh", "replace", self.db1.addr, "lladdr", self.db1.mac(), "dev", "eth0"])
        try:
            listener = self.db1.popen("nc-spoof", "nc", "-l", "-n", "-k", "8080")
            try:
                h.wait_for("nc listening", lambda: ":8080" in self.db1.exec("ss", "-Hltn").stdout,
                           timeout=10)
                r = subprocess.run(self.ops1.cmd("nc", "-z", "-n", "-w", "2", "-s", self.web1.addr,
                                                 self.db1.addr, "8080"),
                                   capture_output=True, timeout=20)
                self.assertNotEqual(r.returncode, 0, "a spoofed source opened a connection")
            finally:
                listener.stop()
        finally:
            h.run(ns_ip + ["addr", "del", f"{self.web1.addr}/32", "dev", "eth0"], check=False)
            h.run(ns_ip + ["neigh", "del", self.db1.addr, "dev", "eth0"], check=False)
        spoofed = self.switch.metrics().total("sluice_drops_total", stage="port_security",
                                              reason="spoofed_ip") - spoofed0
        h.log(f"spoofed_ip drops: +{spoofed}")
        self.assertGreaterEqual(spoofed, 1)

    def test_a_forged_rst_does_not_kill_a_live_stream(self):
        invalid0 = self.rule("invalid")["checked"]
        server = self.iperf_server(5432)
        client = self.iperf_client(5432, 6)
        try:
            # The data connection: the client's second connection to 5432 (the first is control).
            def data_port():
                lines = self.web1.exec("ss", "-Htn", "state", "established",
                                       f"dst {self.db1.addr}:5432").stdout.splitlines()
                ports = sorted(int(l.split()[2].rsplit(":", 1)[1]) for l in lines if l.strip())
                return ports[-1] if len(ports) >= 2 else None
            cport = h.wait_for("the iperf3 data connection", data_port, timeout=10)
            time.sleep(1)
            forge = subprocess.run(
                self.db1.cmd("/usr/bin/python3", "-c", FORGE_RST, "eth0", "5432", self.web1.addr,
                             str(cport), "5"), capture_output=True, text=True, timeout=60)
            h.log(f"forger: {forge.stdout.strip()} {forge.stderr.strip()[-300:]}")
            self.assertEqual(forge.returncode, 0, forge.stderr)
            report = self.report(client, timeout=30)
        finally:
            client.stop()
            server.stop()
        self.assertNotIn("error", report, report.get("error"))
        got = report["end"]["sum_received"]["bytes"]
        h.log(f"iperf3 through the forged RSTs: {got} bytes, "
              f"{report['end']['sum_sent'].get('retransmits')} retransmits")
        self.assertGreater(got, 10 * 1000 * 1000, "the stream did not carry on")
        self.assertTrue(all(b > 0 for _, b in self.intervals(report)), self.intervals(report))
        invalid = self.rule("invalid")["checked"] - invalid0
        self.assertGreaterEqual(invalid, 5, "the five forged RSTs were not counted invalid")

    def test_zz_reload_keeps_the_allowed_stream_and_cuts_the_revoked_one(self):
        # Runs last (the policy changes): 5432 is revoked while 8080 stays allowed.
        version = self.show_rules()["version"]
        invalid0 = self.rule("invalid")["checked"]
        other_drops0 = self.drops_outside_the_firewall()
        servers = {p: self.iperf_server(p) for p in (5432, 8080)}
        clients = {p: self.iperf_client(p, 8) for p in (5432, 8080)}
        try:
            time.sleep(3)
            revoked = [dict(r) for r in RULES]
            revoked[0]["ports"] = ["8000-8080"]
            t_reload = time.monotonic()
            self.switch.write_policy(policy(self.hosts, revoked))
            new_version = self.wait_version_change(version)
            h.log(f"policy version {version} -> {new_version} after "
                  f"{time.monotonic() - t_reload:.2f} s")
            # What db1 has received on each data connection, now and two seconds later.
            time.sleep(0.2)
            got1 = {p: self.received(p) for p in clients}
            time.sleep(2)
            got2 = {p: self.received(p) for p in clients}
            reports = {p: self.report(c, timeout=30) for p, c in clients.items()}
        finally:
            for proc in list(clients.values()) + list(servers.values()):
                proc.stop()
        h.log(f"bytes received by db1 after the reload: {got1} then, 2 s later, {got2}")
        kept = reports[8080]
        self.assertNotIn("error", kept, kept.get("error"))
        kept_intervals = self.intervals(kept)
        h.log(f"8080 (kept): {kept['end']['sum_received']['bytes']} bytes, "
              f"{kept['end']['sum_sent'].get('retransmits')} retransmits, intervals "
              f"{[b for _, b in kept_intervals]}")
        self.assertGreaterEqual(len(kept_intervals), 15)
        self.assertTrue(all(b > 0 for _, b in kept_intervals), "the kept stream stalled")
        # No loss at the switch: nothing was invalid, nothing dropped outside the firewall's
        # verdicts, and the kept stream's every byte arrived. (TCP may still count one
        # retransmission without a loss: a tail-loss probe when ACKs pause, seen once in CI.)
        self.assertEqual(kept["end"]["sum_received"]["bytes"], kept["end"]["sum_sent"]["bytes"])
        self.assertEqual(self.rule("invalid")["checked"], invalid0, "packets turned invalid")
        other_drops = self.drops_outside_the_firewall()
        grew = {k: v - other_drops0.get(k, 0) for k, v in other_drops.items()
                if v != other_drops0.get(k, 0)}
        h.log(f"drops outside the firewall during the reload: {grew}")
        self.assertEqual(grew, {}, "the switch dropped packets outside the firewall's verdicts")
        self.assertLessEqual(kept["end"]["sum_sent"].get("retransmits", 0), 1,
                             "the kept stream lost segments")
        self.assertGreater(got2[8080], got1[8080])
        # The revoked stream: it had carried data, and nothing more arrives after the reload.
        self.assertGreater(got1[5432], 1000 * 1000, "the revoked stream carried no data")
        self.assertEqual(got2[5432], got1[5432], "the revoked stream kept going")
        self.assertIn("error", reports[5432], "the revoked stream's client did not notice")
        self.assertGreater(self.rule(f"default vlan{VLAN} (vlan {VLAN})")["checked"], 0)

    def drops_outside_the_firewall(self) -> dict:
        """The drop counters of every stage but the openflow stage's, whose drops are the flows'
        verdicts (the ports' rx_dropped counts those too, per port: not used here)."""
        return {(name, tuple(sorted(labels))): value
                for (name, labels), value in self.switch.metrics().items()
                if name == "sluice_drops_total" and ("stage", "openflow") not in labels}

    def received(self, port: int) -> int:
        """Bytes db1 received on its established connection on 'port' with the most data."""
        out = self.db1.exec("ss", "-Htin", "state", "established", f"sport = :{port}").stdout
        return max((int(m) for m in re.findall(r"bytes_received:(\d+)", out)), default=0)


# Tries one connection (argv: tcp|udp, host, port) and prints how it ended: "refused <seconds>",
# "open" (TCP connected, or a UDP answer came) or "timeout".
TRY_CONNECT = (
    "import socket, sys, time\n"
    "proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
    "t = time.monotonic()\n"
    "try:\n"
    "    if proto == 'tcp':\n"
    "        socket.create_connection((host, port), timeout=3).close()\n"
    "    else:\n"
    "        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "        s.settimeout(3)\n"
    "        s.connect((host, port))\n"
    "        s.send(b'hello sluice')\n"
    "        s.recv(2048)\n"
    "    print('open')\n"
    "except ConnectionRefusedError:\n"
    "    print(f'refused {time.monotonic() - t:.3f}')\n"
    "except (socket.timeout, TimeoutError):\n"
    "    print('timeout')\n"
)

# Listens on TCP and UDP 'port' and prints a line for every connection or datagram (argv: port).
LISTEN_BOTH = (
    "import selectors, socket, sys\n"
    "port = int(sys.argv[1])\n"
    "t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "t.bind(('0.0.0.0', port)); t.listen(16)\n"
    "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', port))\n"
    "sel = selectors.DefaultSelector()\n"
    "sel.register(t, selectors.EVENT_READ); sel.register(u, selectors.EVENT_READ)\n"
    "print('listening', flush=True)\n"
    "while True:\n"
    "    for key, _ in sel.select():\n"
    "        if key.fileobj is t:\n"
    "            c, peer = t.accept(); print('accepted', peer, flush=True); c.close()\n"
    "        else:\n"
    "            data, peer = u.recvfrom(2048); print('datagram', peer, flush=True)\n"
)

REJECT_RULES = [
    {"id": "web-db", "from": "web", "to": "db", "protocol": "tcp", "ports": [8080],
     "action": "allow", "log": True},
    {"id": "ping", "from": "any", "to": "any", "protocol": "icmp", "icmp": {"type": 8},
     "action": "allow"},
    {"id": "ssh-refused", "from": "any", "to": "db", "protocol": "tcp", "ports": [22],
     "action": "reject", "log": True},
    {"id": "dns-refused", "from": "any", "to": "db", "protocol": "udp", "ports": [22],
     "action": "reject"},
    {"id": "no-telnet", "from": "any", "to": "db", "protocol": "tcp", "ports": [23],
     "action": "deny", "log": True},
]


class FirewallRejectAndLogTest(FirewallCase):
    """Rules that reject answer for the server (a RST, an ICMP port unreachable) though it
    listens; rules that log write JSON lines to `sluicectl run --flow-log`."""

    rules = REJECT_RULES

    @classmethod
    def controller_args(cls) -> list:
        cls.flow_log = f"{cls.res.tmpdir}/flows.jsonl"
        return ["--flow-log", cls.flow_log]

    def setUp(self):
        self.wait_ping(self.web1, self.db1.addr)

    def try_connect(self, proto: str, port: int) -> str:
        r = subprocess.run(self.web1.cmd("/usr/bin/python3", "-c", TRY_CONNECT, proto,
                                         self.db1.addr, str(port)),
                           capture_output=True, text=True, timeout=20)
        return r.stdout.strip()

    def log_lines(self) -> list[dict]:
        try:
            with open(self.flow_log) as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []

    def test_reject_answers_for_a_listening_server_and_logs(self):
        listener = self.db1.popen("listen-22", "/usr/bin/python3", "-c", LISTEN_BOTH, "22")
        try:
            listener.wait_for_output(r"listening", timeout=10)
            tcp = self.try_connect("tcp", 22)
            udp = self.try_connect("udp", 22)
            time.sleep(0.5)
            heard = listener.output().split("\nlistening\n", 1)[-1]  # after the command line
        finally:
            listener.stop()
        h.log(f"tcp to db1:22: {tcp}; udp to db1:22: {udp}")
        self.assertRegex(tcp, r"^refused ", "the TCP connection was not refused by a RST")
        self.assertRegex(udp, r"^refused ", "no ICMP port unreachable for the UDP datagram")
        self.assertLess(float(tcp.split()[1]), 1.0, "the RST came after the SYN's retransmit")
        self.assertNotIn("accepted", heard, "the server saw the rejected connection")
        self.assertNotIn("datagram", heard, "the server saw the rejected datagram")
        self.assertGreaterEqual(self.rule("ssh-refused")["checked"], 1)
        self.assertGreaterEqual(self.rule("dns-refused")["checked"], 1)
        self.assertEqual(self.rule("ssh-refused")["action"], "reject")
        lines = h.wait_for("the reject's flow log line",
                           lambda: [l for l in self.log_lines() if l["rule"] == "ssh-refused"],
                           timeout=10)
        h.log(f"flow log: {lines[0]}")
        self.assertEqual(lines[0]["action"], "reject")
        self.assertEqual(lines[0]["reply"], "tcp-reset")
        self.assertEqual(lines[0]["src"], self.web1.addr)
        self.assertEqual(lines[0]["dst"], self.db1.addr)
        self.assertEqual(lines[0]["dport"], 22)
        self.assertEqual(lines[0]["in_port"], "web1")
        self.assertEqual(lines[0]["tcp_flags"], "S")
        # dns-refused does not log.
        self.assertFalse([l for l in self.log_lines() if l["rule"] == "dns-refused"])

    def test_logging_rules_write_a_line_per_connection_they_judge(self):
        before = len([l for l in self.log_lines() if l["rule"] in ("web-db", "no-telnet")])
        self.assertTrue(self.connects(self.web1, self.db1, 8080))
        self.assertFalse(self.connects(self.web1, self.db1, 23))
        def judged():
            got = [l for l in self.log_lines() if l["rule"] in ("web-db", "no-telnet")]
            return got[before:] if {l["rule"] for l in got[before:]} == {"web-db", "no-telnet"} \
                else None
        lines = h.wait_for("flow log lines for web-db and no-telnet", judged, timeout=10)
        for l in lines:
            h.log(f"flow log: {l}")
        allowed = [l for l in lines if l["rule"] == "web-db"]
        denied = [l for l in lines if l["rule"] == "no-telnet"]
        # One connection opened: its first packet only (the rest pass as established).
        self.assertEqual(len(allowed), 1, allowed)
        self.assertEqual(allowed[0]["action"], "allow")
        self.assertEqual(allowed[0]["dport"], 8080)
        self.assertEqual(allowed[0]["network"], f"vlan{VLAN}")
        # A denied SYN is retried by the client (nc -w 2): one line per attempt it made.
        self.assertGreaterEqual(len(denied), 1)
        self.assertTrue(all(l["action"] == "deny" and l["dport"] == 23 for l in denied), denied)
        self.assertTrue(all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", l["time"])
                            for l in lines))


class FirewallTableFullTest(FirewallCase):
    """A 16-connection table: new connections are refused and counted, an established stream is
    not disturbed."""

    sluiced_args = ["--conntrack-max", "16"]

    def test_table_full_fails_closed_and_established_flows_continue(self):
        self.wait_ping(self.web1, self.db1.addr)
        server = self.iperf_server(5432)
        client = self.iperf_client(5432, 6)
        listener = self.db1.popen("nc-many", "nc", "-l", "-n", "-k", "8080")
        opened = refused = 0
        try:
            h.wait_for("nc listening", lambda: ":8080" in self.db1.exec("ss", "-Hltn").stdout,
                       timeout=10)
            time.sleep(1)
            for _ in range(24):  # each leaves an entry behind (TIME_WAIT)
                r = subprocess.run(self.web1.cmd("nc", "-z", "-n", "-w", "1", self.db1.addr,
                                                 "8080"), capture_output=True, timeout=10)
                if r.returncode == 0:
                    opened += 1
                else:
                    refused += 1
            report = self.report(client, timeout=30)
        finally:
            listener.stop()
            client.stop()
            server.stop()
        m = self.switch.metrics()
        full = m.total("sluice_conntrack_refused_total", reason="table_full")
        drops = m.total("sluice_drops_total", stage="openflow", reason="ct_table_full")
        h.log(f"{opened} opened, {refused} refused; refused_total{{table_full}} {full}, "
              f"ct_table_full drops {drops}; entries {m.total('sluice_conntrack_entries')}")
        self.assertGreater(refused, 0, "the table never filled")
        self.assertGreater(opened, 0)
        self.assertGreaterEqual(full, refused)
        self.assertGreaterEqual(drops, refused)
        self.assertNotIn("error", report, report.get("error"))
        self.assertTrue(all(b > 0 for _, b in self.intervals(report)),
                        f"the established stream stalled: {self.intervals(report)}")


if __name__ == "__main__":
    unittest.main()
