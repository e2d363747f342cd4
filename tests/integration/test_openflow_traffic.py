"""ovs-ofctl programs sluiced through sluicectl's OpenFlow endpoint; Linux hosts' traffic shows
the flows and groups take effect.

vm1 10.101.0.1 and vm2 10.101.0.2 on af_packet ports (OpenFlow ports 1 and 2), both in the
policy's VLAN 100. The policy's flows alone run on the L2 fast path; every flow ovs-ofctl adds
to table 0 makes the dataplane switch to the general OpenFlow pipeline (the learning table keeps
learning there), and deleting them brings the fast path back. Each step is checked on pings
between the hosts and on the flows' own packet counters (dump-flows n_packets).

ovs-ofctl runs with --no-names (one round trip less; see test_openflow_endpoint.py).
"""

import re
import shutil
import socket
import struct
import unittest

import sluice_harness as h
from test_openflow_endpoint import RawClient

OFPT_PACKET_IN, OFPR_ACTION = 10, 1

OFCTL = shutil.which("ovs-ofctl")
COOKIE = "0x7701"


class OpenFlowTrafficTest(h.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if OFCTL is None:
            raise unittest.SkipTest("ovs-ofctl is not installed (openvswitch-common)")
        res = cls.res
        cls.vm1 = h.create_host(res, "vm1", "10.101.0.1/24")
        cls.vm2 = h.create_host(res, "vm2", "10.101.0.2/24")
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

    def tearDown(self):
        # Leave the switch as the policy made it: our flows, then our groups, go.
        self.ofctl("del-flows", f"cookie={COOKIE}/-1")
        self.ofctl_run("del-groups", "group_id=5000", check=False)

    def n_packets(self, match: str) -> int:
        """The packet count of our one flow whose dump-flows line contains 'match'."""
        lines = [l for l in self.ofctl("dump-flows", f"cookie={COOKIE}/-1").splitlines()
                 if match in l]
        self.assertEqual(len(lines), 1, f"want one flow with {match!r}: {lines}")
        return int(re.search(r"n_packets=(\d+)", lines[0]).group(1))

    def test_policy_alone_is_the_l2_fast_path(self):
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=5, interval=0.05), 5)
        m = self.switch.metrics()
        self.assertGreater(m.total("sluice_stage_packets_total", stage="l2"), 0)

    def test_a_drop_flow_blocks_icmp_and_deleting_it_restores_it(self):
        before = self.switch.metrics().total("sluice_stage_packets_total", stage="openflow")
        self.ofctl("add-flow", f"cookie={COOKIE},table=0,priority=300,icmp,actions=drop")
        result = self.vm1.ping(self.vm2.addr, count=5, interval=0.1, wait=1)
        self.assertEqual(result.received, 0, f"ICMP went through a drop flow: {result}")
        self.assertGreaterEqual(self.n_packets("icmp"), 5)
        # ARP still works: the learning table runs in the general pipeline too.
        self.vm1.exec("ip", "neigh", "flush", "dev", "eth0")
        sent, received = h.tcp_transfer(self.res, server=self.vm2, client=self.vm1, size=1 << 16)
        self.assertEqual(sent, received)
        after = self.switch.metrics().total("sluice_stage_packets_total", stage="openflow")
        self.assertGreater(after, before, "the general pipeline did not run")
        self.ofctl("del-flows", f"cookie={COOKIE}/-1")
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=5, interval=0.05), 5)

    def test_plain_openflow_forwarding_by_in_port(self):
        # Cross-connect the two ports above the policy's flows; count each direction.
        self.ofctl("add-flow", f"cookie={COOKIE},table=0,priority=400,in_port=1,actions=output:2")
        self.ofctl("add-flow", f"cookie={COOKIE},table=0,priority=400,in_port=2,actions=output:1")
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=10, interval=0.05), 10)
        self.assertGreaterEqual(self.n_packets("in_port=1"), 10)
        self.assertGreaterEqual(self.n_packets("in_port=2"), 10)
        # mod-flows: send vm1's frames back out of its own port instead: vm2 hears nothing.
        self.ofctl("mod-flows", f"cookie={COOKIE}/-1,table=0,in_port=1,actions=IN_PORT")
        result = self.vm1.ping(self.vm2.addr, count=5, interval=0.1, wait=1)
        self.assertEqual(result.received, 0, f"ping survived a flow that hairpins it: {result}")
        self.ofctl("mod-flows", f"cookie={COOKIE}/-1,table=0,in_port=1,actions=output:2")
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=5, interval=0.05), 5)

    def test_groups_and_goto(self):
        self.ofctl("add-group", "group_id=5000,type=select,bucket=weight:1,actions=output:2")
        self.assertIn("group_id=5000,type=select", self.ofctl("dump-groups"))
        # vm1's IPv4 goes through table 3 and the group; everything else through the policy.
        self.ofctl("add-flow", f"cookie={COOKIE},table=0,priority=400,ip,in_port=1,"
                               "actions=goto_table:3")
        self.ofctl("add-flow", f"cookie={COOKIE},table=3,priority=10,ip,actions=group:5000")
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=10, interval=0.05), 10)
        self.assertGreaterEqual(self.n_packets("table=3"), 10)
        # Deleting the group takes the flow that uses it: the goto now misses in table 3.
        self.ofctl("del-groups", "group_id=5000")
        self.assertNotIn("table=3", self.ofctl("dump-flows", f"cookie={COOKIE}/-1"))
        result = self.vm1.ping(self.vm2.addr, count=5, interval=0.1, wait=1)
        self.assertEqual(result.received, 0, f"IPv4 crossed an empty table 3: {result}")

    def test_packet_in_reaches_a_controller(self):
        client = RawClient(self.of_port)
        self.addCleanup(client.close)
        client.hello()
        self.ofctl("add-flow", f"cookie={COOKIE},table=0,priority=500,icmp,in_port=1,"
                               "actions=CONTROLLER:128")
        self.vm1.ping(self.vm2.addr, count=2, interval=0.2, wait=1)
        body = b""
        for _ in range(100):
            msg_type, _xid, body = client.recv()
            if msg_type == OFPT_PACKET_IN:
                break
        else:
            self.fail("no PACKET_IN")
        buffer_id, total_len, reason, table, cookie = struct.unpack("!IHBBQ", body[:16])
        self.assertEqual((buffer_id, reason, table, cookie), (0xffffffff, OFPR_ACTION, 0, 0x7701))
        match_len = struct.unpack("!H", body[18:20])[0]
        data = body[16 + (match_len + 7) // 8 * 8 + 2:]
        self.assertLessEqual(len(data), 128)
        self.assertGreater(total_len, 0)
        # The frame: vm1's ICMP echo request to vm2.
        self.assertEqual(data[12:14], b"\x08\x00")
        self.assertEqual(data[14 + 12:14 + 20],
                         socket.inet_aton(self.vm1.addr) + socket.inet_aton(self.vm2.addr))

    def tx(self, port: str) -> float:
        return self.switch.metrics().port("sluice_port_tx_packets_total", port)

    def test_packet_out_with_actions_and_through_the_tables(self):
        # An ICMP echo request from vm1 to vm2, built here.
        frame = (bytes.fromhex(self.vm2.mac().replace(":", "")) +
                 bytes.fromhex(self.vm1.mac().replace(":", "")) + b"\x08\x00")
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 1, 0,
                         socket.inet_aton(self.vm1.addr), socket.inet_aton(self.vm2.addr))
        total = sum(struct.unpack("!10H", ip))
        total = (total & 0xffff) + (total >> 16)
        ip = ip[:10] + struct.pack("!H", ~total & 0xffff) + ip[12:]
        packet = (frame + ip + bytes.fromhex("0800f7fe00010000")).hex()

        before = self.tx("vm2")
        self.ofctl("packet-out", f"in_port=controller,packet={packet},actions=output:2")
        h.wait_for("the PACKET_OUT on vm2's port", lambda: self.tx("vm2") >= before + 1, 5)

        # output:TABLE from port 1: the policy's flows forward it to vm2 (its MAC is learned).
        before = self.tx("vm2")
        self.ofctl("packet-out", f"in_port=1,packet={packet},actions=TABLE")
        h.wait_for("the PACKET_OUT through the tables", lambda: self.tx("vm2") >= before + 1, 5)

        # output:TABLE among other actions: one copy straight to port 2, one through the tables
        # (which also send it to vm2).
        before = self.tx("vm2")
        self.ofctl("packet-out", f"in_port=1,packet={packet},actions=output:2,TABLE")
        h.wait_for("both copies of the PACKET_OUT", lambda: self.tx("vm2") >= before + 2, 5)

        r = self.ofctl_run("packet-out", f"in_port=controller,packet={packet},actions=group:77",
                           check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("OFPBAC_BAD_OUT_GROUP", r.stderr)


if __name__ == "__main__":
    unittest.main()
