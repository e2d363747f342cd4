"""sluicectl run's OpenFlow 1.3 endpoint, driven by the real ovs-ofctl (Open vSwitch 3.1).

One sluiced with two null ports (n1, n2) on VLAN 100 and a static MAC; `sluicectl run` listens
for OpenFlow on a free loopback port and on its Unix socket (/run/sluice/<channel>.openflow).
ovs-ofctl reads the switch, adds, modifies and deletes flows and groups through it; a policy
reload (SIGHUP) leaves the flows it added alone; a small raw-socket client takes the SLAVE role
and is refused when it tries to change flows, is refused when it tries to create a port, and
leaves a bundle open when it dies, which does not stop the next `ovs-ofctl --bundle`.

ovs-ofctl mostly runs with --no-names, which saves it a TABLE_FEATURES round trip per command;
test_ovs_ofctl_without_no_names checks the plain form. Table 40 is the learning table, so flows
added there keep to its L2 shapes (docs/architecture.md, "Tables").
"""

import os
import re
import shutil
import signal
import socket
import stat
import struct
import unittest

import sluice_harness as h

OFCTL = shutil.which("ovs-ofctl")

# Flows ovs-ofctl adds (one per line of `add-flow`), each with the text dump-flows shows for it.
# All in contract shapes; each has a cookie of its own, outside the policy space (0x5c00...).
CONTRACT_FLOWS = [
    ("cookie=0x1001,table=40,priority=200,metadata=0x64/0xfff,dl_dst=02:00:00:00:10:01,"
     "actions=output:2",
     "cookie=0x1001, .*table=40, .*priority=200,metadata=0x64/0xfff,dl_dst=02:00:00:00:10:01 "
     "actions=output:2"),
    ("cookie=0x1002,table=40,priority=200,metadata=0x64/0xfff,dl_dst=02:00:00:00:10:02,"
     "actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:1",
     "cookie=0x1002, .*dl_dst=02:00:00:00:10:02 actions=push_vlan:0x8100,"
     "set_field:4196->vlan_vid,output:1"),
]


def policy(static_macs: list[dict]) -> dict:
    return {
        "version": 1,
        "networks": [{"name": "lab", "vlan": 100, "static_macs": static_macs}],
        "ports": [
            {"name": "n1", "type": "null", "vlan": {"mode": "access", "id": 100}},
            {"name": "n2", "type": "null", "vlan": {"mode": "access", "id": 100}},
        ],
    }


POLICY = policy([{"mac": "02:00:00:00:00:01", "port": "n1"}])
# The reload adds a second static MAC: the policy flows change, ovs-ofctl's must not.
POLICY_RELOADED = policy([{"mac": "02:00:00:00:00:01", "port": "n1"},
                          {"mac": "02:00:00:00:00:02", "port": "n2"}])


# ---- A raw OpenFlow 1.3 client (ovs-ofctl cannot take a role) ---------------------------------

OFPT_HELLO, OFPT_ERROR, OFPT_FLOW_MOD, OFPT_BARRIER_REQUEST, OFPT_BARRIER_REPLY = 0, 1, 14, 20, 21
OFPT_ROLE_REQUEST, OFPT_ROLE_REPLY = 24, 25
OFPT_FLOW_REMOVED, OFPFF_SEND_FLOW_REM, OFPRR_HARD_TIMEOUT = 11, 1, 1
OFPCR_ROLE_SLAVE = 3
OFPET_BAD_REQUEST, OFPBRC_IS_SLAVE, OFPBRC_EPERM = 1, 10, 5
OFPT_EXPERIMENTER = 4
SLUICE_EXPERIMENTER, SLUICE_PORT_ADD, SLUICE_PORT_NULL = 0x00534c55, 1, 5
ONF_EXPERIMENTER, ONF_BUNDLE_CONTROL, OFPBCT_OPEN_REQUEST, OFPBCT_OPEN_REPLY = 0x4f4e4600, 2300, 0, 1


