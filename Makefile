# libengage — the commands the README names.
#
#   make demo                 the telco scenario end to end: generate a week, simulate it,
#                             print the summary, write the HTML report
#   make test                 install missing system packages, build once, run every suite
#   make build                debug build of every target and the tests
#   make install PREFIX=DIR   release build; installs bin/engage, include/engage.h,
#                             lib/libengage.so, lib/libengage.a, lib/pkgconfig/engage.pc,
#                             share/engage/{engage.supp,go/}, share/lua/5.1/engage.lua,
#                             stripped (STRIP= keeps the symbols)
#   make snippet-test         every README snippet run outside the clone against an install
#   make format               rewrite every Swift file in place with `swift format`
#                             (the toolchain's, configured by .swift-format)
#   make format-lint          fail on any `swift format lint --strict` finding (first in
#                             `make test`)
#   make lib                  libengage.so and libengage.a (release, Swift runtime linked
#                             in, only engage_* global; a C host needs no Swift toolchain)
#   make bench                release build of bench/ and run it (writes bench/results.json)
#   make bench-abi            engage_decide from C, Go and Python in one run (bench/abi/run.sh)
#   make perf-check           instructions and mallocs per ABI call under callgrind, against
#                             bench/abi/instructions.json (part of `make test`)
#   make perf-baseline        measure them again and rewrite that file (after a speed-up)
#   make clean                remove the build folders this Makefile uses
#
# Variables (override on the command line: `make test SCRATCH=.build-mine`):
#   SWIFT     the swift driver (default: `swift` on PATH, else /opt/swift/usr/bin/swift)
#   CONFIG    debug or release, for build/test/demo (install and bench always use release)
#   SCRATCH   SwiftPM build folder of the root package; BENCH_SCRATCH that of bench/
#   SHARED    the shared folder beside the clone (conformance suites), exported to the
#             tests as ENGAGE_SHARED
#   APT_PACKAGES   Debian packages `make test` needs; installed only when missing
#   FUZZ_SECONDS   time bound of each fuzz target in `make test` (default 30: eight
#                  targets, about 5 minutes with the one build they share)
#   PERF_MARGIN    how far over its baseline a perf-check figure may go (default 1.25)
#   STRIP     what install strips with (default strip; empty: keep every symbol)
#   SNIPPET_PREFIX where snippet-test installs (default $(SCRATCH)-snippets/prefix)

SWIFT   ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
CONFIG  ?= debug
SCRATCH ?= .build
BENCH_SCRATCH ?= $(SCRATCH)-bench
PREFIX  ?= /usr/local
SHARED  ?= $(abspath ../shared)
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= FuzzJSON FuzzLogic FuzzState FuzzConfig FuzzCampaigns FuzzDecide FuzzRecord FuzzContext

# One list, so a later issue adds what it needs in one place
# (libhiredis-dev for the Redis store; redis-server for its tests, which start their own
# servers in temporary folders: no daemon is needed; luajit2, OpenResty's LuaJIT, for
# bindings/lua — it conflicts with Debian's `luajit`, which apt-get then removes; nginx,
# its Lua module, lua-resty-core and lua-cjson for examples/nginx, wrk for its figures).
APT_PACKAGES ?= tzdata pkg-config libjson-c-dev libsqlite3-dev libhiredis-dev redis-server valgrind golang-go chromium luajit2 nginx libnginx-mod-http-lua lua-resty-core lua-cjson wrk

export ENGAGE_SHARED := $(SHARED)

SWIFT_FLAGS = --scratch-path $(SCRATCH) -c $(CONFIG)
BIN_DIR     = $(SCRATCH)/$(CONFIG)
# libengage.so is always a release build of its own, with the Swift runtime linked in
# and only engage_* exported (include/engage.map). libengage.a is made from the same
# build's objects (scripts/static-lib.sh): one prelinked object with the static Swift
# runtime inside and every global but engage_* made local.
LIB_SCRATCH ?= $(SCRATCH)-lib
LIB_DIR      = $(LIB_SCRATCH)/release

