"""End-to-end test harness: real network namespaces, real veths, real sluiced and sluicectl.

Everything a test creates is registered with a Resources object and removed in reverse order
by Resources.close(), which runs from the test's cleanups, from atexit and on SIGTERM/SIGINT.
Names are unique per process (derived from the pid), so tests can run beside each other and
beside the demo. Traffic only goes between namespaces this harness created (10.x addresses).

Environment (set by CTest, see CMakeLists.txt):
  SLUICED, SLUICECTL    the binaries under test
  SLUICE_SOURCE_DIR     the source tree (for configs/)
  SLUICE_TEST_KEEP_LOGS=1 keeps the temporary directory with the daemons' logs
"""

from __future__ import annotations

import atexit
import glob
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from dataclasses import dataclass, field
from typing import Callable, Iterable

SOURCE_DIR = os.environ.get(
    "SLUICE_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
)
SLUICED = os.environ.get("SLUICED", os.path.join(SOURCE_DIR, "build", "dataplane", "sluiced"))
SLUICECTL = os.environ.get(
    "SLUICECTL", os.path.join(SOURCE_DIR, "build", "controlplane", "sluicectl")
)

PID = os.getpid()
# Short and unique: interface names must fit in 15 characters.
PREFIX = f"s{PID:x}"
_counter = 0


def unique(tag: str) -> str:
    """A name unique to this process: PREFIX + a counter + tag (keep tag <= 4 characters)."""
    global _counter
    _counter += 1
    name = f"{PREFIX}{_counter}{tag}"
    assert len(name) <= 14, name
    return name


def log(message: str) -> None:
    print(f"[harness] {message}", file=sys.stderr, flush=True)


def run(
    cmd: list[str], check: bool = True, timeout: float = 30, **kwargs
) -> subprocess.CompletedProcess:
    """Runs a command to completion (bounded), capturing text output."""
    result = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kwargs
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {result.returncode}: {result.stderr.strip()}"
        )
    return result


def wait_for(
    what: str, predicate: Callable[[], object], timeout: float = 30, interval: float = 0.2
):
    """Polls predicate until it returns something truthy; raises TimeoutError naming 'what'."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - keep polling, report the last error
            last_error = e
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: str, lines: int = 40) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


# ---- Cleanup ---------------------------------------------------------------------------------

class Resources:
    """Things to remove, in reverse order of creation. close() is idempotent and never raises."""

    _live: list["Resources"] = []

    def __init__(self) -> None:
        self._undo: list[tuple[str, Callable[[], None]]] = []
        self.tmpdir = tempfile.mkdtemp(prefix=f"sluice-it-{PREFIX}-")
        self._undo.append(("temp dir", self._remove_tmpdir))
        self.logs: list[str] = []
        Resources._live.append(self)

    def on_close(self, what: str, undo: Callable[[], None]) -> None:
        self._undo.append((what, undo))

    def _remove_tmpdir(self) -> None:
        if os.environ.get("SLUICE_TEST_KEEP_LOGS") == "1":
            log(f"keeping {self.tmpdir}")
            return
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def dump_logs(self) -> None:
        """Prints the end of every daemon log (CTest shows it only when a test fails)."""
        for path in self.logs:
            text = tail(path)
            if text:
                print(f"----- {os.path.basename(path)} (last lines) -----\n{text}", file=sys.stderr)

    def close(self) -> None:
        if self not in Resources._live:
            return
        Resources._live.remove(self)
        self.dump_logs()
        while self._undo:
            what, undo = self._undo.pop()
            try:
                undo()
            except Exception as e:  # noqa: BLE001 - cleanup must go on
                log(f"cleanup of {what} failed: {e}")

    @classmethod
    def close_all(cls) -> None:
        for r in list(reversed(cls._live)):
            r.close()


atexit.register(Resources.close_all)


def _on_signal(signum, _frame):
    # KeyboardInterrupt propagates through unittest (other exceptions would be recorded and the
    # run would go on); atexit then removes everything.
    raise KeyboardInterrupt(f"signal {signum}")


for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def stop_process(proc: subprocess.Popen, name: str, grace: float = 5) -> None:
    """Stops a process this harness started: SIGTERM, then SIGKILL after 'grace' seconds."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        log(f"{name} (pid {proc.pid}) ignored SIGTERM for {grace} s; sending SIGKILL")
        proc.kill()
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