def port_add(xid: int, port_no: int, name: str) -> bytes:
    """Sluice's PORT_ADD (openflow/codec_sluice.cc) of a null port."""
    body = struct.pack("!IIIBBH", SLUICE_EXPERIMENTER, SLUICE_PORT_ADD, port_no,
                       SLUICE_PORT_NULL, 0, 1500)
    body += name.encode().ljust(16, b"\0") + bytes(256) + bytes(256)
    return of_msg(OFPT_EXPERIMENTER, xid, body)


def bundle_open(xid: int, bundle_id: int) -> bytes:
    return of_msg(OFPT_EXPERIMENTER, xid, struct.pack("!IIIHH", ONF_EXPERIMENTER,
                                                      ONF_BUNDLE_CONTROL, bundle_id,
                                                      OFPBCT_OPEN_REQUEST, 0))


def of_msg(msg_type: int, xid: int, body: bytes = b"") -> bytes:
    return struct.pack("!BBHI", 4, msg_type, 8 + len(body), xid) + body


def flow_mod_add(xid: int, cookie: int, table: int, priority: int, hard_timeout: int = 0,
                 flags: int = 0) -> bytes:
    """FLOW_MOD ADD with an empty match and no instructions."""
    body = struct.pack("!QQBBHHHIIIH2x", cookie, 0, table, 0, 0, hard_timeout, priority,
                       0xffffffff, 0xffffffff, 0xffffffff, flags)
    body += struct.pack("!HH4x", 1, 4)  # ofp_match: OXM, no fields, padded to 8
    return of_msg(OFPT_FLOW_MOD, xid, body)


class RawClient:
    def __init__(self, port: int | None = None, path: str | None = None) -> None:
        if path is not None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(10)
            self.sock.connect(path)
        else:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self) -> tuple[int, int, bytes]:
        """One message: (type, xid, body)."""
        _version, msg_type, length, xid = struct.unpack("!BBHI", self._exact(8))
        return msg_type, xid, self._exact(length - 8)

    def hello(self) -> None:
        self.send(of_msg(OFPT_HELLO, 1, struct.pack("!HHI", 1, 8, 1 << 4)))  # bitmap: 1.3
        msg_type, _, _ = self.recv()
        assert msg_type == OFPT_HELLO, msg_type

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the endpoint closed the connection")
            data += chunk
        return data


# ---- The test ----------------------------------------------------------------------------------

