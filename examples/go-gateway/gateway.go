package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"libengage.dev/engage"
)

// The headers the gateway adds to every request it proxies. Any copy a client sent is
// removed first, so upstream can trust what it reads.
const (
	headerStatus   = "X-Engage-Status"   // decided | store-unavailable | no-user | not-a-page | error
	headerDecision = "X-Engage-Decision" // compact ASCII JSON array of the chosen messages
	headerDropped  = "X-Engage-Dropped"  // messages left out to keep the header under its bound
	headerError    = "X-Engage-Error"    // why there is no decision (status error)
)

// Values of X-Engage-Status.
const (
	statusDecided          = "decided"
	statusStoreUnavailable = "store-unavailable" // the decision failed closed: no message
	statusNoUser           = "no-user"
	statusNotAPage         = "not-a-page"
	statusError            = "error"
)

// maxErrorHeader bounds X-Engage-Error: the library's messages are short, but they
// may quote input.
const maxErrorHeader = 512

// options configure a gateway; main fills them from flags, tests directly.
type options struct {
	Upstream      *url.URL // where requests go
	CampaignsFile string   // the campaign set, loaded at start and by Reload
	EngineConfig  []byte   // docs/engine-config.md JSON; nil for the defaults
	Cookie        string   // the cookie holding the user id
	ConsentCookie string   // the cookie listing consented purposes ("marketing,service"); "" for none
	Placements    []string // placements asked for on every page, besides the page_view event
	Channels      []string // channels a page can show (default in_app)
	MaxHeader     int      // bound on X-Engage-Decision in bytes
	UserHeader    string   // a request header holding the user id, read before the cookie; "" for none
	AdminToken    string   // bearer token for /engage/users/*; "" for none
	AdminAllow    []string // client addresses allowed /engage/users/* without the token
	Log           *log.Logger
}

// gateway is the reverse proxy: an http.Handler that asks the engine for a decision on
// each page request and passes it upstream in X-Engage-Decision. Safe for concurrent
// use (the engine is); Reload and Close may be called while requests are served.
type gateway struct {
	opts   options
	engine *engage.Engine
	proxy  *httputil.ReverseProxy
	// Parts of every request that do not change, serialised once.
	requestTail []byte
	counters    counters
}

// newGateway opens an engine with opts.EngineConfig, loads opts.CampaignsFile and
// returns the proxy. The caller closes it with Close.
func newGateway(opts options) (*gateway, error) {
	if opts.Upstream == nil || opts.Upstream.Scheme == "" || opts.Upstream.Host == "" {
		return nil, errors.New("an upstream URL such as http://127.0.0.1:3000 is required")
	}
	if opts.Cookie == "" {
		return nil, errors.New("the user id cookie name is empty")
	}
	if len(opts.Channels) == 0 {
		opts.Channels = []string{"in_app"}
	}
	if opts.MaxHeader <= 0 {
		opts.MaxHeader = 8192
	}
	if opts.Log == nil {
		opts.Log = log.New(os.Stderr, "go-gateway: ", log.LstdFlags)
	}
	tail, err := requestTail(opts)
	if err != nil {
		return nil, err
	}
	eng, err := engage.Open(opts.EngineConfig)
	if err != nil {
		return nil, fmt.Errorf("engine config: %w", err)
	}
	g := &gateway{opts: opts, engine: eng, requestTail: tail}
	if err := g.Reload(); err != nil {
		eng.Close()
		return nil, err
	}
	g.proxy = httputil.NewSingleHostReverseProxy(opts.Upstream)
	g.proxy.ErrorLog = opts.Log
	return g, nil
}

// requestTail serialises the request members that are the same for every page:
// placements, channels and the app state (a page being served is in the foreground,
// which is what lets in_app messages through).
func requestTail(opts options) ([]byte, error) {
	tail := map[string]any{"channels": opts.Channels, "app": map[string]bool{"foreground": true}}
	if len(opts.Placements) > 0 {
		tail["placements"] = opts.Placements
	}
	b, err := json.Marshal(tail)
	if err != nil {
		return nil, err
	}
	return b[1:], nil // without "{": appended after the per-request members
}

// Reload reads the campaign file and swaps the set in atomically; on failure the
// current set stays and the error lists every problem.
func (g *gateway) Reload() error {
	set, err := os.ReadFile(g.opts.CampaignsFile)
	if err != nil {
		return err
	}
	if err := g.engine.LoadCampaigns(set); err != nil {
		g.counters.add(`engage_gateway_campaign_loads_total{result="error"}`)
		return fmt.Errorf("%s: %w", g.opts.CampaignsFile, err)
	}
	g.counters.add(`engage_gateway_campaign_loads_total{result="ok"}`)
	return nil
}

// Close closes the engine; requests still running finish, later ones get X-Engage-Error.
func (g *gateway) Close() error { return g.engine.Close() }

// ServeHTTP decides for page requests (GET) that carry the user cookie, sets the
// X-Engage-* headers and proxies the request. It never fails a page for a decision:
// every engine error becomes X-Engage-Error.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.api(w, r) {
		return
	}
	out := r.Clone(r.Context())
	for _, h := range []string{headerStatus, headerDecision, headerDropped, headerError} {
		out.Header.Del(h)
	}
	switch uid, ok := g.userID(r); {
	case r.Method != http.MethodGet:
		out.Header.Set(headerStatus, statusNotAPage)
	case !ok:
		out.Header.Set(headerStatus, statusNoUser)
	default:
		g.decide(out, uid)
	}
	g.counters.add(`engage_gateway_pages_total{status="` + out.Header.Get(headerStatus) + `"}`)
	g.proxy.ServeHTTP(w, out)
}

