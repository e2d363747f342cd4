"""A vhost-user port in client mode (`mode: client`: sluiced connects to the socket, DPDK's vhost
PMD with client=1, which reconnects by itself). The "VM" is dpdk-testpmd with a virtio_user port
in server mode (it creates the socket and waits for sluiced) bridged to a tap in a namespace.

The guest pings a namespace host on an af_packet port in the same VLAN; then the guest is stopped
and started again on the same socket, and traffic must come back without sluiced restarting and
with the guest's port still programmed."""

import os
import time
import unittest

import sluice_harness as h
import test_vhost_user

GUEST_IP = "10.100.0.1/24"
RECONNECT_TIMEOUT = 20  # seconds for traffic to come back after the guest is restarted


class VhostUserClientTest(test_vhost_user.VhostUserGuestTestBase):
    def port_row(self, switch: h.Switch, name: str) -> list[str] | None:
        """Port 'name' in `sluicectl show ports` as [PORT, NAME, ADMIN, LINK, RX_PKTS, ...], or
        None when it is not listed."""
        for line in switch.show_ports().splitlines():
            fields = line.split()
            if len(fields) > 3 and fields[1] == name:
                return fields
        return None

    def link(self, switch: h.Switch, name: str) -> str | None:
        row = self.port_row(switch, name)
        return row[3] if row else None

    @staticmethod
    def start_time(pid: int) -> str:
        """The process's start time (in clock ticks since boot): identifies it beyond its pid."""
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]

    def start_wired_guest(self, sock: str, ns: h.Host, n: int) -> tuple[h.Process, float]:
        """Starts the guest (virtio_user server on 'sock') and moves its new tap into 'ns'.
        Returns the guest and the seconds until testpmd was forwarding (sluiced connected)."""
        tap = h.unique("tap")
        t0 = time.monotonic()
        guest = self.start_guest(sock, tap, server=True, name=f"testpmd-{n}")
        up = time.monotonic() - t0
        self.wire_tap(tap, ns, GUEST_IP)
        return guest, up

    def test_client_port_reconnects_to_restarted_guest(self):
        res = self.res
        sock = os.path.join(res.tmpdir, "vm1.sock")
        # The guest creates the socket; remove it should a guest die without doing so.
        res.on_close("guest socket", lambda: os.path.exists(sock) and os.unlink(sock))
        host = h.create_host(res, "h2", "10.100.0.2/24")
        guest_ns = h.create_namespace(res, "gst")
        switch = h.Switch(res)
        switch.start()
        # sluiced gets the client port before any guest exists: it must keep retrying.
        switch.start_controller(
            h.make_policy([
                {"name": "vm1", "type": "vhost-user", "path": sock, "mode": "client",
                 "vlan": h.access(100)},
                h.af_packet_port("h2", host.sw_iface, h.access(100)),
            ]),
            wait_ports=["vm1", "h2"],
        )
        sluiced_pid = switch.sluiced.pid
        sluiced_started = self.start_time(sluiced_pid)
        h.log(f"vm1 link before any guest: {self.link(switch, 'vm1')}")

        # (1) First guest: traffic in both directions.
        guest, up = self.start_wired_guest(sock, guest_ns, 1)
        h.log(f"guest 1 forwarding {up:.1f} s after start (sluiced connected)")
        self.wait_ping(guest_ns, host.addr, timeout=30)
        self.assert_no_loss(guest_ns.ping(host.addr, count=5), 5)
        self.assert_no_loss(host.ping(GUEST_IP.split("/")[0], count=5), 5)
        rx_before = switch.metrics().port("sluice_port_rx_packets_total", "vm1")
        self.assertGreaterEqual(rx_before, 5)

        # (2) Stop the guest (our own testpmd: SIGTERM, wait), then start a new one on the same
        # socket with a new tap in the same namespace.
        t0 = time.monotonic()
        rc = guest.stop(grace=10)
        h.log(f"guest 1 stopped in {time.monotonic() - t0:.1f} s (exit status {rc})")
        self.assertTrue(switch.sluiced.running(), "sluiced exited when the guest went away")
        # The link goes down once sluiced sees the socket close (logged, not checked: the port
        # only has to stay listed).
        try:
            h.wait_for("vm1 link down", lambda: self.link(switch, "vm1") == "down", timeout=5)
            h.log(f"vm1 link down {time.monotonic() - t0:.1f} s after guest 1 was stopped")
        except TimeoutError:
            h.log(f"vm1 link still {self.link(switch, 'vm1')} 5 s after guest 1 stopped")
        self.assertIsNotNone(self.port_row(switch, "vm1"),
                             f"vm1 vanished from show ports:\n{switch.show_ports()}")
        if os.path.exists(sock):
            h.log("the stopped guest left its socket file behind")

        t_restart = time.monotonic()
        guest2, up2 = self.start_wired_guest(sock, guest_ns, 2)
        h.log(f"guest 2 forwarding {up2:.1f} s after start (sluiced reconnected)")
        # Bounded: the first successful ping within RECONNECT_TIMEOUT of starting guest 2.
        remaining = RECONNECT_TIMEOUT - (time.monotonic() - t_restart)
        self.assertGreater(remaining, 0, f"guest 2 took {up2:.1f} s to come up")
        self.wait_ping(guest_ns, host.addr, timeout=remaining)
        h.log(f"traffic back {time.monotonic() - t_restart:.1f} s after guest 2 was started")
        self.assert_no_loss(guest_ns.ping(host.addr, count=5), 5)

        # sluiced did not restart, and the port is still there (and up).
        self.assertTrue(switch.sluiced.running(), "sluiced exited")
        self.assertEqual(self.start_time(sluiced_pid), sluiced_started,
                         "sluiced is not the process that was started")
        self.assertEqual(switch.sluiced.output().count("sluiced ready"), 1,
                         "sluiced started more than once")
        row = self.port_row(switch, "vm1")
        self.assertIsNotNone(row, f"vm1 missing from show ports:\n{switch.show_ports()}")
        self.assertEqual(row[3], "up", f"vm1 link is not up: {row}")
        self.assertTrue(switch.controller.running(), "sluicectl exited")
        self.assertGreater(switch.metrics().port("sluice_port_rx_packets_total", "vm1"),
                           rx_before)
        guest2.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
