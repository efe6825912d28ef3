#!/usr/bin/env python3
"""Runs every fenced code block of the given Markdown files as a user would paste it.

    scripts/test-snippets.py --prefix PREFIX README.md bindings/*/README.md

Each file gets its own session: a new temporary folder outside the clone, where its
blocks run in document order, so a setup block (exports, `go mod init`, a venv) serves
the blocks after it. Every session starts with two variables, the only things a reader
is assumed to know:

    LIBENGAGE   the clone (where `make install` was run)
    PREFIX      the install prefix (`make install PREFIX=...`)

How a block is run follows its info string (the words after the opening fence):

    sh, bash          run by bash (-e -o pipefail) in the session folder; the exports,
                      the current folder and an activated venv carry over to later blocks
    python            saved to a file and run with the session's python3
    lua               saved to a file and run with luajit
    LANG file=PATH    (c, go, swift, ...) saved as PATH in the session folder, for a later
                      sh block to build and run — as a reader saves a file, then types
    LANG norun        not run: output samples, a configuration for another program, or a
                      command that builds or tests this repository itself (make test runs
                      those itself); `text` blocks are never run

Any other block fails the test: every block runs unless it says why not. A block fails
when it exits non-zero or takes longer than SNIPPET_TIMEOUT seconds (default 600).
Prints one line per block (SNIPPET_VERBOSE=1: and its output's last 40 lines) and a
closing 'N passed, N failed'.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
                   re.S | re.M)
NEVER_RUN = {"text", "console-output", "output"}
TIMEOUT = float(os.environ.get("SNIPPET_TIMEOUT", "600"))
VERBOSE = os.environ.get("SNIPPET_VERBOSE") == "1"


def blocks(path):
    """(line, language, attributes, body) of every fenced block, in order."""
    text = open(path, encoding="utf-8").read()
    for m in FENCE.finditer(text):
        words = m.group("info").split()
        lang = words[0] if words else ""
        attrs = {}
        for w in words[1:]:
            k, _, v = w.partition("=")
            attrs[k] = v
        indent = len(m.group("indent"))
        body = "".join(line[indent:] if line[:indent].strip() == "" else line
                       for line in m.group("body").splitlines(True))
        yield text.count("\n", 0, m.start()) + 1, lang, attrs, body


class Session:
    """One README's folder and shell state (exported variables and current folder)."""

    def __init__(self, root, prefix, name):
        self.dir = tempfile.mkdtemp(prefix="engage-snippets-%s-" % name)
        if os.path.realpath(self.dir).startswith(os.path.realpath(root) + os.sep):
            raise SystemExit("test-snippets: %s is inside the clone; set TMPDIR elsewhere" % self.dir)
        self.state = os.path.join(self.dir, ".session-env")
        self.cwd_file = os.path.join(self.dir, ".session-cwd")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("ENGAGE_", "CGO_", "PKG_CONFIG", "GOFLAGS", "VIRTUAL_ENV", "LUA_"))}
        env.update(LIBENGAGE=root, PREFIX=prefix)
        with open(self.state, "w") as f:
            for k, v in env.items():
                if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
                    f.write("export %s=%s\n" % (k, shlex.quote(v)))
        with open(self.cwd_file, "w") as f:
            f.write(self.dir)
        self.n = 0

    def bash(self, script):
        """Runs script in the session's state, then saves the state it leaves."""
        wrapped = ("set -a; . %s; set +a; cd \"$(cat %s)\" || exit 1\nset -eo pipefail\n%s\n"
                   "set +e; export -p > %s.new && mv %s.new %s; pwd > %s\n") % (
            shlex.quote(self.state), shlex.quote(self.cwd_file), script,
            shlex.quote(self.state), shlex.quote(self.state), shlex.quote(self.state),
            shlex.quote(self.cwd_file))
        return subprocess.run(["env", "-i", "bash", "--noprofile", "--norc", "-c", wrapped],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)

    def save(self, name, body):
        self.n += 1
        path = os.path.join(self.dir, ".snippet-%d-%s" % (self.n, name))
        with open(path, "w") as f:
            f.write(body)
        return path


def run_file(path, root, prefix):
    rel = os.path.relpath(path, root)
    session = Session(root, prefix, re.sub(r"[^A-Za-z0-9]+", "-", rel).strip("-"))
    results = []
    for line, lang, attrs, body in blocks(path):
        where = "%s:%d (%s)" % (rel, line, " ".join([lang] + ["%s=%s" % kv if kv[1] else kv[0]
                                                                for kv in attrs.items()]))
        if lang in NEVER_RUN or "norun" in attrs:
            print("skip %s: marked not to run" % where)
            continue
        if "file" in attrs:
            target = attrs["file"]
            if not target or target.startswith("/") or ".." in target.split("/"):
                results.append((where, False, "file= needs a relative path inside the session folder"))
                continue
            script = "mkdir -p \"$(dirname %s)\" && cat > %s <<'ENGAGE_SNIPPET_EOF'\n%sENGAGE_SNIPPET_EOF" % (
                shlex.quote(target), shlex.quote(target), body)
        elif lang in ("sh", "bash", "shell"):
            script = body
        elif lang == "python":
            script = "python3 %s" % shlex.quote(session.save("snippet.py", body))
        elif lang == "lua":
            script = "luajit %s" % shlex.quote(session.save("snippet.lua", body))
        else:
            results.append((where, False, "no way to run a '%s' block: give it file=NAME (and a later sh "
                                          "block that uses it) or mark it norun" % lang))
            continue
        t0 = time.monotonic()
        try:
            done = session.bash(script)
            ok, out = done.returncode == 0, done.stdout.decode("utf-8", "replace")
            if not ok:
                out += "\n(exit status %d)" % done.returncode
        except subprocess.TimeoutExpired as e:
            ok, out = False, (e.stdout or b"").decode("utf-8", "replace") + "\n(timed out after %ds)" % TIMEOUT
        results.append((where, ok, out))
        print("%s %s (%.1fs)" % ("ok  " if ok else "FAIL", where, time.monotonic() - t0), flush=True)
        if not ok or VERBOSE:
            print("     " + "\n     ".join(out.rstrip().splitlines()[-40:]), flush=True)
    if all(ok for _, ok, _ in results):
        subprocess.run(["rm", "-rf", session.dir])
    else:
        print("     (session folder kept: %s)" % session.dir)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prefix", required=True, help="an install made by make install PREFIX=...")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    prefix = os.path.abspath(args.prefix)
    if not os.path.exists(os.path.join(prefix, "lib", "libengage.so")):
        raise SystemExit("test-snippets: %s/lib/libengage.so not found (make install PREFIX=%s)" % (prefix, prefix))
    results = []
    for path in args.files:
        print("== %s" % os.path.relpath(os.path.abspath(path), root), flush=True)
        results += run_file(os.path.abspath(path), root, prefix)
    failed = [r for r in results if not r[1]]
    for where, _, why in failed:
        if why.startswith("no way") or why.startswith("file="):
            print("FAIL %s: %s" % (where, why))
    print("snippets: %d passed, %d failed" % (len(results) - len(failed), len(failed)))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
