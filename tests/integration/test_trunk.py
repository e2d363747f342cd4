"""A trunk port to a Linux host that speaks 802.1Q, plus access hosts on VLANs 100 and 200.

The trunk host has 10.100.0.10 on VLAN 100 and 10.200.0.10 on VLAN 200: as kernel 802.1Q
sub-interfaces eth0.100 / eth0.200 where the kernel has them (CONFIG_VLAN_8021Q), otherwise as
vlan_responder.py (scapy), which answers ARP and ping only on the right tag.
"""

import os
import unittest

import sluice_harness as h

RESPONDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vlan_responder.py")


class TrunkTest(h.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        res = cls.res
        cls.a100 = h.create_host(res, "a100", "10.100.0.1/24")
        cls.a200 = h.create_host(res, "a200", "10.200.0.1/24")
        cls.trunk = h.create_host(res, "tr")
        try:
            cls.trunk.add_vlan(100, "10.100.0.10/24")
            cls.trunk.add_vlan(200, "10.200.0.10/24")
            cls.kernel_vlans = True
        except RuntimeError as e:
            if "Unknown device type" not in str(e):
                raise
            cls.kernel_vlans = False
            h.log("this kernel has no 802.1Q sub-interfaces; the trunk host answers with "
                  "vlan_responder.py (scapy) instead")
            cls.responder = cls.trunk.popen(
                "vlan-responder", "/usr/bin/python3", RESPONDER, "eth0",
                "100=10.100.0.10", "200=10.200.0.10")
            cls.responder.wait_for_output(r"(?m)^ready$", timeout=30)
        cls.switch = h.Switch(res)
        cls.switch.start()
        cls.switch.start_controller(
            h.make_policy([
                h.af_packet_port("a100", cls.a100.sw_iface, h.access(100)),
                h.af_packet_port("a200", cls.a200.sw_iface, h.access(200)),
                h.af_packet_port("trunk", cls.trunk.sw_iface, h.trunk([100, 200])),
            ]),
            wait_ports=["a100", "a200", "trunk"],
        )

    def test_ping_over_each_vlan(self):
        self.wait_ping(self.a100, "10.100.0.10")
        self.assert_no_loss(self.a100.ping("10.100.0.10", count=5), 5)
        self.wait_ping(self.a200, "10.200.0.10")
        self.assert_no_loss(self.a200.ping("10.200.0.10", count=5), 5)

    def test_trunk_frames_are_tagged(self):
        self.wait_ping(self.a100, "10.100.0.10")
        self.wait_ping(self.a200, "10.200.0.10")
        capture = h.Capture(self.trunk, "eth0")
        self.assert_no_loss(self.a100.ping("10.100.0.10", count=3), 3)
        self.assert_no_loss(self.a200.ping("10.200.0.10", count=3), 3)
        text = capture.stop()
        self.assertRegex(text, r"vlan 100, .*10\.100\.0\.1 > 10\.100\.0\.10: ICMP echo request")
        self.assertRegex(text, r"vlan 200, .*10\.200\.0\.1 > 10\.200\.0\.10: ICMP echo request")
        # Nothing from the access hosts reaches the trunk untagged.
        for line in text.splitlines():
            if "ICMP echo request" in line:
                self.assertIn("802.1Q", line, f"untagged frame on the trunk: {line}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
