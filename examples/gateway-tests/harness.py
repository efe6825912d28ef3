"""Test harness for the gateways (Python 3 standard library only): an upstream that
echoes what it receives, the gateways started as real processes on 127.0.0.1 in
temporary folders, HTTP helpers and a Prometheus text-format parser.

Used by suite.py (one black-box suite for examples/nginx and examples/go-gateway) and
nginx_test.py (what only nginx has: workers, reloads, the thread pool).
"""
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CAMPAIGNS = os.path.join(HERE, "campaigns.json")
ADMIN_TOKEN = "suite-admin-token"


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- upstream

# The echo upstream must see every header a gateway passes (150 in a test); Python's
# parser refuses more than http.client._MAXHEADERS (100) with a 431.
http.client._MAXHEADERS = 1000


class _Echo(http.server.BaseHTTPRequestHandler):
    """Answers every request with what it received: method, path, headers (in order,
    repeated ones repeated) and body, as JSON. /status/NNN answers NNN with X-Upstream."""
    protocol_version = "HTTP/1.1"

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        out = json.dumps({"method": self.command, "path": self.path, "body": body,
                          "headers": [[k, v] for k, v in self.headers.items()]}).encode()
        code = 200
        m = re.match(r"^/status/(\d{3})", self.path)
        if m:
            code = int(m.group(1))
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Upstream", "echo")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


class Upstream:
    def __init__(self, port=0):
        self.server = _Server(("127.0.0.1", port), _Echo)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)

    def upstream_headers(self, name):
        """The values of header `name` the upstream received (the echo's body)."""
        return [v for k, v in self.json()["headers"] if k.lower() == name.lower()]


