"""PORT_ADDs that the YAML validator lets through but that would make root's sluiced touch the
host where it must not: a pcap port writing a capture outside sluiced's --pcap-dir (it could as
well be /etc/shadow), and a pcap port smuggling a tx_pcap in through 'options'. `sluicectl
apply` sends them over the real channel; sluiced refuses each with the Sluice error
BAD_PORT_ARGUMENT and a sentence saying why, creates no file and counts the refusal
(sluice_port_add_refused_total); the ports the same policy gets right are created."""

import os
import unittest

import sluice_harness as h


class PortArgsTest(h.SluiceTestCase):
    def test_hostile_port_options_are_refused_over_the_channel(self):
        res = self.res
        pcap_dir = os.path.join(res.tmpdir, "pcap")
        outside = os.path.join(res.tmpdir, "elsewhere")
        os.mkdir(pcap_dir, 0o700)
        os.mkdir(outside, 0o700)
        clobbered = os.path.join(outside, "clobbered.pcap")
        smuggled = os.path.join(outside, "smuggled.pcap")
        good = os.path.join(pcap_dir, "good.pcap")
        switch = h.Switch(res, extra_args=["--pcap-dir", pcap_dir])
        switch.start()
        policy = h.make_policy([
            {"name": "ok0", "type": "pcap", "tx_pcap": good},
            {"name": "bad0", "type": "pcap", "tx_pcap": clobbered},
            {"name": "bad1", "type": "pcap", "tx_pcap": os.path.join(pcap_dir, "x.pcap"),
             "options": f"tx_pcap={smuggled}"},
        ])
        path = switch.write_policy(policy)
        out = switch.ctl("apply", "--policy", path, check=False, timeout=30)
        text = out.stdout + out.stderr
        h.log(text)
        self.assertNotEqual(out.returncode, 0, "apply reported success for refused ports")
        self.assertIn("BAD_PORT_ARGUMENT", text)
        self.assertIn("directly in the pcap directory", text)
        self.assertIn("key 'tx_pcap' is not allowed", text)
        self.assertFalse(os.path.exists(clobbered), "sluiced wrote a file outside --pcap-dir")
        self.assertFalse(os.path.exists(smuggled), "sluiced wrote a file named in options")
        # The refusals are counted; the good port exists and wrote its capture.
        m = switch.metrics()
        refused = m.total("sluice_port_add_refused_total")
        self.assertGreaterEqual(refused, 2, f"refusals not counted (got {refused})")
        self.assertIn("ok0", switch.show_ports())
        self.assertTrue(os.path.exists(good))


if __name__ == "__main__":
    unittest.main()
