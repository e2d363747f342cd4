"""VLAN bridging between Linux hosts on af_packet ports.

vm1 10.100.0.1, vm2 10.100.0.2 and vm4 10.100.0.4 on VLAN 100; vm3 10.100.0.3 on VLAN 200 (the
same subnet on purpose: only VLAN isolation keeps it apart). vm4 witnesses flooding on VLAN 100.
"""

import time
import unittest

import sluice_harness as h


class VlanSwitchingTest(h.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        res = cls.res
        cls.vm1 = h.create_host(res, "vm1", "10.100.0.1/24")
        cls.vm2 = h.create_host(res, "vm2", "10.100.0.2/24")
        cls.vm3 = h.create_host(res, "vm3", "10.100.0.3/24")
        cls.vm4 = h.create_host(res, "vm4", "10.100.0.4/24")
        cls.switch = h.Switch(res)
        cls.switch.start()
        cls.switch.start_controller(
            h.make_policy([
                h.af_packet_port("vm1", cls.vm1.sw_iface, h.access(100)),
                h.af_packet_port("vm2", cls.vm2.sw_iface, h.access(100)),
                h.af_packet_port("vm3", cls.vm3.sw_iface, h.access(200)),
                h.af_packet_port("vm4", cls.vm4.sw_iface, h.access(100)),
            ]),
            wait_ports=["vm1", "vm2", "vm3", "vm4"],
        )

    def setUp(self):
        self.wait_ping(self.vm1, self.vm2.addr)

    def tx(self, port):
        return self.switch.metrics().port("sluice_port_tx_packets_total", port)

    def test_same_vlan_ping(self):
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=5), 5)
        self.assert_no_loss(self.vm2.ping(self.vm1.addr, count=5), 5)

    def test_same_vlan_tcp(self):
        sent, received = h.tcp_transfer(self.res, server=self.vm2, client=self.vm1, size=1 << 20)
        self.assertEqual(sent, received, "the 1 MB file arrived changed or truncated")

    def test_metrics_count_the_traffic(self):
        before = self.switch.metrics()
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=5, interval=0.05), 5)
        after = self.switch.metrics()
        for port in ("vm1", "vm2"):
            for name in ("sluice_port_rx_packets_total", "sluice_port_tx_packets_total"):
                self.assertGreaterEqual(after.port(name, port) - before.port(name, port), 5,
                                        f"{name}{{port={port}}}")

    def test_cross_vlan_is_isolated(self):
        # ARP from VLAN 200 must not reach VLAN 100.
        result = self.vm3.ping(self.vm1.addr, count=3, interval=0.2, wait=1)
        self.assertEqual(result.received, 0, f"vm3 (VLAN 200) reached vm1: {result}")
        result = self.vm1.ping(self.vm3.addr, count=3, interval=0.2, wait=1)
        self.assertEqual(result.received, 0, f"vm1 reached vm3 (VLAN 200): {result}")

        # Unicast to vm1's MAC (learned on VLAN 100) from VLAN 200 must not be delivered either:
        # give vm3 a static neighbour entry so it sends unicast frames straight away.
        self.vm3.exec("ip", "neigh", "replace", self.vm1.addr, "lladdr", self.vm1.mac(),
                      "dev", "eth0", "nud", "permanent")
        self.wait_ping(self.vm1, self.vm2.addr)  # vm1's MAC is learned (on VLAN 100)
        before = self.switch.metrics()
        result = self.vm3.ping(self.vm1.addr, count=10, interval=0.05, wait=1)
        after = self.switch.metrics()
        self.assertEqual(result.received, 0, f"vm3 reached vm1 by unicast: {result}")
        self.assertGreaterEqual(
            after.port("sluice_port_rx_packets_total", "vm3")
            - before.port("sluice_port_rx_packets_total", "vm3"), 10,
            "the switch did not see vm3's unicast pings")
        delivered = (after.port("sluice_port_tx_packets_total", "vm1")
                     - before.port("sluice_port_tx_packets_total", "vm1"))
        self.assertLess(delivered, 3, "vm3's unicast to vm1's MAC left on vm1's port")
        drops = after.total("sluice_drops_total") - before.total("sluice_drops_total")
        h.log(f"cross-VLAN unicast: vm1 tx grew by {delivered}, sluice_drops_total by {drops}")

    def test_flooding_reaches_the_vlan_only(self):
        # A broadcast ARP for an absent address floods VLAN 100 (vm2, vm4) and never VLAN 200.
        before = self.switch.metrics()
        self.vm1.ping("10.100.0.99", count=3, interval=0.3, wait=1)
        time.sleep(0.5)
        after = self.switch.metrics()

        def grew(port):
            return (after.port("sluice_port_tx_packets_total", port)
                    - before.port("sluice_port_tx_packets_total", port))

        self.assertGreaterEqual(grew("vm4"), 1, "a VLAN 100 broadcast did not reach vm4")
        self.assertEqual(grew("vm3"), 0, "a VLAN 100 broadcast reached vm3 on VLAN 200")

    def test_learned_unicast_is_not_flooded(self):
        # One ping each way teaches the switch both MACs.
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=1), 1)
        time.sleep(0.5)
        witness_before = self.tx("vm4")
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=20, interval=0.05), 20)
        time.sleep(0.5)
        grew = self.tx("vm4") - witness_before
        self.assertLess(grew, 3, f"vm4's port sent {grew} packets during vm1→vm2 unicast")


if __name__ == "__main__":
    unittest.main(verbosity=2)
