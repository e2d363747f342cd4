"""A real Prometheus server (Debian's) scrapes sluiced's endpoint; the test asks Prometheus, over
its HTTP API, for the switch's counters after traffic has crossed it."""

import json
import os
import shutil
import unittest
import urllib.parse
import urllib.request

import sluice_harness as h

PROMETHEUS = shutil.which("prometheus")


class PrometheusTest(h.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if PROMETHEUS is None:
            raise unittest.SkipTest("prometheus not found (Debian package prometheus; "
                                    "run scripts/setup)")

    def query(self, port: int, expr: str) -> list:
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.load(r)
        self.assertEqual(body["status"], "success", body)
        return body["data"]["result"]

    def test_prometheus_scrapes_the_switch(self):
        res = self.res
        vm1 = h.create_host(res, "vm1", "10.100.0.1/24")
        vm2 = h.create_host(res, "vm2", "10.100.0.2/24")
        switch = h.Switch(res)
        switch.start()
        switch.start_controller(h.make_policy([
            h.af_packet_port("vm1", vm1.sw_iface, h.access(100)),
            h.af_packet_port("vm2", vm2.sw_iface, h.access(100)),
        ]), wait_ports=["vm1", "vm2"])
        self.wait_ping(vm1, vm2.addr)
        self.assert_no_loss(vm1.ping(vm2.addr, count=10, interval=0.05), 10)

        config = os.path.join(res.tmpdir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n"
                    "scrape_configs:\n"
                    "  - job_name: sluice\n"
                    f"    static_configs: [{{targets: ['127.0.0.1:{switch.metrics_port}']}}]\n")
        web = h.free_tcp_port()
        h.Process(res, "prometheus", [
            PROMETHEUS, f"--config.file={config}",
            f"--storage.tsdb.path={os.path.join(res.tmpdir, 'tsdb')}",
            f"--web.listen-address=127.0.0.1:{web}",
        ])

        def scraped():
            try:
                up = self.query(web, 'up{job="sluice"}')
                rx = self.query(web, 'sluice_port_rx_packets_total{port="vm1"}')
            except OSError:
                return False  # Prometheus is not listening yet
            return bool(up) and up[0]["value"][1] == "1" and bool(rx)

        h.wait_for("Prometheus to scrape sluiced", scraped, timeout=60, interval=1)
        rx = float(self.query(web, 'sluice_port_rx_packets_total{port="vm1"}')[0]["value"][1])
        tx = float(self.query(web, 'sluice_port_tx_packets_total{port="vm2"}')[0]["value"][1])
        self.assertGreaterEqual(rx, 10, "Prometheus saw fewer packets from vm1 than were pinged")
        self.assertGreaterEqual(tx, 10, "Prometheus saw fewer packets to vm2 than were pinged")
        drops = self.query(web, 'sluice_drops_total{stage="ingress",reason="vlan_not_allowed"}')
        self.assertEqual(len(drops), 1, "drop reasons are exported with bounded labels")


if __name__ == "__main__":
    unittest.main()
