"""sluicectl run watches its policy file: a bad edit is rejected without touching traffic, a
good edit takes effect.

vm1 10.100.0.1 and vm2 10.100.0.2 on VLAN 100, vm3 10.100.0.3 on VLAN 200 (same subnet).
"""

import re
import time
import unittest

import sluice_harness as h

BAD_YAML = """version: 1
networks:
  - name: vlan100
    vlan: 100
ports: [ {name: vm1, type: af_packet
"""


class PolicyReloadTest(h.SluiceTestCase):
    def setUp(self):
        # A fresh switch per test: each test edits the policy.
        self.res = h.Resources()
        self.addCleanup(self.res.close)
        self.vm1 = h.create_host(self.res, "vm1", "10.100.0.1/24")
        self.vm2 = h.create_host(self.res, "vm2", "10.100.0.2/24")
        self.vm3 = h.create_host(self.res, "vm3", "10.100.0.3/24")
        self.switch = h.Switch(self.res)
        self.switch.start()
        self.switch.start_controller(self.policy(vm2_vlan=100), wait_ports=["vm1", "vm2", "vm3"])
        self.wait_ping(self.vm1, self.vm2.addr)

    def policy(self, vm2_vlan):
        return h.make_policy([
            h.af_packet_port("vm1", self.vm1.sw_iface, h.access(100)),
            h.af_packet_port("vm2", self.vm2.sw_iface, h.access(vm2_vlan)),
            h.af_packet_port("vm3", self.vm3.sw_iface, h.access(200)),
        ], vlans=[100, 200])

    def test_invalid_policy_is_rejected_and_traffic_keeps_flowing(self):
        controller = self.switch.controller
        log_start = controller.log_size()
        ping = self.vm1.ping_background(self.vm2.addr, count=100, interval=0.05)
        time.sleep(1)
        self.switch.write_policy(BAD_YAML)
        # The error names the file and the place: policy.yaml:<line>:<col>.
        controller.wait_for_output(r"policy\.yaml:\d+:\d+", timeout=15, start=log_start)
        result = ping.result()
        self.assert_no_loss(result, 100)
        self.assertTrue(controller.running(), "sluicectl exited on a bad policy")
        # Still the old policy.
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=3), 3)

    def test_valid_change_takes_effect(self):
        self.assertEqual(self.vm2.ping(self.vm3.addr, count=2, wait=1).received, 0,
                         "vm2 (VLAN 100) reached vm3 (VLAN 200) before the change")
        # Move vm2 to VLAN 200.
        self.switch.write_policy(self.policy(vm2_vlan=200))
        self.wait_ping(self.vm2, self.vm3.addr, timeout=20)
        self.assert_no_loss(self.vm2.ping(self.vm3.addr, count=5), 5)
        # vm1's neighbour entry for vm2 may still be valid: unicast must not cross either.
        result = self.vm1.ping(self.vm2.addr, count=5, interval=0.2, wait=1)
        self.assertEqual(result.received, 0, f"vm1 (VLAN 100) still reaches vm2: {result}")

    def test_bad_then_fixed(self):
        self.switch.write_policy(BAD_YAML)
        self.switch.controller.wait_for_output(r"policy\.yaml:\d+:\d+", timeout=15)
        self.switch.write_policy(self.policy(vm2_vlan=200))
        self.wait_ping(self.vm2, self.vm3.addr, timeout=20)
        self.assertTrue(re.search(r"\bvm2\b", self.switch.show_ports()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