def request(port, method, path, headers=(), body=None, timeout=10):
    """One request on a fresh connection; headers is a list of (name, value), repeats kept."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers:
            c.putheader(k, v)
        if body is not None:
            data = body.encode() if isinstance(body, str) else body
            c.putheader("Content-Length", str(len(data)))
            c.endheaders(data)
        else:
            c.endheaders()
        r = c.getresponse()
        return Response(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    finally:
        c.close()


def page(port, path, uid=None, consent="marketing,service", headers=()):
    h = list(headers)
    cookies = []
    if uid is not None:
        cookies.append("engage_uid=" + uid)
    if consent:
        cookies.append("engage_consent=" + consent)
    if cookies:
        h.append(("Cookie", "; ".join(cookies)))
    return request(port, "GET", path, h)


def engage_headers(resp):
    """The X-Engage-* headers upstream received, as {name: [values]}."""
    out = {}
    for k, v in resp.json()["headers"]:
        if k.lower().startswith("x-engage-"):
            out.setdefault(k.lower(), []).append(v)
    return out


# ---------------------------------------------------------------- Prometheus

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse_prometheus(text):
    """Parses Prometheus text format 0.0.4 strictly enough to catch a broken exposition:
    every sample belongs to a family declared by # TYPE before it, no family is declared
    twice, labels are name="value" pairs, values are floats. Returns
    {(name, frozenset(labels.items())): value} and {family: type}."""
    samples, types = {}, {}
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 2 and parts[1] == "TYPE":
                check(len(parts) == 4 and parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"),
                      "metrics line %d: bad TYPE: %r" % (n, line))
                check(parts[2] not in types, "metrics line %d: %s declared twice" % (n, parts[2]))
                types[parts[2]] = parts[3]
            continue
        m = _SAMPLE.match(line)
        check(m is not None, "metrics line %d: not a sample: %r" % (n, line))
        name, labels_text, value = m.group(1), m.group(3) or "", m.group(4)
        family = re.sub(r"_(sum|count|bucket)$", "", name)
        check(name in types or family in types, "metrics line %d: %s has no # TYPE before it" % (n, name))
        labels, pos = {}, 0
        while pos < len(labels_text):
            lm = _LABEL.match(labels_text, pos)
            check(lm is not None, "metrics line %d: bad labels: %r" % (n, labels_text))
            check(lm.group(1) not in labels, "metrics line %d: label %s twice" % (n, lm.group(1)))
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        try:
            v = float(value)
        except ValueError:
            raise Failure("metrics line %d: value %r is not a number" % (n, value))
        key = (name, frozenset(labels.items()))
        check(key not in samples, "metrics line %d: sample repeated: %r" % (n, line))
        samples[key] = v
    return samples, types


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


# ---------------------------------------------------------------- gateways

def wait_ready(port, proc, seconds=30, log=None):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failure("the gateway exited with %s%s" % (proc.returncode, log_tail(log)))
        try:
            r = request(port, "GET", "/engage/health", timeout=2)
            if r.status == 200:
                return r.json()
            last = r.status
        except OSError as e:
            last = e
        time.sleep(0.05)
    raise Failure("not healthy within %ss (last: %s)%s" % (seconds, last, log_tail(log)))


def log_tail(path):
    if not path or not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        return "\n--- %s (tail)\n%s" % (path, f.read()[-3000:])


class Gateway:
    """A running gateway: kind ('nginx' or 'go'), port, process. stop() ends it."""

    def __init__(self, kind, upstream, campaigns=CAMPAIGNS, config=None, workers=4, extra=()):
        self.kind = kind
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="engage-gw-")
        os.chmod(self.dir, 0o777)  # nginx workers may run as nobody (SQLite files here)
        self.log = os.path.join(self.dir, "gateway.log")
        config_file = None
        if config is not None:
            config_file = os.path.join(self.dir, "engine.json")
            with open(config_file, "w") as f:
                f.write(json.dumps(config).replace("@DIR@", self.dir))
        if kind == "nginx":
            cmd = [os.path.join(ROOT, "examples", "nginx", "serve"), "--port", str(self.port),
                   "--upstream", upstream, "--campaigns", campaigns, "--workers", str(workers),
                   "--admin-token", ADMIN_TOKEN]
            if config_file:
                cmd += ["--config", config_file]
        elif kind == "go":
            binary = os.environ.get("GO_GATEWAY") or os.path.join(ROOT, "examples", "go-gateway", "go-gateway")
            cmd = [binary, "-listen", "127.0.0.1:%d" % self.port, "-upstream", upstream,
                   "-campaigns", campaigns, "-admin-token", ADMIN_TOKEN]
            if config_file:
                cmd += ["-config", config_file]
        else:
            raise ValueError(kind)
        cmd += list(extra)
        self.out = open(self.log, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT)
        try:
            self.health = wait_ready(self.port, self.proc, log=self.log)
        except Exception:
            self.stop()
            raise

    def prefix(self):
        """nginx's temporary prefix, as serve's first line names it (None for go)."""
        with open(self.log, errors="replace") as f:
            m = re.search(r"prefix (\S+)", f.read())
        return m.group(1) if m else None

    def error_log(self):
        """nginx's error log, else the gateway's output."""
        prefix = self.prefix()
        path = os.path.join(prefix, "logs", "error.log") if prefix else self.log
        with open(path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- Redis

class Redis:
    """A redis-server of its own on a free port, in a temporary folder, AOF fsynced on
    every write (what exact caps across a crash need). kill() is kill -9; start() again
    on the same port and folder replays the AOF."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="engage-redis-")
        self.port = free_port()
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "yes", "--appendfsync", "always",
             "--maxmemory-policy", "noeviction", "--logfile", os.path.join(self.dir, "redis.log")])
        for _ in range(100):
            try:
                out = subprocess.run(["redis-cli", "-p", str(self.port), "PING"], capture_output=True,
                                     text=True, timeout=2).stdout
                if "PONG" in out:
                    return
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.05)
        self.stop()
        raise Failure("redis-server did not start")

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- running tests

def run_tests(title, tests, *args):
    """Runs each test(*args), prints a line per test and 'N passed, N failed'; returns
    the number failed."""
    passed = failed = 0
    for t in tests:
        t0 = time.monotonic()
        try:
            t(*args)
            passed += 1
            print("ok   %s %s (%.1fs)" % (title, t.__name__, time.monotonic() - t0), flush=True)
        except Exception as e:  # a failure or an error: report it and go on
            failed += 1
            print("FAIL %s %s: %s: %s" % (title, t.__name__, type(e).__name__, e), flush=True)
    print("%s: %d passed, %d failed" % (title, passed, failed), flush=True)
    return failed


def percentile(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]