.PHONY: all build test format format-lint deps check-shared swift-test fuzz cli-test scenario-test schema-test lib FORCE lib-test perf-check perf-baseline c-host-test fleet-test python-test go-test lua-test go-gateway-test nginx-test durability-test swift-app-test snippet-test demo install bench bench-abi clean help

all: build

help:
	@sed -n '2,/^$$/{/^#/p;}' Makefile | sed 's/^# \{0,1\}//'

## format, format-lint: `swift format` (the toolchain's; .swift-format is its
## configuration) over every Swift file of the clone. The configuration was chosen to
## match the existing code, by counting `swift format lint -r Sources Tests` findings on
## the tree before it was formatted: 4-space indentation (as every file had), `#if`
## bodies not indented, one space before an end-of-line comment, lines of at most 160
## columns. The findings fall as the limit grows (120: 3402, 140: 3002, 160: 2908,
## 180: 2868, 200: 2858) but past 160 only by the ~60 lines longer than that (of 34,000),
## so 160 is the limit that still limits. Rules turned off, and why:
##   AlwaysUseLowerCamelCase        the C ABI's functions are named engage_<noun>_<verb>
##                                  (include/engage.h), in Swift as in C
##   DoNotUseSemicolons,            short `case x: a = 1; b = 2` arms and
##   OneCasePerLine,                `case add = "+", multiply = "*"` tables read as
##   OneVariableDeclarationPerLine  tables; `let a = x, b = y` binds values together
##   AllPublicDeclarationsHaveDocumentation, BeginDocumentationCommentWithOneLineSummary,
##   ValidateDocumentationComments, NoLeadingUnderscores, NeverForceUnwrap,
##   NeverUseForceTry, UseEarlyExits  (off by default; kept off) doc comments are
##                                  required on public API by review, not on every
##                                  internal helper; `_` marks internals (STYLE.md); traps
##                                  are kept out by the hostile-input tests and review
FORMAT_PATHS = Package.swift Sources Tests bench/Package.swift bench/Sources \
               fuzz/Package.swift fuzz/Sources examples/swift-app/Package.swift examples/swift-app/Sources
format:
	$(SWIFT) format format --in-place --parallel --recursive $(FORMAT_PATHS)

format-lint:
	$(SWIFT) format lint --strict --parallel --recursive $(FORMAT_PATHS)

## deps: install the Debian packages in APT_PACKAGES that are missing.
deps:
	@scripts/install-deps.sh $(APT_PACKAGES)

check-shared:
	@test -d "$(SHARED)/conformance" || { \
	  echo "error: $(SHARED)/conformance not found; the shared folder must sit beside the clone (or pass SHARED=DIR)" >&2; exit 1; }

## build: every target (library, CLI) and the test bundle, once.
build:
	$(SWIFT) build $(SWIFT_FLAGS)
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests

## test: deps, one build, then every suite; the build is reused by every step.
test: format-lint deps check-shared build
	$(MAKE) --no-print-directory swift-test fuzz cli-test scenario-test schema-test lib-test perf-check c-host-test fleet-test python-test go-test lua-test go-gateway-test nginx-test durability-test swift-app-test snippet-test
	@echo "make test: all suites passed"

swift-test:
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build

# Bounded in time (FUZZ_SECONDS per target; fuzz/run.sh builds every target once, on
# the first); a target that does not exist yet is skipped with a note.
fuzz:
	@if [ ! -f fuzz/run.sh ]; then \
	  echo "note: fuzz/run.sh not found — fuzzing skipped"; \
	else \
	  for t in $(FUZZ_TARGETS); do \
	    if [ -d "fuzz/Sources/$$t" ] || grep -qs "\"$$t\"" fuzz/Package.swift; then \
	      echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	      bash fuzz/run.sh $$t $(FUZZ_SECONDS) || exit 1; \
	    else \
	      echo "note: fuzz target $$t not defined yet — skipped"; \
	    fi; \
	  done; \
	fi

