"""PORT_ADDs that would make root's sluiced touch the host where it must not.

A pcap port writing a capture outside sluiced's --pcap-dir (it could as well be /etc/shadow):
only the dataplane knows its --pcap-dir, so the YAML validator lets it through and `sluicectl
apply` sends it over the real channel; sluiced refuses it with the Sluice error
BAD_PORT_ARGUMENT and a sentence saying why, creates no file and counts the refusal
(sluice_port_add_refused_total); the ports the same policy gets right are created.

A pcap port smuggling a tx_pcap in through 'options': the validator applies the dataplane's own
rules (openflow/port_rules), so sluicectl refuses the policy with the field's position before
sending anything, and the dataplane's state is untouched."""

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
        ])
        path = switch.write_policy(policy)
        out = switch.ctl("apply", "--policy", path, check=False, timeout=30)
        text = out.stdout + out.stderr
        h.log(text)
        self.assertNotEqual(out.returncode, 0, "apply reported success for refused ports")
        self.assertIn("BAD_PORT_ARGUMENT", text)
        self.assertIn("directly in the pcap directory", text)
        self.assertFalse(os.path.exists(clobbered), "sluiced wrote a file outside --pcap-dir")
        # The refusal is counted; the good port exists and wrote its capture.
        m = switch.metrics()
        refused = m.total("sluice_port_add_refused_total")
        self.assertGreaterEqual(refused, 1, f"refusal not counted (got {refused})")
        self.assertIn("ok0", switch.show_ports())
        self.assertTrue(os.path.exists(good))

        # Options that the dataplane would refuse are refused by the validator, with a position.
        smuggler = h.make_policy([
            {"name": "ok0", "type": "pcap", "tx_pcap": good},
            {"name": "bad1", "type": "pcap", "tx_pcap": os.path.join(pcap_dir, "x.pcap"),
             "options": f"tx_pcap={smuggled}"},
        ])
        path = switch.write_policy(smuggler)
        out = switch.ctl("apply", "--policy", path, check=False, timeout=30)
        text = out.stdout + out.stderr
        h.log(text)
        self.assertNotEqual(out.returncode, 0, "apply accepted options the dataplane refuses")
        self.assertRegex(text, r":\d+:\d+: ports\[1\]\.options: key 'tx_pcap' is not allowed")
        self.assertNotIn("BAD_PORT_ARGUMENT", text, "the policy reached the dataplane")
        self.assertFalse(os.path.exists(smuggled), "sluiced wrote a file named in options")
        self.assertNotIn("bad1", switch.show_ports())


if __name__ == "__main__":
    unittest.main()
