"""sluiced keeps forwarding when its controller dies, and takes a restarted controller without
flushing: a ping stream through the switch loses nothing across the crash and the restart."""

import time
import unittest

import sluice_harness as h


class ControllerRestartTest(h.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        res = cls.res
        cls.vm1 = h.create_host(res, "vm1", "10.100.0.1/24")
        cls.vm2 = h.create_host(res, "vm2", "10.100.0.2/24")
        cls.switch = h.Switch(res)
        cls.switch.start()
        cls.switch.start_controller(
            h.make_policy([
                h.af_packet_port("vm1", cls.vm1.sw_iface, h.access(100)),
                h.af_packet_port("vm2", cls.vm2.sw_iface, h.access(100)),
            ]),
            wait_ports=["vm1", "vm2"],
        )

    def test_kill_and_restart_controller_loses_no_packet(self):
        self.wait_ping(self.vm1, self.vm2.addr)
        # 400 pings 20 ms apart: about 8 s, spanning the crash, the gap and the restart.
        ping = self.vm1.ping_background(self.vm2.addr, count=400, interval=0.02)
        time.sleep(1.5)
        old = self.switch.controller
        old.kill()  # SIGKILL our own sluicectl: no goodbye to the dataplane
        time.sleep(2)
        self.assertTrue(self.switch.sluiced.running(), "sluiced died with its controller")
        self.switch.start_controller(wait_ports=["vm1", "vm2"], timeout=20)
        result = ping.result()
        self.assert_no_loss(result, 400)
        self.assertTrue(self.switch.controller.running(), "the restarted sluicectl exited")
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=3), 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
