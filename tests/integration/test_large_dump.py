"""A FLOW stats dump of 100k flows does not stall the control plane (hardening #11).

The dataplane encodes a dump in chunks of 256 flows and beats the channel heartbeat between
them, so every channel client (a client declares the dataplane gone when its heartbeat has not
moved for 1 s) stays connected while the dump runs. Here `ovs-ofctl --bundle add-flows` puts
100k flows into table 5 through sluicectl's OpenFlow endpoint; `sluicectl dump-flows` reads
them all back over its own channel slot, while `sluicectl show ports` (a third client) polls
beside it and `sluicectl run` keeps its session: all succeed, and the controller never loses the
dataplane."""

import os
import shutil
import threading
import time
import unittest

import sluice_harness as h

OFCTL = shutil.which("ovs-ofctl")
FLOWS = 100_000


class LargeDumpTest(h.SluiceTestCase):
    def test_a_dump_of_100k_flows_keeps_every_client_alive(self):
        if OFCTL is None:
            raise unittest.SkipTest("ovs-ofctl is not installed (openvswitch-common)")
        res = self.res
        switch = h.Switch(res)
        switch.start()
        of_port = h.free_tcp_port()
        policy = h.make_policy([{"name": "n1", "type": "null"}, {"name": "n2", "type": "null"}])
        switch.start_controller(policy, wait_ports=["n1", "n2"],
                                extra_args=["--openflow-listen", f"127.0.0.1:{of_port}"])
        switch.controller.wait_for_output(r"listening for OpenFlow 1.3 clients on tcp:")
        flows = os.path.join(res.tmpdir, "flows.txt")
        with open(flows, "w") as f:
            for i in range(FLOWS):
                f.write(f"table=5,priority=10,ip,nw_dst=10.{i >> 16 & 255}.{i >> 8 & 255}."
                        f"{i & 255},actions=drop\n")
        start = time.monotonic()
        h.run([OFCTL, "-O", "OpenFlow13", "--no-names", "--bundle", "--timeout=120", "add-flows",
               f"tcp:127.0.0.1:{of_port}", flows], timeout=180)
        h.log(f"{FLOWS} flows added in {time.monotonic() - start:.1f} s")

        failures: list[str] = []
        polls = 0
        done = threading.Event()

        def poll_ports():
            nonlocal polls
            while not done.is_set():
                r = switch.ctl("show", "ports", check=False, timeout=30)
                if r.returncode != 0:
                    failures.append(f"show ports: rc {r.returncode}: {r.stderr.strip()}")
                polls += 1
                time.sleep(0.1)

        poller = threading.Thread(target=poll_ports)
        poller.start()
        try:
            start = time.monotonic()
            r = switch.ctl("dump-flows", "--table", "5", check=False, timeout=120)
            took = time.monotonic() - start
        finally:
            done.set()
            poller.join()
        h.log(f"dump-flows of {FLOWS} flows took {took:.2f} s; show ports ran {polls} times")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [line for line in r.stdout.splitlines() if "table=5" in line]
        self.assertEqual(len(lines), FLOWS)
        self.assertEqual(failures, [])
        self.assertGreater(polls, 0)
        self.assertTrue(switch.controller.running(), "sluicectl run exited")
        self.assertNotIn("dataplane connection lost", switch.controller.output())


if __name__ == "__main__":
    unittest.main()