# The JSON Schemas under schema/ against every example, with Python's jsonschema
# (PyPI) in a venv kept in a .build folder.
SCHEMA_VENV ?= .build-schema-venv
schema-test:
	@echo "== schema test"
	@[ -x $(SCHEMA_VENV)/bin/python ] || python3 -m venv $(SCHEMA_VENV)
	@$(SCHEMA_VENV)/bin/python -c 'import jsonschema' 2>/dev/null || $(SCHEMA_VENV)/bin/pip install -q jsonschema
	$(SCHEMA_VENV)/bin/python Tests/schema/test_schema.py

## lib: libengage.so for C, Go, Python and Lua hosts, and libengage.a for C hosts that
## link statically (with -lsqlite3 -lhiredis -lstdc++ -lm -lpthread -ldl: Libs.private in engage.pc).
lib: $(LIB_DIR)/libengage.a

# One SwiftPM build (incremental); the archive is remade only when the .so was relinked.
$(LIB_DIR)/libengage.so: FORCE
	$(SWIFT) build --scratch-path $(LIB_SCRATCH) -c release --product engage \
	  -Xswiftc -static-stdlib -Xlinker --version-script=$(CURDIR)/include/engage.map

$(LIB_DIR)/libengage.a: $(LIB_DIR)/libengage.so scripts/static-lib.sh
	scripts/static-lib.sh "$(SWIFT)" "$(LIB_DIR)"

FORCE:

## lib-test: exports, dependencies, and an install linked from a clean folder.
lib-test: lib
	scripts/test-lib.sh "$(LIB_DIR)/libengage.so" "$(LIB_DIR)/libengage.a"

## perf-check: instructions and mallocs per call — engage_decide, engage_context_decide,
## and engage_decide for users with a week of history (36 and 64 behaviour series) —
## counted by callgrind (scripts/profile.sh --check, ~15 s), against the committed
## bench/abi/instructions.json; fails when a figure exceeds PERF_MARGIN × its baseline,
## or a decision shows another number of messages. Instruction counts, never a timing.
PERF_MARGIN ?= 1.25
perf-check: lib
	LIBDIR="$(abspath $(LIB_DIR))" CC="$(CC)" PERF_MARGIN=$(PERF_MARGIN) scripts/profile.sh --check

## perf-baseline: measure the same and rewrite bench/abi/instructions.json. Run it, and
## commit the file, when a change makes a call cheaper on purpose (perf-check says so),
## so the gain is kept; never to let a slower change pass.
perf-baseline: lib
	LIBDIR="$(abspath $(LIB_DIR))" CC="$(CC)" scripts/profile.sh --baseline

## c-host-test: examples/c-host (json-c) and the malformed-input corpus, natively and
## under valgrind (no errors, no definite leaks).
c-host-test: lib
	scripts/test-c-host.sh "$(abspath $(LIB_DIR))"

## fleet-test: the Redis fleet with real processes (scripts/test-fleet.sh, ~35 s): a
## redis-server (AOF always) on a free port of 127.0.0.1, two processes × 8 threads
## through libengage.so on 200 shared users — caps exact; kill -9 and restart, SIGSTOP
## 2 s, SCRIPT FLUSH: nothing acknowledged lost, no cap exceeded, every call within
## the timeout + 150 ms; erasure of a user by a third process during a storm of its
## decisions: nothing of it from before left in Redis or drained by any engine; and a
## forked child never using its parent's connections.
fleet-test: lib
	scripts/test-fleet.sh "$(abspath $(LIB_DIR))"

## python-test: bindings/python (ctypes) with pytest against the release libengage.so.
python-test: lib
	scripts/test-python.sh "$(abspath $(LIB_DIR))"

## go-test: bindings/go — go vet and go test -race against the release libengage.so.
go-test: lib
	scripts/test-go.sh "$(abspath $(LIB_DIR))"

## lua-test: bindings/lua (LuaJIT FFI) with Debian's luajit2 (OpenResty's LuaJIT) against
## the release libengage.so: cdef vs engage.h, status paths, vectors, 10^6 calls, JIT traces.
lua-test: lib
	scripts/test-lua.sh "$(abspath $(LIB_DIR))"

