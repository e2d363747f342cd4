"""A vhost-user port (sluiced is the server) with a DPDK virtio_user "VM": dpdk-testpmd bridges
virtio_user0 to a tap that sits in a namespace, so a real Linux stack is behind the vhost-user
port. It pings a namespace host on an af_packet port in the same VLAN."""

import os
import shutil
import stat
import subprocess
import unittest

import sluice_harness as h

TESTPMD = shutil.which("dpdk-testpmd")


class VhostUserGuestTestBase(h.SluiceTestCase):
    """Helpers for tests with a dpdk-testpmd guest (no tests of its own). Each test gets its
    own Resources, so every test method cleans up after itself."""

    def setUp(self):
        self.res = h.Resources()
        self.addCleanup(self.res.close)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if TESTPMD is None:
            raise unittest.SkipTest("dpdk-testpmd not found (Debian package dpdk-dev; "
                                    "run scripts/setup)")

    def pmd_command(self, *vdevs: str) -> list[str]:
        prefix = f"sluice-test-{h.unique('pmd')}"
        self.res.on_close("testpmd runtime files",
                          lambda: shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True))
        cmd = [TESTPMD, "--lcores=0@0,1@0", "--no-huge", "-m", "512", "--no-pci", "--single-file-segments",
               "--file-prefix", prefix]
        for vdev in vdevs:
            cmd += ["--vdev", vdev]
        return cmd + ["--", "--forward-mode=io", "--auto-start", "--total-num-mbufs=16384"]

    def pmd_runs_here(self) -> tuple[bool, str]:
        """Whether testpmd runs here at all (with a null port; it exits when stdin ends)."""
        try:
            r = h.run(self.pmd_command("net_null0"), check=False, timeout=60)
        except subprocess.TimeoutExpired:
            return False, "a plain dpdk-testpmd with a null port did not finish in 60 s"
        text = r.stdout + r.stderr
        return "Press enter to exit" in text, text[-1500:]

    def start_guest(self, sock: str, tap: str, server: bool = False,
                    name: str = "testpmd") -> h.Process:
        """testpmd forwarding virtio_user0 (on 'sock') <-> net_tap0 (interface 'tap').
        server=True: virtio_user creates the socket and waits for the switch to connect."""
        virtio = f"virtio_user0,path={sock},queues=1" + (",server=1" if server else "")
        cmd = self.pmd_command(virtio, f"net_tap0,iface={tap}")
        # Without -i, testpmd forwards until its stdin ends: keep a pipe open until cleanup.
        # stdbuf: line-buffered output, so its log is readable while it runs.
        guest = h.Process(self.res, name, ["stdbuf", "-oL", "-eL", *cmd],
                          stdin=subprocess.PIPE, grace=10)

        def up():
            if not guest.running():
                raise RuntimeError(f"dpdk-testpmd exited with {guest.proc.returncode}")
            return "Press enter to exit" in guest.output()

        try:
            h.wait_for("the virtio_user guest (dpdk-testpmd) to start forwarding", up, timeout=60)
        except (RuntimeError, TimeoutError) as e:
            guest.stop()
            ok, detail = self.pmd_runs_here()
            if ok:
                # testpmd works here: the virtio_user <-> sluiced vhost-user attach failed.
                self.fail(f"the virtio_user guest did not come up on sluiced's socket: {e}")
            msg = "dpdk-testpmd cannot run in this environment"
            print(f"SKIP: {msg}:\n{detail}", flush=True)
            self.skipTest(msg)
        return guest

    def wire_tap(self, tap: str, ns: h.Host, ip: str) -> None:
        """Moves testpmd's tap into namespace 'ns' and gives it address 'ip'."""
        h.wait_for(f"tap {tap}", lambda: os.path.exists(f"/sys/class/net/{tap}"), timeout=20)
        h.run(["ip", "link", "set", tap, "netns", ns.ns])
        h.run(["ip", "netns", "exec", ns.ns, "sysctl", "-qw",
               f"net.ipv6.conf.{tap}.disable_ipv6=1"], check=False)
        h.run(["ip", "-n", ns.ns, "addr", "add", ip, "dev", tap])
        h.run(["ip", "-n", ns.ns, "link", "set", tap, "up"])
        h.disable_tx_offload(ns.ns, tap)


