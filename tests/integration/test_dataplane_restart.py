"""A dataplane crash and restart under a running controller: `sluicectl run` notices the loss
within one second, keeps running, and pushes the whole policy into the new sluiced by itself
(nobody touches sluicectl): the hosts ping again and the policy's flows are back."""

import datetime
import re
import time
import unittest

import sluice_harness as h

POLICY_COOKIE = "cookie=0x5c00000000000000"
# The line controlplane/daemon.cc (Daemon::drop_session) logs when it loses the dataplane, with
# its UTC timestamp (controlplane/log.cc: "2024-05-01T12:00:00.123Z WARN ...").
LOST = r"(?m)^(\S+) WARN dataplane connection lost: (.*); reconnecting$"
CONNECTED = re.compile(r"connected to the dataplane on channel '[^']*' "
                       r"\(datapath \d+, generation (\d+)\)")
APPLIED = re.compile(r"applied policy \S+: (.*)")
NOTICE_LIMIT_S = 1.0


def log_time(stamp: str) -> float:
    """sluicectl's log timestamp (UTC, millisecond resolution) as seconds since the epoch."""
    when = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    return when.replace(tzinfo=datetime.timezone.utc).timestamp()


def policy_flows(dump: str) -> list[str]:
    """The policy's flows in `sluicectl dump-flows` output, without the fields that change with
    time and traffic (duration, counters), sorted."""
    out = []
    for line in dump.splitlines():
        line = line.strip()
        if not line.startswith(POLICY_COOKIE):
            continue
        line = re.sub(r"duration=[^,]*, ", "", line)
        line = re.sub(r"n_packets=\d+, n_bytes=\d+, ", "", line)
        out.append(line)
    return sorted(out)


class DataplaneRestartTest(h.SluiceTestCase):
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
            # A port of its own, so that a test running beside this one cannot take it.
            extra_args=["--openflow-listen", f"127.0.0.1:{h.free_tcp_port()}"],
        )

    def test_killed_dataplane_is_noticed_and_repopulated(self):
        switch = self.switch
        ctl = switch.controller
        self.wait_ping(self.vm1, self.vm2.addr)
        flows_before = policy_flows(switch.ctl("dump-flows").stdout)
        self.assertTrue(flows_before, "the policy installed no flow")
        first = CONNECTED.findall(ctl.output())
        self.assertEqual(len(first), 1, ctl.output())

        old = switch.sluiced
        mark = ctl.log_size()
        killed_at = time.time()  # just before the signal: the measured time is an upper bound
        old.kill()  # SIGKILL to the sluiced this harness started (by its pid), then reaped
        self.assertFalse(old.running())

        # The notice time comes from sluicectl's own log timestamps (milliseconds, UTC, the
        # same wall clock as time.time() here), not from how fast this test reads the log.
        lost = ctl.wait_for_output(LOST, timeout=10, start=mark)
        notice = log_time(lost.group(1)) - killed_at
        h.log(f"sluicectl noticed the dataplane loss {notice * 1000:.0f} ms after SIGKILL "
              f"({lost.group(2)})")
        self.assertLessEqual(notice, NOTICE_LIMIT_S,
                             f"noticed {notice:.3f} s after the kill: {lost.group(0)}")
        self.assertTrue(ctl.running(), "sluicectl exited when the dataplane died")

        # A new sluiced, started the way the harness started the first one. Nothing is done to
        # sluicectl: it must find the new dataplane and push the whole policy by itself.
        restarted_at = time.monotonic()
        new = switch.restart_dataplane()
        self.assertNotEqual(new.pid, old.pid)
        self.wait_ping(self.vm1, self.vm2.addr, timeout=30)
        h.log(f"ping works again {time.monotonic() - restarted_at:.1f} s after restarting sluiced")

        self.assertIs(switch.controller, ctl)
        self.assertTrue(ctl.running(), "sluicectl exited")
        after = ctl.output()[mark:]
        generations = CONNECTED.findall(after)
        self.assertTrue(generations, f"sluicectl never reconnected:\n{after}")
        self.assertNotEqual(generations[-1], first[0], "reconnected to the old generation")
        applied = APPLIED.findall(after[after.rfind("connected to the dataplane"):])
        self.assertTrue(applied, f"sluicectl did not re-push the policy:\n{after}")

        # The new sluiced started empty, so every policy flow in it came from this push.
        flows_after = policy_flows(switch.ctl("dump-flows").stdout)
        self.assertEqual(flows_after, flows_before)
        ports = switch.show_ports()
        for name in ("vm1", "vm2"):
            self.assertRegex(ports, rf"\b{name}\b")
        m = switch.metrics()
        self.assertIsNotNone(m.get_value("sluice_port_rx_packets_total", port="vm1"))
        self.assertGreater(m.total("sluice_tables_published_total"), 0)
        self.assert_no_loss(self.vm1.ping(self.vm2.addr, count=3), 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