func (g *gateway) userID(r *http.Request) (string, bool) {
	if g.opts.UserHeader != "" {
		if v := r.Header.Get(g.opts.UserHeader); v != "" {
			return v, true
		}
	}
	c, err := r.Cookie(g.opts.Cookie)
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

func (g *gateway) decide(out *http.Request, uid string) {
	page := out.URL.Path
	// The page view is the request's event: the decision counts it (the 3rd visit to
	// /plans sees 3) and records it with its impressions in one store write.
	decision, err := g.engine.Decide(g.request(out, uid, page))
	if err != nil {
		g.fail(out, err)
		return
	}
	header, dropped, unavailable, err := decisionHeader(decision, g.opts.MaxHeader)
	if err != nil {
		g.fail(out, err)
		return
	}
	if unavailable != "" {
		out.Header.Set(headerStatus, statusStoreUnavailable)
		out.Header.Set(headerError, asciiHeader(unavailable, maxErrorHeader))
	} else {
		out.Header.Set(headerStatus, statusDecided)
	}
	out.Header.Set(headerDecision, header)
	if dropped > 0 {
		out.Header.Set(headerDropped, strconv.Itoa(dropped))
	}
}

// request builds {"user_id", "event": page_view of page, "consent"?, placements,
// channels, app} (docs/decisions.md).
func (g *gateway) request(r *http.Request, uid, page string) []byte {
	head := map[string]any{"user_id": uid,
		"event": map[string]any{"name": "page_view", "properties": map[string]string{"page": page}}}
	if consent := g.consent(r); consent != nil {
		head["consent"] = consent
	}
	b, _ := json.Marshal(head) // strings and maps of strings: cannot fail
	b[len(b)-1] = ','
	return append(b, g.requestTail...)
}

// consent reads the consent cookie: a comma-separated list of purposes the user agreed
// to (marketing, service, transactional). Unknown marketing consent means no.
func (g *gateway) consent(r *http.Request) map[string]bool {
	if g.opts.ConsentCookie == "" {
		return nil
	}
	c, err := r.Cookie(g.opts.ConsentCookie)
	if err != nil {
		return nil
	}
	var consent map[string]bool
	for _, p := range strings.Split(c.Value, ",") {
		switch p = strings.TrimSpace(p); p {
		case "marketing", "service", "transactional":
			if consent == nil {
				consent = map[string]bool{}
			}
			consent[p] = true
		}
	}
	return consent
}

func (g *gateway) fail(out *http.Request, err error) {
	out.Header.Set(headerStatus, statusError)
	out.Header.Set(headerError, asciiHeader(err.Error(), maxErrorHeader))
}

// headerMessage is one chosen message as X-Engage-Decision carries it: what upstream
// needs to render it, without the decision's cost and skipped-channel details.
type headerMessage struct {
	Campaign  string          `json:"campaign"`
	Placement string          `json:"placement,omitempty"`
	Variant   string          `json:"variant,omitempty"`
	Channel   string          `json:"channel"`
	Payload   json.RawMessage `json:"payload,omitempty"`
}

// decisionHeader turns a decision into the X-Engage-Decision value: its messages as a
// compact JSON array, escaped to ASCII. Messages are in the engine's rank order; those
// at the end that would take the value over max bytes are left out and counted. When
// the decision failed closed ("store": "unavailable") it also returns the store's error.
func decisionHeader(decision []byte, max int) (string, int, string, error) {
	var d struct {
		Messages   []headerMessage `json:"messages"`
		Store      string          `json:"store"`
		StoreError string          `json:"store_error"`
	}
	if err := json.Unmarshal(decision, &d); err != nil {
		return "", 0, "", fmt.Errorf("decision: %w", err)
	}
	unavailable := ""
	if d.Store != "" {
		unavailable = "store " + d.Store + ": " + d.StoreError
	}
	msgs := d.Messages
	for {
		if msgs == nil {
			msgs = []headerMessage{}
		}
		b, err := json.Marshal(msgs)
		if err != nil {
			return "", 0, "", fmt.Errorf("decision: %w", err)
		}
		if v := escapeASCII(b); len(v) <= max || len(msgs) == 0 {
			return v, len(d.Messages) - len(msgs), unavailable, nil
		}
		msgs = msgs[:len(msgs)-1]
	}
}

// escapeASCII rewrites the non-ASCII characters of JSON text as \uXXXX escapes (they
// can only occur inside strings), so the header value is plain ASCII. json.Marshal
// already escapes control characters, so no CR or LF can reach a header.
func escapeASCII(b []byte) string {
	var s strings.Builder
	s.Grow(len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r < utf8.RuneSelf:
			s.WriteByte(b[0])
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&s, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default: // json.Marshal emits valid UTF-8 (invalid bytes become U+FFFD)
			fmt.Fprintf(&s, `\u%04x`, r)
		}
		b = b[n:]
	}
	return s.String()
}

// asciiHeader makes text safe for a header value: printable ASCII, at most max bytes.
func asciiHeader(text string, max int) string {
	var b bytes.Buffer
	for _, r := range text {
		if b.Len() >= max {
			break
		}
		if r < 0x20 || r >= 0x7f {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