class Process:
    """A background process started by the harness, its output in a log file."""

    def __init__(
        self,
        res: Resources,
        name: str,
        cmd: list[str],
        stdin=subprocess.DEVNULL,
        grace: float = 5,
    ) -> None:
        self.name = name
        self.cmd = cmd
        self.log_path = os.path.join(res.tmpdir, f"{name}.log")
        res.logs.append(self.log_path)
        self._log = open(self.log_path, "a")
        self._log.write(f"$ {' '.join(cmd)}\n")
        self._log.flush()
        self.proc = subprocess.Popen(
            cmd, stdin=stdin, stdout=self._log, stderr=subprocess.STDOUT, text=True
        )
        self.pid = self.proc.pid
        res.on_close(f"process {name}", lambda: self.stop(grace))

    def stop(self, grace: float = 5) -> int | None:
        stop_process(self.proc, self.name, grace)
        if not self._log.closed:
            self._log.close()
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()  # a pipe kept open for the process (stdin=PIPE)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL, for tests of crash recovery."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def running(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_for_output(self, pattern: str, timeout: float = 30, start: int = 0) -> re.Match:
        """Waits until the log (from byte offset 'start') matches the regex 'pattern'."""
        rx = re.compile(pattern)

        def found():
            if not self.running():
                m = rx.search(self.output()[start:])
                if m:
                    return m
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            return rx.search(self.output()[start:])

        return wait_for(f"{self.name} to print /{pattern}/", found, timeout)

    def log_size(self) -> int:
        return os.path.getsize(self.log_path)


# ---- Hosts in network namespaces ----------------------------------------------------------------