class VhostUserTest(VhostUserGuestTestBase):
    def test_linux_guest_behind_vhost_user_pings_af_packet_host(self):
        res = self.res
        sock = os.path.join(res.tmpdir, "vm1.sock")
        host = h.create_host(res, "h2", "10.100.0.2/24")
        switch = h.Switch(res)
        switch.start()
        switch.start_controller(
            h.make_policy([
                {"name": "vm1", "type": "vhost-user", "path": sock, "mode": "server",
                 "vlan": h.access(100)},
                h.af_packet_port("h2", host.sw_iface, h.access(100)),
            ]),
            wait_ports=["vm1", "h2"],
        )
        h.wait_for(f"sluiced to listen on {sock}", lambda: os.path.exists(sock), timeout=20)

        # The guest: virtio_user0 <-> net_tap0 in testpmd, the tap moved into namespace vm1.
        guest_ns = h.create_namespace(res, "gst")
        tap = h.unique("tap")
        self.start_guest(sock, tap)
        self.wire_tap(tap, guest_ns, "10.100.0.1/24")

        self.wait_ping(guest_ns, host.addr, timeout=60)
        self.assert_no_loss(guest_ns.ping(host.addr, count=5), 5)
        self.assert_no_loss(host.ping("10.100.0.1", count=5), 5)
        m = switch.metrics()
        self.assertGreaterEqual(m.port("sluice_port_rx_packets_total", "vm1"), 5)
        self.assertGreaterEqual(m.port("sluice_port_tx_packets_total", "vm1"), 5)

    def test_server_port_comes_back_after_sluiced_is_killed(self):
        """SIGKILL leaves sluiced's server socket behind; the restarted sluiced must replace it
        (it is a stale socket of root's that nobody listens on), create the port again with
        the configured socket mode and group, and carry traffic again."""
        res = self.res
        sock = os.path.join(res.tmpdir, "vm1.sock")
        host = h.create_host(res, "h2", "10.100.0.2/24")
        group = 65534  # nogroup: a group QEMU's user could be in
        switch = h.Switch(res, extra_args=["--vhost-socket-mode", "0660",
                                           "--vhost-socket-group", str(group)])
        switch.start()
        switch.start_controller(
            h.make_policy([
                {"name": "vm1", "type": "vhost-user", "path": sock, "mode": "server",
                 "vlan": h.access(100)},
                h.af_packet_port("h2", host.sw_iface, h.access(100)),
            ]),
            wait_ports=["vm1", "h2"],
        )
        h.wait_for(f"sluiced to listen on {sock}", lambda: os.path.exists(sock), timeout=20)
        st = os.stat(sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660, oct(st.st_mode))
        self.assertEqual((st.st_uid, st.st_gid), (0, group))

        guest_ns = h.create_namespace(res, "gst")
        tap = h.unique("tap")
        guest = self.start_guest(sock, tap)
        self.wire_tap(tap, guest_ns, "10.100.0.1/24")
        self.wait_ping(guest_ns, host.addr, timeout=60)

        old = switch.sluiced
        old.kill()  # SIGKILL to the sluiced this test started, by its pid
        self.assertTrue(os.path.exists(sock), "expected the killed sluiced's socket to remain")
        guest.stop()  # a virtio_user client does not reconnect: the VM is restarted too
        switch.restart_dataplane()
        # sluicectl run pushes the policy again by itself; the port must be created anew.
        switch.wait_ports(["vm1", "h2"], timeout=30)
        self.assertNotIn("refused", switch.sluiced.output())
        st = os.stat(sock)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660, oct(st.st_mode))
        self.assertEqual(st.st_gid, group)

        tap2 = h.unique("tap")
        self.start_guest(sock, tap2, name="testpmd-2")
        self.wire_tap(tap2, guest_ns, "10.100.0.1/24")
        self.wait_ping(guest_ns, host.addr, timeout=60)
        self.assert_no_loss(guest_ns.ping(host.addr, count=5), 5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
