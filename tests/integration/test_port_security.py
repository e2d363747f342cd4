"""Port security (nfv/port_security) between Linux hosts on af_packet ports.

vm1 10.100.0.1 is protected: its policy port has security {macs: [vm1's MAC], ips: [10.100.0.1]}.
vm2 10.100.0.2 and vm3 10.100.0.3 are not; vm3 witnesses what vm1's broadcasts reach. All on
VLAN 100. vm1 then misbehaves as a hostile VM would: it sends from another address, claims
vm2's address in ARP, and sends from a MAC that is not its own. Each is dropped by the
port_security stage and counted under its reason, and the table-10 flows ovs-ofctl reads
through the OpenFlow endpoint count the packets they matched.
"""

import re
import shutil
import socket
import struct
import unittest

import sluice_harness as h

OFCTL = shutil.which("ovs-ofctl")
FOREIGN_MAC = "02:00:00:00:00:99"
SPOOFED_ADDR = "10.100.0.9"


def mac_bytes(mac: str) -> bytes:
    return bytes(int(b, 16) for b in mac.split(":"))


def arp_frame(src_mac: str, sha: str, spa: str, tpa: str, op: int = 2) -> bytes:
    """A broadcast ARP frame (op 2: an unsolicited reply, the way a host claims an address)."""
    eth = b"\xff" * 6 + mac_bytes(src_mac) + struct.pack("!H", 0x0806)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac_bytes(sha) + socket.inet_aton(spa)
    arp += b"\x00" * 6 + socket.inet_aton(tpa)
    return eth + arp + b"\x00" * 18  # padded to 60 bytes


# Sends raw frames from inside a host's namespace: argv = iface, count, hex frame.
SENDER = (
    "import socket, sys, time\n"
    "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
    "s.bind((sys.argv[1], 0))\n"
    "frame = bytes.fromhex(sys.argv[3])\n"
    "for _ in range(int(sys.argv[2])):\n"
    "    s.send(frame)\n"
    "    time.sleep(0.02)\n"
)


