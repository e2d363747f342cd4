"""Open vSwitch's conntrack flows, written with the real ovs-ofctl, run unchanged on sluiced.

vm1 10.102.0.1 (OpenFlow port 1) and vm2 10.102.0.2 (port 2) on af_packet ports, both in the
policy's VLAN 100 (ARP keeps going through the policy's learning table). ovs-ofctl adds exactly
the firewall issue's three flows, and one more for the replies (the issue's est flow sends
everything to port 2, which for vm2's replies is their ingress port):

    table=0,ip,ct_state=-trk,actions=ct(table=1)
    table=1,ip,ct_state=+trk+new,tcp,tp_dst=80,actions=ct(commit),output:2
    table=1,ip,ct_state=+trk+est,actions=output:2
    table=1,priority=33000,in_port=2,ip,ct_state=+trk+est,actions=output:1

Then: dump-flows prints them back in ovs-ofctl's own notation; TCP from vm1 to vm2's port 80
carries data both ways; vm1's TCP to port 22, vm2's TCP to vm1's port 80 and ICMP echo get no
connection (dropped, counted as table misses in table 1); deleting the flows restores the policy.
"""

import re
import shutil
import unittest

import sluice_harness as h

OFCTL = shutil.which("ovs-ofctl")
COOKIE = "0x7702"

FLOWS = [
    "table=0,ip,ct_state=-trk,actions=ct(table=1)",
    "table=1,ip,ct_state=+trk+new,tcp,tp_dst=80,actions=ct(commit),output:2",
    "table=1,ip,ct_state=+trk+est,actions=output:2",
    "table=1,priority=33000,in_port=2,ip,ct_state=+trk+est,actions=output:1",
]
# What ovs-ofctl prints back for each (its own formatting of the bytes sluiced returns).
DUMPED = [
    "table=0, n_packets=*, n_bytes=*, ct_state=-trk,ip actions=ct(table=1)",
    "table=1, n_packets=*, n_bytes=*, ct_state=+new+trk,tcp,tp_dst=80 "
    "actions=ct(commit),output:2",
    "table=1, n_packets=*, n_bytes=*, ct_state=+est+trk,ip actions=output:2",
    "table=1, n_packets=*, n_bytes=*, priority=33000,ct_state=+est+trk,ip,in_port=2 "
    "actions=output:1",
]


class ConntrackTest(h.SluiceTestCase):
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
                   lambda: cls.ofctl_run("dump-ports-desc", check=False).returncode == 0,
                   timeout=20)

    @classmethod
    def ofctl_run(cls, command: str, *args: str, check: bool = True):
        return h.run([OFCTL, "-O", "OpenFlow13", "--no-names", "--timeout=20", command,
                      cls.target, *args], check=check, timeout=30)

    def ofctl(self, command: str, *args: str) -> str:
        return self.ofctl_run(command, *args).stdout

    def setUp(self):
        self.wait_ping(self.vm1, self.vm2.addr)
        for flow in FLOWS:
            self.ofctl("add-flow", f"cookie={COOKIE},{flow}")

    def tearDown(self):
        self.ofctl("del-flows", f"cookie={COOKIE}/-1")

    def misses(self) -> float:
        return self.switch.metrics().total("sluice_drops_total", stage="openflow",
                                           reason="table_miss")

    def connects(self, client: h.Host, server: h.Host, port: int) -> bool:
        return h.tcp_connects(client, server, port)

    def test_dump_flows_shows_the_flows_in_ovs_ofctl_notation(self):
        dumped = [re.sub(r"cookie=\S+ duration=\S+ ", "", line.strip())
                  for line in self.ofctl("dump-flows", f"cookie={COOKIE}/-1").splitlines()
                  if "cookie=" in line]
        dumped = [re.sub(r"n_packets=\d+, n_bytes=\d+", "n_packets=*, n_bytes=*", l)
                  for l in dumped]
        h.log("dump-flows:\n  " + "\n  ".join(dumped))
        self.assertEqual(sorted(dumped), sorted(DUMPED))

    def test_tcp_to_port_80_is_tracked_and_its_replies_pass(self):
        before = self.misses()
        sent, received = h.tcp_transfer(self.res, server=self.vm2, client=self.vm1,
                                        size=1 << 20, port=80)
        self.assertEqual(sent, received, "the 1 MiB did not arrive intact")
        # The reverse direction: vm2 sends to vm1 inside vm1's connection.
        self.assertTrue(self.connects(self.vm1, self.vm2, 80))
        flows = self.ofctl("dump-flows", f"cookie={COOKIE}/-1")
        counts = {m.group(2): int(m.group(1)) for m in
                  re.finditer(r"n_packets=(\d+),.* actions=(\S+)", flows)}
        h.log(f"n_packets by actions: {counts}; table_miss drops +{self.misses() - before}")
        self.assertGreaterEqual(counts["ct(commit),output:2"], 2, "two SYNs were committed")
        self.assertGreater(counts["output:2"], 100, "vm1's established segments")
        self.assertGreater(counts["output:1"], 2, "vm2's replies")
        self.assertGreater(counts["ct(table=1)"], 100)
        m = self.switch.metrics()
        created = m.total("sluice_conntrack_created_total")
        entries = m.total("sluice_conntrack_entries")
        h.log(f"conntrack: {created} created, {entries} entries of "
              f"{m.total('sluice_conntrack_capacity')}")
        self.assertGreaterEqual(created, 2)
        self.assertGreaterEqual(entries, 2, "both connections are still in TIME_WAIT")
        self.assertEqual(m.total("sluice_conntrack_refused_total"), 0)

    def test_what_no_flow_opens_is_dropped_and_counted(self):
        before = self.misses()
        self.assertFalse(self.connects(self.vm1, self.vm2, 22), "TCP to port 22 opened")
        self.assertFalse(self.connects(self.vm2, self.vm1, 80),
                         "vm2 opened a connection: only vm1's port-80 SYNs may")
        result = self.vm1.ping(self.vm2.addr, count=3, interval=0.1, wait=1)
        self.assertEqual(result.received, 0, f"ICMP echo passed without a flow: {result}")
        missed = self.misses() - before
        h.log(f"table_miss drops: +{missed}")
        # Port 22's SYN and its retransmission, and the echo requests, miss in table 1; vm2's
        # SYNs match the port-80 flow, whose output:2 is their ingress port (dropped there).
        self.assertGreaterEqual(missed, 1 + 3, "SYNs and echo requests counted as misses")
        # The policy comes back once the ct flows go.
        self.ofctl("del-flows", f"cookie={COOKIE}/-1")
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=3, interval=0.05), 3)
        self.assertTrue(self.connects(self.vm1, self.vm2, 22))


if __name__ == "__main__":
    unittest.main()