@dataclass
class Host:
    """A Linux host: a network namespace joined to the switch by a veth pair.

    The switch side ('sw_iface') stays in the root namespace, where sluiced attaches it as an
    af_packet port; the host side is 'eth0' inside the namespace.
    """

    res: Resources
    ns: str
    sw_iface: str
    ip: str | None = None  # "10.100.0.1/24"
    iface: str = "eth0"
    extra_ifaces: list[str] = field(default_factory=list)

    @property
    def addr(self) -> str:
        assert self.ip, "host has no address"
        return self.ip.split("/")[0]

    def cmd(self, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", self.ns, *argv]

    def exec(self, *argv: str, check: bool = True, timeout: float = 30):
        return run(self.cmd(*argv), check=check, timeout=timeout)

    def popen(self, name: str, *argv: str, **kwargs) -> Process:
        return Process(self.res, name, self.cmd(*argv), **kwargs)

    def mac(self, iface: str | None = None) -> str:
        out = run(["ip", "-n", self.ns, "-br", "link", "show", iface or self.iface]).stdout
        return out.split()[2]

    def add_vlan(self, vid: int, ip: str) -> str:
        """An 802.1Q sub-interface 'eth0.<vid>' with address 'ip'."""
        sub = f"{self.iface}.{vid}"
        run(["ip", "-n", self.ns, "link", "add", "link", self.iface, "name", sub,
             "type", "vlan", "id", str(vid)])
        run(["ip", "-n", self.ns, "addr", "add", ip, "dev", sub])
        run(["ip", "-n", self.ns, "link", "set", sub, "up"])
        self.extra_ifaces.append(sub)
        return sub

    def ping(
        self, dst: str, count: int = 1, interval: float = 0.2, wait: float = 1,
        timeout: float | None = None,
    ) -> "PingResult":
        """ping -c count -i interval -W wait; bounded by 'timeout' (default: generous)."""
        if timeout is None:
            timeout = count * interval + wait + 10
        r = self.exec("ping", "-n", "-q", "-c", str(count), "-i", str(interval), "-W", str(wait),
                      dst, check=False, timeout=timeout)
        return PingResult.parse(r.stdout + r.stderr)

    def can_ping(self, dst: str) -> bool:
        return self.ping(dst, count=1, wait=1).received == 1

    def ping_background(
        self, dst: str, count: int, interval: float, wait: float = 1, name: str | None = None
    ) -> "BackgroundPing":
        proc = self.popen(name or f"ping-{self.ns}", "ping", "-n", "-q", "-c", str(count),
                          "-i", str(interval), "-W", str(wait), dst)
        return BackgroundPing(proc, timeout=count * interval + wait + 15)


@dataclass
class PingResult:
    transmitted: int
    received: int
    text: str

    @property
    def lost(self) -> int:
        return self.transmitted - self.received

    @classmethod
    def parse(cls, text: str) -> "PingResult":
        m = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", text)
        if not m:
            return cls(0, 0, text)
        return cls(int(m.group(1)), int(m.group(2)), text)

    def __str__(self) -> str:
        return f"{self.transmitted} transmitted, {self.received} received"


class BackgroundPing:
    def __init__(self, proc: Process, timeout: float) -> None:
        self.proc = proc
        self.timeout = timeout

    def result(self) -> PingResult:
        try:
            self.proc.proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.stop()
        return PingResult.parse(self.proc.output())


def create_namespace(res: Resources, tag: str) -> Host:
    """An empty namespace '<prefix><n><tag>' (loopback up, no IPv6), removed at cleanup."""
    ns = unique(tag)
    run(["ip", "netns", "add", ns])
    res.on_close(f"namespace {ns}", lambda: _delete_namespace(ns))
    # No IPv6: keeps router solicitations and MLD reports out of the counters.
    for conf in ("all", "default"):
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{conf}.disable_ipv6=1"])
    run(["ip", "-n", ns, "link", "set", "lo", "up"])
    return Host(res=res, ns=ns, sw_iface="", iface="")


def create_host(res: Resources, tag: str, ip: str | None = None,
                sw_iface: str | None = None) -> Host:
    """A namespace with eth0 (address 'ip', if given) whose veth peer 'sw_iface' (default
    '<namespace>s') is up in the root namespace, ready to be attached to the switch."""
    host = create_namespace(res, tag)
    ns = host.ns
    sw = sw_iface or f"{ns}s"
    assert len(sw) <= 15, sw
    # The peer is created directly inside the namespace, so its name never collides.
    run(["ip", "link", "add", sw, "type", "veth", "peer", "name", "eth0", "netns", ns])
    res.on_close(f"veth {sw}", lambda: _delete_link(sw))
    run(["sysctl", "-qw", f"net.ipv6.conf.{sw}.disable_ipv6=1"])
    run(["ip", "link", "set", sw, "up"])
    run(["ip", "-n", ns, "link", "set", "eth0", "up"])
    disable_tx_offload(ns, "eth0")
    if ip:
        run(["ip", "-n", ns, "addr", "add", ip, "dev", "eth0"])
    host.sw_iface, host.iface, host.ip = sw, "eth0", ip
    return host


def disable_tx_offload(ns: str, iface: str) -> None:
    """Makes the host's kernel fill in checksums itself. With transmit checksum offload on, a
    veth hands TCP/UDP frames to the af_packet port with the checksum left for "hardware" to
    finish; the switch forwards them as they are and the receiving host drops them. (Open
    vSwitch's userspace tests turn it off for the same reason.)"""
    run(["ip", "netns", "exec", ns, "ethtool", "-K", iface, "tx", "off"])


def _delete_namespace(ns: str) -> None:
    # Processes in the namespace are ours and stopped before this (reverse order); a namespace
    # with a process left in it would linger, so say so.
    pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
    if pids:
        log(f"namespace {ns} still has processes {pids}")
    run(["ip", "netns", "del", ns], check=False)


def _delete_link(name: str) -> None:
    if os.path.exists(f"/sys/class/net/{name}"):
        run(["ip", "link", "del", name], check=False)


# ---- Policy ----------------------------------------------------------------------------------

def to_yaml(value, indent: int = 0) -> str:
    """A small block-style YAML emitter for dicts, lists, strings, ints and bools."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        out = ""
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out += f"{pad}{k}:\n" + to_yaml(v, indent + 1)
            else:
                out += f"{pad}{k}: {_scalar(v)}\n"
        return out
    if isinstance(value, list):
        if not value:
            return pad + "[]\n"
        out = ""
        for item in value:
            body = to_yaml(item, indent + 1)
            # "- " takes the place of the first line's indentation.
            out += pad + "- " + body[len(pad) + 2:]
        return out
    return pad + _scalar(value) + "\n"


def _scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict) and not v:
        return "{}"
    if isinstance(v, list) and not v:
        return "[]"
    s = str(v)
    reserved = {"null", "true", "false", "yes", "no", "on", "off", "~"}  # YAML would not read a string
    if (re.fullmatch(r"[A-Za-z0-9_./-]+", s) and not re.fullmatch(r"[0-9.-]+", s)
            and s.lower() not in reserved):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def af_packet_port(name: str, iface: str, vlan: dict | None) -> dict:
    port = {"name": name, "type": "af_packet", "iface": iface}
    if vlan is not None:
        port["vlan"] = vlan
    return port


def access(vid: int) -> dict:
    return {"mode": "access", "id": vid}


def trunk(allowed: Iterable[int], native: int | None = None) -> dict:
    v: dict = {"mode": "trunk", "allowed": list(allowed)}
    if native is not None:
        v["native"] = native
    return v


def make_policy(ports: list[dict], vlans: Iterable[int] | None = None) -> dict:
    """A version-1 policy with one network per VLAN the ports use (plus 'vlans')."""
    used: set[int] = set(vlans or [])
    for p in ports:
        v = p.get("vlan") or {}
        if v.get("mode") == "access":
            used.add(v["id"])
        elif v.get("mode") == "trunk":
            used.update(v.get("allowed", []))
            if v.get("native") is not None:
                used.add(v["native"])
    return {
        "version": 1,
        "networks": [{"name": f"vlan{vid}", "vlan": vid} for vid in sorted(used)],
        "ports": ports,
    }


# ---- Metrics ---------------------------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text: str) -> dict[tuple[str, frozenset], float]:
    """Prometheus text format → {(name, frozenset({(label, value), ...})): value}."""
    out: dict[tuple[str, frozenset], float] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        name, labels, value = m.groups()
        pairs = frozenset(
            (k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
            for k, v in _LABEL.findall(labels or "")
        )
        try:
            out[(name, pairs)] = float(value)
        except ValueError:
            continue
    return out


class Metrics(dict):
    """A scrape: the parsed samples plus helpers."""

    def get_value(self, name: str, **labels: str) -> float | None:
        """The sample with exactly these labels, or None."""
        return self.get((name, frozenset(labels.items())))

    def total(self, name: str, **labels: str) -> float:
        """The sum of the samples of 'name' whose labels include 'labels'."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.items() if n == name and want <= ls)

    def port(self, name: str, port: str) -> float:
        return self.total(name, port=port)


# ---- The switch ------------------------------------------------------------------------------

class Switch:
    """One sluiced with its own channel, file prefix and metrics port, and its controller."""

    def __init__(self, res: Resources, tag: str = "sw", extra_args: Iterable[str] = ()) -> None:
        self.res = res
        self.channel = f"sluice-test-{PREFIX}-{unique(tag)}"
        self.file_prefix = self.channel
        self.metrics_port = free_tcp_port()
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        self.policy_path = os.path.join(res.tmpdir, "policy.yaml")
        self.extra_args = list(extra_args)
        self.sluiced: Process | None = None
        self.controller: Process | None = None
        self._controllers = 0
        self._dataplanes = 0
        self._sluiced_cmd: list[str] = []

    # -- sluiced
    def start(self, timeout: float = 60) -> None:
        for binary in (SLUICED, SLUICECTL):
            if not os.access(binary, os.X_OK):
                raise RuntimeError(f"{binary} is not built")
        cmd = [
            SLUICED,
            "--channel", self.channel,
            "--file-prefix", self.file_prefix,
            "--metrics", f"127.0.0.1:{self.metrics_port}",
            "--main-core", "0",
            "--worker-cores", "1",
            "--no-huge",
            "--memory", "512",
            "--log-level", "info",
            *self.extra_args,
        ]
        # pcap files and vhost-user sockets live in the test's own (root-owned, 0700) directory
        # unless the test chose otherwise: sluiced refuses them elsewhere.
        for option in ("--pcap-dir", "--vhost-socket-dir"):
            if not any(a == option or a.startswith(option + "=") for a in self.extra_args):
                cmd += [option, self.res.tmpdir]
        # Remove DPDK's runtime files and the channel even when sluiced dies without cleaning up.
        self.res.on_close("sluiced runtime files", self._remove_runtime_files)
        self._sluiced_cmd = cmd
        self._launch_sluiced("sluiced", timeout)

    def restart_dataplane(self, timeout: float = 60) -> Process:
        """Starts a new sluiced in place of one that is gone (a test killed it), as start() does,
        with the same channel, file prefix and metrics port; its log is 'sluiced-N.log'. It first
        removes the DPDK runtime files the old process left (a SIGKILLed process cleans up
        nothing) but not the channel region: replacing a stale region is sluiced's own job, as
        after a crash in production. Never stops a running sluiced: that is the caller's choice
        (Process.kill() for a crash, Process.stop() for a clean stop)."""
        if self.sluiced is None:
            raise RuntimeError("restart_dataplane() before start()")
        if self.sluiced.running():
            raise RuntimeError(f"sluiced (pid {self.sluiced.pid}) is still running")
        self._remove_runtime_files(channel=False)
        self._launch_sluiced(f"sluiced-{self._dataplanes + 1}", timeout)
        return self.sluiced

    def _launch_sluiced(self, name: str, timeout: float) -> None:
        self._dataplanes += 1
        self.sluiced = Process(self.res, name, self._sluiced_cmd, grace=10)
        self.sluiced.wait_for_output(r"sluiced ready", timeout=timeout)
        wait_for("the metrics endpoint", self.metrics, timeout=10)

    def _remove_runtime_files(self, channel: bool = True) -> None:
        paths = [f"/var/run/dpdk/{self.file_prefix}"]
        paths += glob.glob(f"/dev/hugepages/{self.file_prefix}map_*")
        if channel:
            paths += glob.glob(f"/dev/shm/sluice.{self.channel}")
            paths += glob.glob(f"/run/sluice/{self.channel}.openflow")  # sluicectl's, if it died
        paths += glob.glob(f"/dev/shm/{self.channel}")
        for p in paths:
            if os.path.isdir(p):
                shutil.rmtree(p, ignore_errors=True)
            elif os.path.exists(p):
                os.unlink(p)

    # -- sluicectl
    def ctl(self, *args: str, check: bool = True, timeout: float = 20):
        return run([SLUICECTL, "--channel", self.channel, *args], check=check, timeout=timeout)

    def write_policy(self, policy: dict | str) -> str:
        """Overwrites the policy file in place (one write), as an operator's editor would."""
        text = policy if isinstance(policy, str) else to_yaml(policy)
        with open(self.policy_path, "w") as f:
            f.write(text)
        return self.policy_path

    def start_controller(self, policy: dict | str | None = None,
                         wait_ports: Iterable[str] = (), timeout: float = 30,
                         extra_args: Iterable[str] = ()) -> Process:
        """Starts `sluicectl run`; 'extra_args' go after the run command's own options
        (e.g. ["--openflow-listen", "127.0.0.1:PORT"])."""
        if policy is not None:
            self.write_policy(policy)
        self._controllers += 1
        self.controller = Process(
            self.res, f"sluicectl-{self._controllers}",
            [SLUICECTL, "--channel", self.channel, "run", "--policy", self.policy_path,
             *extra_args],
        )
        names = list(wait_ports)
        if names:
            self.wait_ports(names, timeout)
        return self.controller

    def show_ports(self) -> str:
        return self.ctl("show", "ports").stdout

    def wait_ports(self, names: list[str], timeout: float = 30) -> None:
        """Waits until every named port shows up in `sluicectl show ports` and in the metrics."""
        def ready():
            if self.controller is not None and not self.controller.running():
                raise RuntimeError(f"sluicectl exited with {self.controller.proc.returncode}")
            shown = self.show_ports()
            if not all(re.search(rf"\b{re.escape(n)}\b", shown) for n in names):
                return False
            m = self.metrics()
            return all(m.get_value("sluice_port_rx_packets_total", port=n) is not None
                       for n in names)

        wait_for(f"ports {names} to be programmed", ready, timeout)

    # -- metrics
    def metrics(self) -> Metrics:
        with urllib.request.urlopen(self.metrics_url, timeout=5) as r:
            return Metrics(parse_prometheus(r.read().decode()))


# ---- Traffic helpers -------------------------------------------------------------------------

def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def tcp_transfer(res: Resources, server: Host, client: Host, size: int = 1 << 20,
                 port: int = 5001, timeout: float = 30) -> tuple[str, str]:
    """Sends 'size' random bytes from client to server over TCP with nc.

    Returns (sha256 sent, sha256 received)."""
    src = os.path.join(res.tmpdir, f"tcp-{port}-in.bin")
    dst = os.path.join(res.tmpdir, f"tcp-{port}-out.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(size))
    with open(dst, "wb") as out, open(f"{dst}.stderr", "wb") as err:
        listener = subprocess.Popen(server.cmd("nc", "-l", "-n", str(port)),
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    res.on_close("nc listener", lambda: stop_process(listener, "nc listener"))
    try:
        # The listener is ready when the socket is in LISTEN state.
        wait_for(f"nc listening on {port}",
                 lambda: f":{port}" in server.exec("ss", "-Hltn").stdout, timeout=10)
        with open(src, "rb") as inp:
            client_run = subprocess.run(
                client.cmd("nc", "-N", "-n", "-w", "10", server.addr, str(port)),
                stdin=inp, capture_output=True, timeout=timeout)
        if client_run.returncode != 0:
            raise RuntimeError(f"nc client exited {client_run.returncode}: "
                               f"{client_run.stderr.decode(errors='replace').strip()}")
        listener.wait(timeout=timeout)
    finally:
        stop_process(listener, "nc listener")
    return sha256_file(src), sha256_file(dst)


def tcp_connects(client: Host, server: Host, port: int) -> bool:
    """Whether a TCP connection from client to server:port opens (nc listens there meanwhile)."""
    listener = server.popen(f"nc-{port}", "nc", "-l", "-n", "-k", str(port))
    try:
        wait_for(f"nc listening on {port}",
                 lambda: f":{port}" in server.exec("ss", "-Hltn").stdout, timeout=10)
        r = subprocess.run(client.cmd("nc", "-z", "-n", "-w", "2", server.addr, str(port)),
                           capture_output=True, timeout=20)
        return r.returncode == 0
    finally:
        listener.stop()


class Capture:
    """tcpdump -e inside a host's namespace, written as text to a file."""

    def __init__(self, host: Host, iface: str, bpf: str = "") -> None:
        self.proc = host.popen(f"tcpdump-{host.ns}-{iface}", "tcpdump", "-l", "-n", "-e",
                               "-i", iface, *bpf.split())
        self.proc.wait_for_output(r"listening on", timeout=15)

    def stop(self) -> str:
        time.sleep(0.5)  # let the last packets be printed
        self.proc.proc.send_signal(signal.SIGINT)
        try:
            self.proc.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.proc.stop()
        return self.proc.output()


# ---- Base test case --------------------------------------------------------------------------

class SluiceTestCase(unittest.TestCase):
    """Gives each test class a Resources (self.res / cls.res) that is always cleaned up."""

    res: Resources

    @classmethod
    def setUpClass(cls) -> None:
        require_root_and_tools()
        cls.res = Resources()
        cls.addClassCleanup(cls.res.close)

    def wait_ping(self, src: Host, dst: str, timeout: float = 30) -> None:
        """Waits until src can ping dst (the switch is programmed); a setup step, not a check."""
        wait_for(f"{src.ns} to reach {dst}", lambda: src.can_ping(dst), timeout, interval=0.5)

    def assert_no_loss(self, result: PingResult, expected: int) -> None:
        self.assertEqual(result.transmitted, expected, result.text)
        self.assertEqual(result.received, expected, f"lost {result.lost}: {result.text}")


def require_root_and_tools(
    tools: Iterable[str] = ("ip", "ping", "nc", "tcpdump", "ss", "ethtool"),
) -> None:
    """Skips (with the reason printed) where the test cannot run at all."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root (network namespaces)")
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise unittest.SkipTest(f"missing tools: {', '.join(missing)} (run scripts/setup)")