class OpenFlowEndpointTest(h.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if OFCTL is None:
            raise unittest.SkipTest("ovs-ofctl is not installed (openvswitch-common)")
        cls.switch = h.Switch(cls.res)
        cls.switch.start()
        cls.of_port = h.free_tcp_port()
        cls.target = f"tcp:127.0.0.1:{cls.of_port}"
        cls.unix_path = f"/run/sluice/{cls.switch.channel}.openflow"
        cls.switch.start_controller(
            POLICY, wait_ports=["n1", "n2"],
            extra_args=["--openflow-listen", f"127.0.0.1:{cls.of_port}"])
        cls.switch.controller.wait_for_output(r"openflow: relaying to the dataplane")
        cls.switch.controller.wait_for_output(r"listening for OpenFlow 1.3 clients on unix:")
        h.wait_for("ovs-ofctl to reach the endpoint",
                   lambda: cls.ofctl_run("dump-ports-desc", check=False).returncode == 0,
                   timeout=20)

    @classmethod
    def ofctl_run(cls, command: str, *args: str, check: bool = True, version: str = "OpenFlow13"):
        return h.run([OFCTL, "-O", version, "--no-names", "--timeout=20", command, cls.target,
                      *args], check=check, timeout=30)

    def ofctl(self, command: str, *args: str) -> str:
        return self.ofctl_run(command, *args).stdout

    def dump_flows(self, *args: str) -> str:
        return self.ofctl("dump-flows", *args)

    # -- reading the switch

    def test_show(self):
        r = self.ofctl_run("show", check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OFPT_FEATURES_REPLY (OF1.3)", r.stdout)
        self.assertIn("n_tables:64", r.stdout)
        self.assertRegex(r.stdout, r"1\(n1\): addr:")
        self.assertRegex(r.stdout, r"2\(n2\): addr:")

    def test_dump_ports_desc(self):
        out = self.ofctl("dump-ports-desc")
        self.assertIn("OFPST_PORT_DESC reply (OF1.3)", out)
        self.assertRegex(out, r"1\(n1\): addr:")
        self.assertRegex(out, r"2\(n2\): addr:")

    def test_dump_ports(self):
        out = self.ofctl("dump-ports")
        self.assertIn("OFPST_PORT reply (OF1.3)", out)
        self.assertRegex(out, r"port +1: rx pkts=")
        self.assertRegex(out, r"port +2: rx pkts=")

    def test_dump_flows_shows_policy_flows_with_their_cookie(self):
        out = self.dump_flows()
        policy_flows = [line for line in out.splitlines() if "cookie=0x5c00000000000000" in line]
        # Table 0: one per port; table 40: the flood flow and the static MAC.
        self.assertGreaterEqual(len(policy_flows), 4, out)
        self.assertRegex(out, r"cookie=0x5c00000000000000, .*table=0, .*priority=100,in_port=1")
        self.assertRegex(out, r"cookie=0x5c00000000000000, .*table=40, .*priority=0,"
                              r"metadata=0x64/0xfff actions=group:100")
        self.assertRegex(out, r"table=40, .*priority=200,metadata=0x64/0xfff,"
                              r"dl_dst=02:00:00:00:00:01 actions=output:1")

    def test_openflow10_client_fails_version_negotiation(self):
        r = self.ofctl_run("show", check=False, version="OpenFlow10")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("version negotiation failed", r.stderr)

    # -- changing flows

    def test_add_flow_and_add_flows(self):
        for text, shown in CONTRACT_FLOWS:
            self.ofctl("add-flow", text)
            self.assertRegex(self.dump_flows(), shown)
        path = f"{self.res.tmpdir}/flows.txt"
        with open(path, "w") as f:
            for i in (1, 2):
                f.write(f"cookie=0x1101,table=40,priority=200,metadata=0x64/0xfff,"
                        f"dl_dst=02:00:00:00:11:0{i},actions=output:{i}\n")
        self.ofctl("add-flows", path)
        added = self.dump_flows("cookie=0x1101/-1")
        self.assertEqual(added.count("cookie=0x1101"), 2, added)

    def test_mod_flows_and_del_flows_by_cookie(self):
        for i in (1, 2):
            self.ofctl("add-flow", f"cookie=0x1201,table=40,priority=200,metadata=0x64/0xfff,"
                                   f"dl_dst=02:00:00:00:12:0{i},actions=output:1")
        self.ofctl("add-flow", "cookie=0x1202,table=40,priority=200,metadata=0x64/0xfff,"
                               "dl_dst=02:00:00:00:12:03,actions=output:1")
        self.ofctl("mod-flows", "cookie=0x1201/-1,table=40,actions=output:2")
        modified = self.dump_flows("cookie=0x1201/-1")
        self.assertEqual(modified.count("actions=output:2"), 2, modified)
        self.ofctl("del-flows", "cookie=0x1201/-1")
        out = self.dump_flows()
        self.assertNotIn("cookie=0x1201", out)
        self.assertIn("cookie=0x1202", out)
        self.assertIn("cookie=0x5c00000000000000", out)

    def test_refused_flow_reports_the_dataplane_error(self):
        r = self.ofctl_run("add-flow", "table=70,priority=1,actions=output:1", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("OFPFMFC_BAD_TABLE_ID", r.stderr)
        # The request ovs-ofctl prints back came through with its own xid.
        self.assertRegex(r.stderr, r"OFPT_FLOW_MOD \(OF1\.3\) \(xid=0x[0-9a-f]+\): ADD table:70")

    def test_the_learning_table_takes_a_plain_flow(self):
        # Table 40 (sluicectl's learning table) takes any valid flow, as on Open vSwitch; it
        # runs as a plain table while the flow is there.
        flow = "table=40,priority=10,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:2"
        try:
            r = self.ofctl_run("add-flow", f"cookie=0x7702,{flow}", check=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = self.dump_flows("table=40,cookie=0x7702/-1")
            self.assertIn("priority=10", out)
            self.assertRegex(out, r"actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:2")
        finally:
            self.ofctl_run("del-flows", "cookie=0x7702/-1", check=False)
        self.assertNotIn("cookie=0x7702", self.dump_flows("table=40"))

    def test_frag_modes_and_the_refused_reassembly(self):
        # OFPC_FRAG_REASM is refused with the spec's error (SWITCH_CONFIG_FAILED/BAD_FLAGS) and
        # the configuration stays as it was; NORMAL and DROP are taken and read back.
        self.assertEqual(self.ofctl("get-frags").strip(), "normal")
        try:
            r = self.ofctl_run("set-frags", "reassemble", check=False)
            h.log(r.stdout + r.stderr)
            self.assertNotEqual(r.returncode, 0, "reassembly was accepted")
            self.assertIn("OFPSCFC_BAD_FLAGS", r.stderr)
            self.assertEqual(self.ofctl("get-frags").strip(), "normal")
            self.ofctl("set-frags", "drop")
            self.assertEqual(self.ofctl("get-frags").strip(), "drop")
        finally:
            self.ofctl_run("set-frags", "normal", check=False)
        self.assertEqual(self.ofctl("get-frags").strip(), "normal")

    def test_groups(self):
        self.ofctl("add-group", "group_id=5000,type=all,bucket=output:1,bucket=output:2")
        self.assertIn("group_id=5000,type=all,bucket=actions=output:1,bucket=actions=output:2",
                      self.ofctl("dump-groups"))
        self.ofctl("del-groups", "group_id=5000")
        out = self.ofctl("dump-groups")
        self.assertNotIn("group_id=5000", out)
        self.assertIn("group_id=100,type=all", out)

    def test_ovs_ofctl_without_no_names(self):
        # ovs-ofctl first reads TABLE_FEATURES (for table names), then does the work.
        def plain(*args):
            return h.run([OFCTL, "-O", "OpenFlow13", "--timeout=20", args[0], self.target,
                          *args[1:]], timeout=30)
        out = plain("dump-table-features").stdout
        self.assertIn("table 0 (\"table0\")", out)
        self.assertRegex(out, r"max_entries=\d+")
        plain("add-flow", "cookie=0x5001,table=6,priority=9,ip,nw_dst=10.5.0.0/16,"
                          "actions=set_field:10.6.0.1->ip_dst,output:1")
        self.assertIn("cookie=0x5001", plain("dump-flows", "cookie=0x5001/-1").stdout)
        plain("del-flows", "cookie=0x5001/-1")
        self.assertNotIn("cookie=0x5001", plain("dump-flows").stdout)

    # -- statistics, bundles, FLOW_REMOVED

    def test_dump_tables_counts_flows_and_lookups(self):
        out = self.ofctl("dump-tables")
        self.assertIn("OFPST_TABLE reply (OF1.3)", out)
        # Table 0 holds one ingress flow per port; table 40 the flood flow and the static MAC.
        self.assertRegex(out, r"table 0:\s+active=2, lookup=\d+, matched=\d+")
        self.assertRegex(out, r"table 40:\s+active=\d+, lookup=\d+, matched=\d+")
        self.assertRegex(out, r"tables? [0-9.]*63")  # all 64 tables are reported

    def test_dump_aggregate(self):
        out = self.ofctl("dump-aggregate", "cookie=0x5c00000000000000/-1")
        m = re.search(r"flow_count=(\d+)", out)
        self.assertIsNotNone(m, out)
        self.assertGreaterEqual(int(m.group(1)), 4, out)

    def test_group_stats(self):
        self.ofctl("add-group", "group_id=5100,type=select,bucket=weight:1,actions=output:1,"
                                "bucket=weight:2,actions=output:2")
        try:
            out = self.ofctl("dump-group-stats", "group_id=5100")
            self.assertRegex(out, r"group_id=5100,.*ref_count=0,packet_count=0,byte_count=0,"
                                  r"bucket0:packet_count=0,byte_count=0,"
                                  r"bucket1:packet_count=0,byte_count=0")
        finally:
            self.ofctl("del-groups", "group_id=5100")

    def test_bundle_is_all_or_nothing(self):
        path = f"{self.res.tmpdir}/bundle.txt"
        good = [f"cookie=0x3001,table=4,priority={p},ip,nw_dst=10.9.{p}.0/24,actions=output:1"
                for p in range(1, 101)]
        with open(path, "w") as f:
            f.write("\n".join(good + ["cookie=0x3001,table=70,priority=1,actions=output:1"]) + "\n")
        r = h.run([OFCTL, "-O", "OpenFlow13", "--no-names", "--bundle", "add-flows",
                   self.target, path], check=False, timeout=30)
        self.assertNotEqual(r.returncode, 0, "a bundle with a bad flow was committed")
        self.assertIn("OFPFMFC_BAD_TABLE_ID", r.stderr)
        self.assertNotIn("cookie=0x3001", self.dump_flows("cookie=0x3001/-1"))
        with open(path, "w") as f:
            f.write("\n".join(good) + "\n")
        h.run([OFCTL, "-O", "OpenFlow13", "--no-names", "--bundle", "add-flows", self.target, path],
              timeout=30)
        self.assertEqual(self.dump_flows("cookie=0x3001/-1").count("cookie=0x3001"), 100)
        self.ofctl("del-flows", "cookie=0x3001/-1")

    def test_flow_removed_reaches_the_controller(self):
        client = RawClient(self.of_port)
        self.addCleanup(client.close)
        client.hello()
        client.send(flow_mod_add(21, cookie=0x4001, table=5, priority=7, hard_timeout=1,
                                 flags=OFPFF_SEND_FLOW_REM))
        client.send(of_msg(OFPT_BARRIER_REQUEST, 22))
        seen = []
        while True:  # the barrier reply, then (about a second later) FLOW_REMOVED
            msg_type, xid, body = client.recv()
            seen.append(msg_type)
            if msg_type == OFPT_FLOW_REMOVED:
                break
            self.assertLess(len(seen), 50, f"no FLOW_REMOVED among {seen}")
        self.assertIn(OFPT_BARRIER_REPLY, seen)
        cookie, priority, reason, table = struct.unpack("!QHBB", body[:12])
        self.assertEqual((cookie, priority, reason, table), (0x4001, 7, OFPRR_HARD_TIMEOUT, 5))
        self.assertNotIn("cookie=0x4001", self.dump_flows())

    def test_policy_reload_keeps_flows_added_over_openflow(self):
        self.ofctl("add-flow", "cookie=0x2001,table=40,priority=200,metadata=0x64/0xfff,"
                               "dl_dst=02:00:00:00:20:01,actions=output:2")
        controller = self.switch.controller
        start = controller.log_size()
        self.switch.write_policy(POLICY_RELOADED)
        controller.proc.send_signal(signal.SIGHUP)
        controller.wait_for_output(r"applied policy .*\+1 flows", timeout=20, start=start)
        out = self.dump_flows()
        self.assertRegex(out, r"cookie=0x2001, .*dl_dst=02:00:00:00:20:01 actions=output:2")
        self.assertRegex(out, r"cookie=0x5c00000000000000, .*dl_dst=02:00:00:00:00:02 "
                              r"actions=output:2")
        # And back: the policy's static MAC goes, ovs-ofctl's flow stays.
        start = controller.log_size()
        self.switch.write_policy(POLICY)
        controller.proc.send_signal(signal.SIGHUP)
        controller.wait_for_output(r"applied policy .*-1 flows", timeout=20, start=start)
        out = self.dump_flows()
        self.assertNotIn("dl_dst=02:00:00:00:00:02", out)
        self.assertIn("cookie=0x2001", out)

    # -- the Unix socket, port messages, bundles of clients that die

    def test_unix_socket_serves_ovs_ofctl(self):
        st = os.stat(self.unix_path)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(st.st_mode & 0o777, 0o600)
        r = h.run([OFCTL, "-O", "OpenFlow13", "--no-names", "--timeout=20", "dump-flows",
                   f"unix:{self.unix_path}"], timeout=30)
        self.assertIn("cookie=0x5c00000000000000", r.stdout)
        path = f"{self.res.tmpdir}/unix-bundle.txt"
        with open(path, "w") as f:
            f.write("cookie=0x3101,table=4,priority=5,ip,nw_dst=10.8.0.0/24,actions=output:1\n")
        h.run([OFCTL, "-O", "OpenFlow13", "--no-names", "--bundle", "add-flows",
               f"unix:{self.unix_path}", path], timeout=30)
        self.assertIn("cookie=0x3101", self.dump_flows("cookie=0x3101/-1"))
        self.ofctl("del-flows", "cookie=0x3101/-1")

    def test_port_add_is_refused_on_both_endpoints(self):
        for client in (RawClient(self.of_port), RawClient(path=self.unix_path)):
            self.addCleanup(client.close)
            client.hello()
            client.send(port_add(31, 40, "intruder"))
            client.send(of_msg(OFPT_BARRIER_REQUEST, 32))
            msg_type, xid, body = client.recv()
            self.assertEqual((msg_type, xid), (OFPT_ERROR, 31))
            self.assertEqual(struct.unpack("!HH", body[:4]), (OFPET_BAD_REQUEST, OFPBRC_EPERM))
            msg_type, xid, _ = client.recv()
            self.assertEqual((msg_type, xid), (OFPT_BARRIER_REPLY, 32))
        self.assertNotIn("intruder", self.switch.show_ports())
        self.assertNotIn("intruder", self.ofctl("dump-ports-desc"))

    def test_a_bundle_left_open_by_a_dead_client_does_not_block_the_next(self):
        # A client opens bundle 0 (the id ovs-ofctl --bundle uses) and dies.
        client = RawClient(self.of_port)
        client.hello()
        client.send(bundle_open(41, 0))
        msg_type, xid, body = client.recv()
        self.assertEqual((msg_type, xid), (OFPT_EXPERIMENTER, 41))
        self.assertEqual(struct.unpack("!IIIH", body[:14])[3], OFPBCT_OPEN_REPLY)
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # a reset, as a crash would leave it
        h.wait_for("the endpoint to see the client go",
                   lambda: re.search(r"discarded 1 bundle\(s\) client \d+ left open",
                                     self.switch.controller.output()), timeout=10)
        path = f"{self.res.tmpdir}/after-dead.txt"
        with open(path, "w") as f:
            f.write("cookie=0x3201,table=4,priority=6,ip,nw_dst=10.7.0.0/24,actions=output:1\n")
        r = h.run([OFCTL, "-O", "OpenFlow13", "--no-names", "--bundle", "add-flows",
                   self.target, path], check=False, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cookie=0x3201", self.dump_flows("cookie=0x3201/-1"))
        self.ofctl("del-flows", "cookie=0x3201/-1")

    # -- roles

    def test_slave_is_refused_flow_changes(self):
        client = RawClient(self.of_port)
        self.addCleanup(client.close)
        client.hello()
        client.send(of_msg(OFPT_ROLE_REQUEST, 7, struct.pack("!I4xQ", OFPCR_ROLE_SLAVE, 1)))
        msg_type, xid, body = client.recv()
        self.assertEqual((msg_type, xid), (OFPT_ROLE_REPLY, 7))
        self.assertEqual(struct.unpack("!I4xQ", body), (OFPCR_ROLE_SLAVE, 1))

        client.send(flow_mod_add(8, cookie=0x3001, table=40, priority=300))
        client.send(of_msg(OFPT_BARRIER_REQUEST, 9))
        msg_type, xid, body = client.recv()
        self.assertEqual((msg_type, xid), (OFPT_ERROR, 8))
        self.assertEqual(struct.unpack("!HH", body[:4]), (OFPET_BAD_REQUEST, OFPBRC_IS_SLAVE))
        msg_type, xid, _ = client.recv()
        self.assertEqual((msg_type, xid), (OFPT_BARRIER_REPLY, 9))
        self.assertNotIn("cookie=0x3001", self.dump_flows())
        self.assertTrue(re.search(r"openflow: client \d+ is now SLAVE",
                                  self.switch.controller.output()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