class PortSecurityTest(h.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        res = cls.res
        cls.vm1 = h.create_host(res, "vm1", "10.100.0.1/24")
        cls.vm2 = h.create_host(res, "vm2", "10.100.0.2/24")
        cls.vm3 = h.create_host(res, "vm3", "10.100.0.3/24")
        vm1_port = h.af_packet_port("vm1", cls.vm1.sw_iface, h.access(100))
        vm1_port["security"] = {"macs": [cls.vm1.mac()], "ips": [cls.vm1.addr]}
        cls.switch = h.Switch(res)
        cls.switch.start()
        extra = []
        if OFCTL is not None:
            cls.of_port = h.free_tcp_port()
            extra = ["--openflow-listen", f"127.0.0.1:{cls.of_port}"]
        cls.switch.start_controller(
            h.make_policy([
                vm1_port,
                h.af_packet_port("vm2", cls.vm2.sw_iface, h.access(100)),
                h.af_packet_port("vm3", cls.vm3.sw_iface, h.access(100)),
            ]),
            wait_ports=["vm1", "vm2", "vm3"], extra_args=extra,
        )

    def setUp(self):
        self.wait_ping(self.vm1, self.vm2.addr)

    def drops(self, reason: str) -> float:
        return self.switch.metrics().total("sluice_drops_total", stage="port_security",
                                           reason=reason)

    def send_raw(self, host: h.Host, frame: bytes, count: int) -> None:
        host.exec("/usr/bin/python3", "-c", SENDER, host.iface, str(count), frame.hex())

    def test_own_addresses_pass(self):
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=5, interval=0.05), 5)
        self.assert_no_loss(self.vm2.ping(self.vm1.addr, count=5, interval=0.05), 5)
        sent, received = h.tcp_transfer(self.res, server=self.vm2, client=self.vm1, size=1 << 20)
        self.assertEqual(sent, received, "the 1 MB file arrived changed or truncated")

    def test_spoofed_source_address_is_dropped(self):
        # vm1 takes a second address; its pings from it never arrive. vm1 already knows vm2's
        # MAC (a static entry), so what it sends is IPv4 from 10.100.0.9, not ARP.
        self.vm1.exec("ip", "addr", "add", f"{SPOOFED_ADDR}/24", "dev", "eth0")
        self.addCleanup(self.vm1.exec, "ip", "addr", "del", f"{SPOOFED_ADDR}/24", "dev", "eth0",
                        check=False)
        self.vm1.exec("ip", "neigh", "replace", self.vm2.addr, "lladdr", self.vm2.mac(),
                      "dev", "eth0", "nud", "permanent")
        self.addCleanup(self.vm1.exec, "ip", "neigh", "del", self.vm2.addr, "dev", "eth0",
                        check=False)
        before = self.drops("spoofed_ip")
        r = self.vm1.exec("ping", "-n", "-q", "-c", "10", "-i", "0.05", "-W", "1",
                          "-I", SPOOFED_ADDR, self.vm2.addr, check=False, timeout=20)
        result = h.PingResult.parse(r.stdout + r.stderr)
        self.assertEqual(result.transmitted, 10, result.text)
        self.assertEqual(result.received, 0, f"pings from {SPOOFED_ADDR} got through: {result}")
        self.assertGreaterEqual(self.drops("spoofed_ip") - before, 10,
                                "the port_security stage did not count the spoofed pings")
        # From its own address it still reaches vm2.
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=3, interval=0.05), 3)

    def test_arp_claiming_another_address_is_dropped(self):
        vm1_mac = self.vm1.mac()
        honest = arp_frame(vm1_mac, vm1_mac, self.vm1.addr, self.vm1.addr)
        spoofed = arp_frame(vm1_mac, vm1_mac, self.vm2.addr, self.vm2.addr)
        capture = h.Capture(self.vm3, "eth0", f"arp and ether src {vm1_mac}")
        before = self.drops("spoofed_arp")
        self.send_raw(self.vm1, spoofed, 10)
        self.send_raw(self.vm1, honest, 3)
        text = capture.stop()
        self.assertGreaterEqual(self.drops("spoofed_arp") - before, 10,
                                "the port_security stage did not count the spoofed ARP")
        # The witness saw vm1's honest claim (the capture works) and none of the spoofed ones.
        self.assertRegex(text, rf"Reply {re.escape(self.vm1.addr)} is-at", text)
        self.assertNotRegex(text, rf"Reply {re.escape(self.vm2.addr)} is-at",
                            "vm1's ARP claiming vm2's address reached vm3")
        # vm2 is still reachable at its real MAC from vm3 (nobody took its address).
        self.assert_no_loss(self.vm3.ping(self.vm2.addr, count=3, interval=0.05), 3)

    def test_foreign_source_mac_is_dropped(self):
        frame = arp_frame(FOREIGN_MAC, FOREIGN_MAC, self.vm1.addr, self.vm1.addr)
        capture = h.Capture(self.vm3, "eth0", f"ether src {FOREIGN_MAC}")
        before = self.drops("spoofed_mac")
        self.send_raw(self.vm1, frame, 10)
        text = capture.stop()
        self.assertGreaterEqual(self.drops("spoofed_mac") - before, 10,
                                "the port_security stage did not count the foreign MAC")
        # tcpdump -e prints each frame as "TIME SRC > DST, ...".
        self.assertNotRegex(text, rf"(?m)^\S+ {FOREIGN_MAC} >",
                            "a frame from a foreign MAC left the switch")

    def test_unprotected_port_is_not_checked(self):
        # vm2 has no 'security': it may send from any address.
        self.vm2.exec("ip", "addr", "add", "10.100.0.12/24", "dev", "eth0")
        self.addCleanup(self.vm2.exec, "ip", "addr", "del", "10.100.0.12/24", "dev", "eth0",
                        check=False)
        r = self.vm2.exec("ping", "-n", "-q", "-c", "3", "-i", "0.05", "-W", "1",
                          "-I", "10.100.0.12", self.vm3.addr, check=False, timeout=20)
        self.assert_no_loss(h.PingResult.parse(r.stdout + r.stderr), 3)

    def test_ovs_ofctl_reads_table_10(self):
        if OFCTL is None:
            self.skipTest("ovs-ofctl is not installed (openvswitch-common)")
        target = f"tcp:127.0.0.1:{self.of_port}"

        def dump():
            r = h.run([OFCTL, "-O", "OpenFlow13", "--no-names", "--timeout=20", "dump-flows",
                       target, "table=10"], check=False, timeout=30)
            return r

        h.wait_for("ovs-ofctl to reach the endpoint", lambda: dump().returncode == 0, timeout=20)

        def flow(text: str, *parts: str) -> str:
            """The one table-10 line holding every one of 'parts'."""
            lines = [l for l in text.splitlines() if all(p in l for p in parts)]
            self.assertEqual(len(lines), 1, f"flows with {parts} in table 10:\n{text}")
            return lines[0]

        def allowed_ip_packets(text: str) -> int:
            line = flow(text, "priority=300,ip,", f"nw_src={self.vm1.addr} ")
            return int(re.search(r"n_packets=(\d+)", line).group(1))

        mac = self.vm1.mac()
        text = dump().stdout
        self.assertIn("actions=goto_table:40",
                      flow(text, "priority=300,arp,", f"dl_src={mac}",
                           f"arp_spa={self.vm1.addr},", f"arp_sha={mac} "))
        self.assertIn("actions=drop", flow(text, "priority=200,ip,", f"dl_src={mac}"))
        self.assertRegex(text, r"table=10, .*priority=10,in_port=\d+ actions=drop", text)
        # vm2's and vm3's ports are not protected: no flows of theirs in table 10.
        self.assertEqual(len(re.findall(r"priority=10,in_port=", text)), 1, text)
        before = allowed_ip_packets(text)
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=5, interval=0.05), 5)
        after = allowed_ip_packets(dump().stdout)
        self.assertGreaterEqual(after - before, 5, "table 10's flow did not count vm1's pings")


if __name__ == "__main__":
    unittest.main()
