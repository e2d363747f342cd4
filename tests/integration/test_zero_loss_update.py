"""Atomic updates under traffic: 20 bundles, each replacing 10,000 flows, while two Linux hosts
ping each other 200 times a second. No ping may be lost, and no packet may meet a mix of old
and new rules.

vm1 10.102.0.1 and vm2 10.102.0.2 on af_packet ports 1 and 2 (the policy puts both in VLAN 100,
so ARP keeps going through the learning table). Rule set version V (cookie 0x7e0000 + V):
  table 0, priority 500: ip,in_port=1 → write_metadata:V/0xffff, goto_table:2 (and in_port=2)
  table 2, priority 500: ip,metadata=V/0xffff,in_port=1 → output:2 (and in_port=2 → output:1)
  table 2, priority 100: 9,996 filler flows on addresses no packet carries
Each bundle (`ovs-ofctl bundle`, one atomic transaction) deletes version V's flows by cookie and
adds version V+1's. Table 2 has no table-miss flow, so a packet that took table 0 of one version
and table 2 of another would miss there and be dropped as openflow/table_miss: the test counts
those drops and requires none, besides no lost ping.
"""

import re
import shutil
import signal
import unittest

import sluice_harness as h

OFCTL = shutil.which("ovs-ofctl")
FLOWS = 10_000
BUNDLES = 20


def rule_set(version: int) -> list[str]:
    cookie = f"0x{0x7e0000 + version:x}"
    flows = []
    for port, other in ((1, 2), (2, 1)):
        flows.append(f"flow add cookie={cookie},table=0,priority=500,ip,in_port={port},"
                     f"actions=write_metadata:{version}/0xffff,goto_table:2")
        flows.append(f"flow add cookie={cookie},table=2,priority=500,ip,in_port={port},"
                     f"metadata={version}/0xffff,actions=output:{other}")
    for i in range(FLOWS - len(flows)):
        flows.append(f"flow add cookie={cookie},table=2,priority=100,ip,"
                     f"nw_dst=10.250.{i // 250}.{i % 250 + 1},actions=output:1")
    return flows


class ZeroLossUpdateTest(h.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if OFCTL is None:
            raise unittest.SkipTest("ovs-ofctl is not installed (openvswitch-common)")
        res = cls.res
        cls.vm1 = h.create_host(res, "vm1", "10.102.0.1/24")
        cls.vm2 = h.create_host(res, "vm2", "10.102.0.2/24")
        cls.switch = h.Switch(res)
        cls.switch.start()
        cls.of_port = h.free_tcp_port()
        cls.target = f"tcp:127.0.0.1:{cls.of_port}"
        cls.switch.start_controller(
            h.make_policy([
                h.af_packet_port("vm1", cls.vm1.sw_iface, h.access(100)),
                h.af_packet_port("vm2", cls.vm2.sw_iface, h.access(100)),
            ]),
            wait_ports=["vm1", "vm2"],
            extra_args=["--openflow-listen", f"127.0.0.1:{cls.of_port}"])
        h.wait_for("ovs-ofctl to reach the endpoint",
                   lambda: cls.ofctl("dump-ports-desc", check=False).returncode == 0, timeout=20)

    @classmethod
    def ofctl(cls, command: str, *args: str, check: bool = True):
        return h.run([OFCTL, "-O", "OpenFlow13", "--no-names", "--timeout=60", command,
                      cls.target, *args], check=check, timeout=120)

    def bundle(self, lines: list[str]) -> None:
        path = f"{self.res.tmpdir}/bundle.txt"
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.ofctl("bundle", path)

    def table_misses(self) -> float:
        return self.switch.metrics().total("sluice_drops_total", stage="openflow",
                                           reason="table_miss")

    def test_replacing_10k_flows_20_times_loses_nothing(self):
        self.bundle(rule_set(1))
        self.wait_ping(self.vm1, self.vm2.addr)
        self.wait_ping(self.vm2, self.vm1.addr)
        misses_before = self.table_misses()

        # Not -q: every reply's icmp_seq is printed, so that the one request still in flight
        # when ping is interrupted can be told from a lost one.
        ping = self.vm1.popen("ping-flood", "ping", "-n", "-i", "0.005", self.vm2.addr)
        self.vm1.exec("sleep", "0.5")
        for version in range(2, BUNDLES + 2):
            old = f"0x{0x7e0000 + version - 1:x}"
            self.bundle([f"flow delete cookie={old}/-1"] + rule_set(version))
        self.vm1.exec("sleep", "0.5")
        ping.proc.send_signal(signal.SIGINT)
        ping.proc.wait(timeout=10)
        result = h.PingResult.parse(ping.output())

        summary = result.text.splitlines()[-3:]
        self.assertGreater(result.transmitted, 200, summary)
        answered = {int(m) for m in re.findall(r"bytes from \S+ icmp_seq=(\d+)", result.text)}
        # SIGINT ends ping at once: the last request (sent at most 5 ms before) may still be on
        # its way. Every earlier one must have been answered.
        lost = sorted(set(range(1, result.transmitted)) - answered)
        in_flight = 0 if result.transmitted in answered else 1
        print(f"zero-loss: {BUNDLES} bundles x {FLOWS} flows, {result} "
              f"({in_flight} in flight at the end), lost {len(lost)}, "
              f"openflow/table_miss +{self.table_misses() - misses_before:.0f}")
        self.assertEqual(lost, [], f"lost pings during the updates: {result}")
        self.assertEqual(self.table_misses() - misses_before, 0,
                         "packets met table 0 of one version and table 2 of another")
        # Only the last version is installed, all 10,000 of it, and it carried the traffic.
        last = f"0x{0x7e0000 + BUNDLES + 1:x}"
        agg = self.ofctl("dump-aggregate", "cookie=0x7e0000/0xff0000").stdout
        self.assertIn(f"flow_count={FLOWS}", agg)
        out = self.ofctl("dump-flows", f"cookie={last}/-1,table=2").stdout
        forwarding = [l for l in out.splitlines() if "priority=500" in l]
        self.assertEqual(len(forwarding), 2, forwarding)
        for line in forwarding:
            self.assertNotIn("n_packets=0,", line, "the last version carried no traffic")


if __name__ == "__main__":
    unittest.main(verbosity=2)
