"""Port types other than af_packet and vhost-user, on one VLAN: a tap port (moved into a
namespace host, which sends marked broadcast frames through it), a null port (a sink), a ring
port (net_ring created by sluiced: what it sends comes back on its rx) and a pcap port (reads an
empty capture, writes what it is sent to a capture file). Checks every port carries the frames
and the capture holds them intact."""

import os
import unittest

import sluice_harness as h

MARK = b"sluice-port-types"
FRAMES = 20


def write_empty_pcap(path: str) -> None:
    # pcap global header, no packets: microsecond magic, v2.4, snaplen 65535, Ethernet.
    header = bytes.fromhex("d4c3b2a1" "0200" "0400" "00000000" "00000000" "ffff0000" "01000000")
    with open(path, "wb") as f:
        f.write(header)


def frames_with_mark(path: str) -> int:
    """Counts the frames in a pcap file that carry MARK (parsed by hand: no scapy needed)."""
    with open(path, "rb") as f:
        data = f.read()
    count, at = 0, 24
    while at + 16 <= len(data):
        caplen = int.from_bytes(data[at + 8:at + 12], "little")
        frame = data[at + 16:at + 16 + caplen]
        count += MARK in frame
        at += 16 + caplen
    return count


class PortTypesTest(h.SluiceTestCase):
    def test_tap_null_ring_pcap_carry_traffic(self):
        res = self.res
        tap = f"slt{os.getpid() % 100000}"
        empty = os.path.join(res.tmpdir, "empty.pcap")
        out = os.path.join(res.tmpdir, "out.pcap")
        write_empty_pcap(empty)
        vlan = h.access(7)
        policy = h.make_policy([
            {"name": "tap0", "type": "tap", "iface": tap, "vlan": vlan},
            {"name": "sink0", "type": "null", "vlan": vlan},
            {"name": "ring0", "type": "ring", "ring": f"r{os.getpid() % 100000}", "vlan": vlan},
            {"name": "cap0", "type": "pcap", "rx_pcap": empty, "tx_pcap": out, "vlan": vlan},
        ], vlans=[7])
        switch = h.Switch(res)
        switch.start()
        switch.start_controller(policy, wait_ports=["tap0", "sink0", "ring0", "cap0"])

        # The tap device sluiced made becomes a host's interface.
        host = h.create_namespace(res, "tap")
        h.run(["ip", "link", "set", tap, "netns", host.ns])
        h.run(["ip", "-n", host.ns, "link", "set", tap, "up"])
        before = switch.metrics()
        send = ("from scapy.all import Ether, IP, UDP, Raw, sendp\n"
                f"f = Ether(src='02:00:00:00:07:01', dst='ff:ff:ff:ff:ff:ff')"
                f"/IP(src='10.7.0.1', dst='10.7.0.255')/UDP(sport=7, dport=7)/Raw({MARK!r})\n"
                f"sendp([f] * {FRAMES}, iface='{tap}', verbose=0)\n")
        host.exec("/usr/bin/python3", "-c", send)

        def grew(m, name, port):
            return m.port(name, port) - before.port(name, port)

        h.wait_for("the frames to reach the null port",
                   lambda: grew(switch.metrics(), "sluice_port_tx_packets_total", "sink0") >= FRAMES,
                   timeout=15)
        after = switch.metrics()
        self.assertGreaterEqual(grew(after, "sluice_port_rx_packets_total", "tap0"), FRAMES)
        for port in ("sink0", "ring0", "cap0"):
            self.assertGreaterEqual(grew(after, "sluice_port_tx_packets_total", port), FRAMES,
                                    f"{port} did not send the flooded frames")
        # The ring is a loopback: what the switch sent on it comes back in.
        self.assertGreaterEqual(grew(after, "sluice_port_rx_packets_total", "ring0"), FRAMES)
        # A null port is a sink: it never produces packets.
        self.assertEqual(after.port("sluice_port_rx_packets_total", "sink0"), 0)

        # Stopping sluiced closes the capture file; every marked frame is in it, intact.
        switch.sluiced.stop()
        self.assertGreaterEqual(frames_with_mark(out), FRAMES)


if __name__ == "__main__":
    unittest.main()
