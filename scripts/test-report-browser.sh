#!/usr/bin/env bash
# Opens an `engage simulate` HTML report in headless Chromium, offline, and checks what
# it rendered:
#   - the DOM after load (--dump-dom): a <title>, at least 3 <svg> charts, a campaign
#     table row for every campaign (every id in REPORT.json when given, else every row
#     of the file) and no element that loads anything;
#   - a 1280-px-wide screenshot (OUTDIR/report.png) that is not blank: enough distinct
#     colours, enough non-background pixels, and the fixed channel colours of the charts
#     (Tests/scenario/check_png.py, zlib only).
# Prints one line per check; exits non-zero on any failure.
#
# Usage: scripts/test-report-browser.sh REPORT.html OUTDIR [REPORT.json]
#   $CHROMIUM overrides the browser (default: chromium).
# To make a report from the sample fixture:
#   ENGAGE_REPORT_HTML_OUT=/tmp/report.html swift test --filter ReportHTML
set -uo pipefail

html=${1:?usage: $0 REPORT.html OUTDIR [REPORT.json]}
outdir=${2:?usage: $0 REPORT.html OUTDIR [REPORT.json]}
json=${3:-}
here=$(cd "$(dirname "$0")/.." && pwd)
browser=${CHROMIUM:-chromium}

[ -f "$html" ] || { echo "error: $html: no such file" >&2; exit 2; }
command -v "$browser" >/dev/null || { echo "error: $browser not found (apt-get install chromium)" >&2; exit 2; }
[ -z "$json" ] || [ -f "$json" ] || { echo "error: $json: no such file" >&2; exit 2; }
mkdir -p "$outdir" || exit 2
abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
outabs=$(cd "$outdir" && pwd)

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# Offline: every proxied request goes to a closed port and every host name fails to
# resolve; background services that would phone home are off.
flags=(
  --headless --no-sandbox --disable-gpu --hide-scrollbars
  --window-size=1280,2400 --force-device-scale-factor=1
  --user-data-dir="$profile"
  --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>'
  --host-resolver-rules='MAP * ~NOTFOUND'
  --no-first-run --no-default-browser-check --disable-extensions --disable-sync
  --disable-background-networking --disable-component-update --disable-default-apps
  --disable-domain-reliability --metrics-recording-only --mute-audio
)

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

rm -f "$outabs/report.png"
if ! timeout 60 "$browser" "${flags[@]}" --screenshot="$outabs/report.png" "file://$abs" \
    >"$outabs/chromium-screenshot.log" 2>&1; then
  fail "chromium --screenshot exited non-zero or timed out (see $outabs/chromium-screenshot.log)"
fi
if ! timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$abs" \
    >"$outabs/report.dom.html" 2>"$outabs/chromium-dom.log"; then
  fail "chromium --dump-dom exited non-zero or timed out (see $outabs/chromium-dom.log)"
fi

# The DOM as Chromium built it, compared with the report's campaigns.
python3 - "$outabs/report.dom.html" "$abs" "$json" <<'PY' || failures=$((failures + 1))
import json, sys
from html.parser import HTMLParser

class Scan(HTMLParser):
    def __init__(self):
        super().__init__()
        self.title, self.in_title, self.svgs, self.rows, self.loaders = "", False, 0, [], []
        self.svg_depth = 0  # <title> inside an SVG is a tooltip, not the page's title
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "title" and self.svg_depth == 0: self.in_title = True
        if tag == "svg": self.svgs += 1; self.svg_depth += 1
        if tag == "tr" and a.get("data-campaign") is not None and self.table == "campaigns":
            self.rows.append(a["data-campaign"])
        if tag == "table": self.table = (a.get("class") or "")
        if tag in ("script", "link", "img", "iframe", "object", "embed") or "src" in a or "href" in a:
            self.loaders.append(tag)
    def handle_endtag(self, tag):
        if tag == "title": self.in_title = False
        if tag == "svg": self.svg_depth = max(self.svg_depth - 1, 0)
        if tag == "table": self.table = ""
    def handle_data(self, data):
        if self.in_title: self.title += data
    table = ""

def scan(path):
    s = Scan()
    with open(path, encoding="utf-8", errors="replace") as f:
        s.feed(f.read())
    return s

dom_path, html_path, json_path = sys.argv[1], sys.argv[2], sys.argv[3]
dom = scan(dom_path)
if json_path:
    with open(json_path, encoding="utf-8") as f:
        campaigns = json.load(f).get("campaigns") or []
    want = [c.get("id") for c in campaigns if isinstance(c, dict) and isinstance(c.get("id"), str)]
    source = "REPORT.json"
else:
    want, source = scan(html_path).rows, "the HTML file"
problems = []
if not dom.title.strip(): problems.append("no <title>")
if dom.svgs < 3: problems.append("%d <svg> elements (< 3)" % dom.svgs)
missing = [w for w in want if w not in dom.rows]
if missing: problems.append("no campaign row for %s" % ", ".join(missing))
if not want: problems.append("no campaigns in %s to look for" % source)
if dom.loaders: problems.append("elements that load: %s" % ", ".join(sorted(set(dom.loaders))))
print("DOM: title %r, %d <svg>, %d campaign rows (%d expected from %s)%s" % (
    dom.title.strip(), dom.svgs, len(dom.rows), len(want), source,
    "" if not problems else " — FAIL: " + "; ".join(problems)))
sys.exit(1 if problems else 0)
PY

# The screenshot: the channel colours are those of Sources/EngageScenario/ReportHTML.swift.
if [ -s "$outabs/report.png" ]; then
  python3 "$here/Tests/scenario/check_png.py" "$outabs/report.png" --width 1280 --min-colours 8 --min-ink 0.10 \
    --expect-colour 4a74b4 --expect-colour e8833a --expect-colour 4e9f5b --expect-colour 8c6bb1 \
    --expect-colour 2a9d8f --expect-colour c44e52 --min-expected 3 || failures=$((failures + 1))
else
  fail "no screenshot at $outabs/report.png"
fi

if [ "$failures" -ne 0 ]; then
  echo "test-report-browser: $failures check(s) failed"
  exit 1
fi
echo "test-report-browser: ok ($outabs/report.png)"