## go-gateway-test: examples/go-gateway — a net/http reverse proxy asking libengage per
## page, tested against an upstream on 127.0.0.1 (go vet, go test -race).
go-gateway-test: lib
	scripts/test-go-gateway.sh "$(abspath $(LIB_DIR))"

## nginx-test: examples/nginx — the shared gateway suite against nginx and go-gateway,
## reload under load, /engage/health p99 during 10k-campaign reloads and with Redis stopped,
## the fleet test (2 nginx x 4 workers + go-gateway on one Redis, Redis killed mid-run).
nginx-test: lib
	scripts/test-nginx.sh "$(abspath $(LIB_DIR))"

## durability-test: the SQLite store with real processes — 50 SIGKILLs of a writer with
## sync always (nothing acknowledged lost, integrity_check ok), caps shared by 4
## processes on one file, foreign/damaged files refused at open.
durability-test: lib
	scripts/test-durability.sh "$(abspath $(LIB_DIR))"

## swift-app-test: examples/swift-app, a package that depends on this one by path.
swift-app-test:
	cd examples/swift-app && $(SWIFT) run --scratch-path "$(abspath $(SCRATCH))-swift-app" swift-app

## cli-test: the built CLI (scripts/test-cli.sh, docs/cli.md): logic/validate/decide/
## explain contracts with memory, SQLite and Redis stores, --version, help for every
## command without side effects, usage errors (64), @file and - arguments, file errors
## with the OS's reason, explanation times, bash completion, and every help example.
cli-test:
	scripts/test-cli.sh "$(BIN_DIR)/engage-cli"

## scenario-test: the telco scenario with the built CLI — generate, simulate (same
## report on 1 and 2 threads), the business rules on its output, explain --events, and
## the HTML report opened in headless Chromium (screenshot checked).
SCENARIO_USERS ?= 2000
scenario-test:
	scripts/test-scenario.sh "$(BIN_DIR)/engage-cli" $(SCENARIO_USERS)

## demo: the telco scenario end to end (examples/telco): generate a week of 10,000
## customers, simulate it through the campaign set, print the summary, write the HTML
## report (.build-demo/out/report.html), explain one customer's decision.
# An optimised build without whole-module optimisation: files compile in parallel, so
# a clean build takes ~40 s instead of ~50 s on 2 cores, and the simulation runs ~10 %
# slower than fully optimised (3.3 s instead of 3.0 s) — the quickest way from a clean
# clone to the report.
DEMO_SCRATCH ?= $(SCRATCH)-demo
DEMO_OUT ?= $(DEMO_SCRATCH)/out
demo:
	$(SWIFT) build --scratch-path $(DEMO_SCRATCH) -c release --product engage-cli -Xswiftc -no-whole-module-optimization
	@scripts/demo.sh "$(DEMO_SCRATCH)/release/engage-cli" "$(DEMO_OUT)"

## install: release build; PREFIX/bin/engage, include/engage.h, lib/libengage.{so,a}, engage.pc,
## share/engage/ (engage.supp, go/), share/lua/5.1/engage.lua, share/doc/engage/.
# The Swift runtime is linked statically so the installed tool runs without the toolchain.
# What is installed is stripped with $(STRIP): the CLI of its symbol table and debug
# info, libengage.so of all but its dynamic symbols (the engage_* exports), libengage.a
# of debug info (its local symbols stay: the static link needs them). `make install
# STRIP=` installs everything with its symbols, for a debugger or a profiler.
STRIP ?= strip
INSTALL_SHARE = $(PREFIX)/share/engage
# The Go binding's source as installed: every .go file but the tests, and its C part.
GO_SOURCES = $(filter-out %_test.go,$(wildcard bindings/go/*.go)) $(wildcard bindings/go/*.c)

install: lib
	$(SWIFT) build --scratch-path $(SCRATCH) -c release --static-swift-stdlib --product engage-cli
	install -d "$(PREFIX)/bin" "$(PREFIX)/include" "$(PREFIX)/lib/pkgconfig" "$(INSTALL_SHARE)/go" \
	  "$(PREFIX)/share/lua/5.1" "$(PREFIX)/share/doc/engage"
	install -m 755 "$(SCRATCH)/release/engage-cli" "$(PREFIX)/bin/engage"
	install -m 644 include/engage.h "$(PREFIX)/include/engage.h"
	install -m 755 "$(LIB_DIR)/libengage.so" "$(PREFIX)/lib/libengage.so"
	install -m 644 "$(LIB_DIR)/libengage.a" "$(PREFIX)/lib/libengage.a"
	$(if $(STRIP),$(STRIP) --strip-all "$(PREFIX)/bin/engage")
	$(if $(STRIP),$(STRIP) --strip-unneeded "$(PREFIX)/lib/libengage.so")
	$(if $(STRIP),$(STRIP) --strip-debug "$(PREFIX)/lib/libengage.a")
	scripts/engage-pc.sh "$(abspath $(PREFIX))" "$(PREFIX)/lib/pkgconfig/engage.pc"
	install -m 644 valgrind/engage.supp "$(INSTALL_SHARE)/engage.supp"
	install -m 644 bindings/go/go.mod bindings/go/README.md $(GO_SOURCES) "$(INSTALL_SHARE)/go/"
	install -m 644 bindings/lua/engage.lua "$(PREFIX)/share/lua/5.1/engage.lua"
	install -m 644 LICENSE CHANGELOG.md VERSION "$(PREFIX)/share/doc/engage/"
	@echo "installed under $(PREFIX): bin/engage, include/engage.h, lib/libengage.so, lib/libengage.a,"
	@echo "  lib/pkgconfig/engage.pc, share/engage/engage.supp, share/engage/go/, share/lua/5.1/engage.lua,"
	@echo "  share/doc/engage/$(if $(STRIP),, (with symbols: STRIP is empty))"

## snippet-test: every fenced block of README.md and bindings/*/README.md run as a user
## would paste it, from a temporary folder outside the clone, against a `make install`
## into $(SNIPPET_PREFIX) (scripts/test-snippets.py says how blocks are marked); then
## the install itself: stripped, one version everywhere, the valgrind suppressions.
## (pip's in-tree leftovers of the Python snippet's install from the clone are removed.)
SNIPPET_PREFIX ?= $(SCRATCH)-snippets/prefix
snippet-test:
	rm -rf "$(SNIPPET_PREFIX)"
	$(MAKE) --no-print-directory install PREFIX="$(abspath $(SNIPPET_PREFIX))"
	scripts/test-install.sh "$(abspath $(SNIPPET_PREFIX))" "$(abspath $(LIB_DIR))"
	PATH="$(dir $(SWIFT)):$$PATH" python3 scripts/test-snippets.py --prefix "$(abspath $(SNIPPET_PREFIX))" \
	  README.md bindings/*/README.md; status=$$?; \
	  rm -rf bindings/python/build bindings/python/engage.egg-info; exit $$status

## bench: release build of the separate bench/ package, then run it; then bench-abi and
## the peers (bench/peers: PyPI engines in a venv on the same rules and users).
bench:
	$(SWIFT) build --package-path bench --scratch-path $(BENCH_SCRATCH) -c release
	"$(BENCH_SCRATCH)/release/engage-bench" --json bench/results.json $(BENCH_ARGS)
	$(MAKE) --no-print-directory bench-abi
	bench/peers/run.sh "$(LIB_DIR)"

## bench-abi: one engage_decide (100 campaigns, 1 KB request) from C, Go and Python in
## one run, alternating rounds (writes bench/abi/results.json).
bench-abi: lib
	bench/abi/run.sh "$(LIB_DIR)"

clean:
	rm -rf "$(SCRATCH)" "$(SCRATCH)-snippets" "$(BENCH_SCRATCH)" "$(LIB_SCRATCH)" "$(SCRATCH)-swift-app" "$(DEMO_SCRATCH)" bench/results.json
