package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A fixed engine clock: caps and windows are the same on every run.
const fixedNow = 1795150000000

var fixedClock = []byte(fmt.Sprintf(`{"store": {"kind": "memory"}, "defaults": {"fixed_clock_ms": %d}}`, fixedNow))

// echo is what the test upstream answers: the request as it arrived.
type echo struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

func (e echo) header(name string) string {
	if v := e.Headers[http.CanonicalHeaderKey(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// upstream echoes each request as JSON, except /teapot, which answers 418 with a fixed
// body and header (to check the gateway changes nothing on the way back).
func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/teapot" {
			w.Header().Set("X-Upstream", "kettle")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, "short and stout\n")
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(echo{Method: r.Method, Path: r.URL.Path, Headers: r.Header, Body: string(body)})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// start runs a gateway (the example campaign set, the fixed clock) in front of a
// fresh upstream; change adjusts the options first.
func start(t *testing.T, change func(*options)) (*httptest.Server, *gateway) {
	t.Helper()
	up, err := url.Parse(upstream(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	opts := options{Upstream: up, CampaignsFile: "campaigns.json", EngineConfig: fixedClock,
		Cookie: "engage_uid", ConsentCookie: "engage_consent", MaxHeader: 8192,
		Log: log.New(io.Discard, "", 0)}
	if change != nil {
		change(&opts)
	}
	g, err := newGateway(opts)
	if err != nil {
		t.Fatalf("newGateway: %v", err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(func() { srv.Close(); g.Close() })
	return srv, g
}

type page struct {
	method, path string
	cookies      map[string]string
	headers      map[string]string
	body         string
}

// visit sends one request through the gateway and returns the upstream's echo.
func visit(t testing.TB, client *http.Client, srv *httptest.Server, p page) echo {
	t.Helper()
	e, err := fetch(client, srv, p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// fetch is visit for goroutines other than the test's (which must not call t.Fatal).
func fetch(client *http.Client, srv *httptest.Server, p page) (echo, error) {
	var e echo
	if p.method == "" {
		p.method = http.MethodGet
	}
	req, err := http.NewRequest(p.method, srv.URL+p.path, strings.NewReader(p.body))
	if err != nil {
		return e, err
	}
	for name, value := range p.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	for name, value := range p.headers {
		req.Header.Set(name, value)
	}
	resp, err := client.Do(req)
	if err != nil {
		return e, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return e, fmt.Errorf("%s %s: status %d", p.method, p.path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		return e, fmt.Errorf("%s %s: upstream echo: %v", p.method, p.path, err)
	}
	return e, nil
}

// user is a visit by a user who consented to marketing.
func user(uid, path string) page {
	return page{path: path, cookies: map[string]string{"engage_uid": uid, "engage_consent": "marketing"}}
}

// messages decodes X-Engage-Decision after checking the status says decided.
func messages(t testing.TB, e echo) []headerMessage {
	t.Helper()
	msgs, err := decoded(e)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func decoded(e echo) ([]headerMessage, error) {
	if s := e.header(headerStatus); s != statusDecided {
		return nil, fmt.Errorf("%s: %s = %q (%s = %q), want decided", e.Path, headerStatus, s, headerError, e.header(headerError))
	}
	v := e.header(headerDecision)
	var msgs []headerMessage
	if err := json.Unmarshal([]byte(v), &msgs); err != nil || msgs == nil {
		return nil, fmt.Errorf("%s: %s is not a JSON array: %q (%v)", e.Path, headerDecision, v, err)
	}
	return msgs, nil
}

func campaigns(msgs []headerMessage) []string {
	ids := []string{}
	for _, m := range msgs {
		ids = append(ids, m.Campaign)
	}
	return ids
}

func TestMatchingPageCarriesTheCampaign(t *testing.T) {
	srv, _ := start(t, nil)
	e := visit(t, srv.Client(), srv, user("u1", "/plans"))
	msgs := messages(t, e)
	if len(msgs) != 1 || msgs[0].Campaign != "plan-change-nudge" || msgs[0].Channel != "in_app" {
		t.Fatalf("decision %s, want plan-change-nudge on in_app", e.header(headerDecision))
	}
	var payload map[string]string
	json.Unmarshal(msgs[0].Payload, &payload)
	if payload["link"] != "/plans/5g" {
		t.Errorf("payload %s", msgs[0].Payload)
	}
	if e.Path != "/plans" || e.header(headerError) != "" {
		t.Errorf("upstream saw %s, error %q", e.Path, e.header(headerError))
	}
}

func TestNonMatchingPageGetsAnEmptyDecision(t *testing.T) {
	srv, _ := start(t, nil)
	for _, path := range []string{"/", "/about", "/plans/5g"} {
		e := visit(t, srv.Client(), srv, user("u1", path))
		if v := e.header(headerDecision); v != "[]" || len(messages(t, e)) != 0 {
			t.Errorf("%s: decision %q, want []", path, v)
		}
	}
	// Marketing needs consent: without the consent cookie the nudge is not shown.
	e := visit(t, srv.Client(), srv, page{path: "/plans", cookies: map[string]string{"engage_uid": "u2"}})
	if v := e.header(headerDecision); v != "[]" {
		t.Errorf("no consent: decision %q, want []", v)
	}
}

func TestNoCookiePassesThrough(t *testing.T) {
	srv, _ := start(t, nil)
	// A client's own X-Engage-* headers never reach upstream.
	e := visit(t, srv.Client(), srv, page{path: "/plans", headers: map[string]string{
		headerDecision: `[{"campaign":"forged"}]`, headerStatus: statusDecided, headerError: "forged"}})
	if s := e.header(headerStatus); s != statusNoUser {
		t.Errorf("%s = %q, want %s", headerStatus, s, statusNoUser)
	}
	if _, ok := e.Headers[headerDecision]; ok {
		t.Errorf("a decision was passed without a user: %q", e.header(headerDecision))
	}
	if _, ok := e.Headers[headerError]; ok {
		t.Errorf("forged %s reached upstream", headerError)
	}
	if e.Path != "/plans" {
		t.Errorf("upstream saw %s", e.Path)
	}
}

func TestCapHoldsAcrossRequests(t *testing.T) {
	srv, _ := start(t, nil)
	client := srv.Client()
	if got := campaigns(messages(t, visit(t, client, srv, user("u1", "/plans")))); len(got) != 1 {
		t.Fatalf("first visit: %v", got)
	}
	for i := 0; i < 5; i++ { // once per day: the fixed clock never moves past the window
		if got := campaigns(messages(t, visit(t, client, srv, user("u1", "/plans")))); len(got) != 0 {
			t.Fatalf("visit %d: %v, want nothing (cap 1 per day)", i+2, got)
		}
	}
	if got := campaigns(messages(t, visit(t, client, srv, user("u2", "/plans")))); len(got) != 1 {
		t.Errorf("another user: %v, want the nudge", got)
	}
}

func TestUpstreamResponseUnchanged(t *testing.T) {
	srv, _ := start(t, nil)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/teapot", nil)
	req.AddCookie(&http.Cookie{Name: "engage_uid", Value: "u1"})
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot || string(body) != "short and stout\n" ||
		resp.Header.Get("X-Upstream") != "kettle" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// Other methods are proxied with their body, without a decision.
	e := visit(t, srv.Client(), srv, page{method: http.MethodPost, path: "/plans", body: `{"plan": "5G"}`,
		cookies: map[string]string{"engage_uid": "u1", "engage_consent": "marketing"}})
	if e.Method != http.MethodPost || e.Body != `{"plan": "5G"}` || e.header(headerStatus) != statusNotAPage {
		t.Errorf("POST: %+v", e)
	}
	if got := campaigns(messages(t, visit(t, srv.Client(), srv, user("u1", "/plans")))); len(got) != 1 {
		t.Errorf("the POST used the cap: %v", got)
	}
}

func TestPlacementsFlag(t *testing.T) {
	srv, _ := start(t, func(o *options) { o.Placements = []string{"site_banner"} })
	if got := campaigns(messages(t, visit(t, srv.Client(), srv, user("u1", "/about")))); fmt.Sprint(got) != "[maintenance-notice]" {
		t.Errorf("/about: %v", got)
	}
	if got := campaigns(messages(t, visit(t, srv.Client(), srv, user("u1", "/plans")))); fmt.Sprint(got) != "[plan-change-nudge maintenance-notice]" {
		t.Errorf("/plans: %v", got)
	}
}

func TestHeaderIsBounded(t *testing.T) {
	var one int
	{ // the size of the nudge alone
		srv, _ := start(t, nil)
		one = len(visit(t, srv.Client(), srv, user("u1", "/plans")).header(headerDecision))
	}
	srv, _ := start(t, func(o *options) { o.Placements = []string{"site_banner"}; o.MaxHeader = one + 10 })
	e := visit(t, srv.Client(), srv, user("u1", "/plans"))
	if got := campaigns(messages(t, e)); fmt.Sprint(got) != "[plan-change-nudge]" || e.header(headerDropped) != "1" {
		t.Errorf("max %d: %v, dropped %q", one+10, got, e.header(headerDropped))
	}
	if n := len(e.header(headerDecision)); n > one+10 {
		t.Errorf("header of %d bytes over the bound %d", n, one+10)
	}
}

// A Redis store nobody listens on: decisions fail closed, pages are served with
// X-Engage-Status: store-unavailable, no message and the store's error.
func TestStoreUnavailableDoesNotBreakThePage(t *testing.T) {
	srv, _ := start(t, func(o *options) {
		o.EngineConfig = []byte(fmt.Sprintf(`{"store": {"kind": "redis", "address": "127.0.0.1:1", "timeout_ms": 100},`+
			` "defaults": {"fixed_clock_ms": %d}}`, fixedNow))
	})
	for i := 0; i < 3; i++ {
		e := visit(t, srv.Client(), srv, user("u1", "/plans"))
		if e.header(headerStatus) != statusStoreUnavailable || e.header(headerDecision) != "[]" || e.Path != "/plans" ||
			!strings.Contains(e.header(headerError), "store unavailable: redis 127.0.0.1:1: HMGET for user u1") {
			t.Errorf("visit %d: %s = %q, %s = %q, %s = %q", i, headerStatus, e.header(headerStatus),
				headerDecision, e.header(headerDecision), headerError, e.header(headerError))
		}
	}
}

func TestDecisionErrorDoesNotBreakThePage(t *testing.T) {
	srv, g := start(t, nil)
	// A user id over 256 bytes is refused by the engine.
	e := visit(t, srv.Client(), srv, user(strings.Repeat("x", 300), "/plans"))
	if e.header(headerStatus) != statusError || !strings.Contains(e.header(headerError), "user_id") {
		t.Errorf("long id: %s = %q, %s = %q", headerStatus, e.header(headerStatus), headerError, e.header(headerError))
	}
	if _, ok := e.Headers[headerDecision]; ok || e.Path != "/plans" {
		t.Errorf("long id: %+v", e)
	}
	// A closed engine: every page is still served.
	g.Close()
	e = visit(t, srv.Client(), srv, user("u1", "/plans"))
	if e.header(headerStatus) != statusError || e.header(headerError) == "" {
		t.Errorf("closed engine: %v", e.Headers)
	}
}

func TestConcurrentRequests(t *testing.T) {
	srv, _ := start(t, nil)
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	const goroutines, users, rounds = 64, 16, 8
	var mu sync.Mutex
	shown := map[string]int{}
	var wg sync.WaitGroup
	for i := 0; i < goroutines; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			uid := fmt.Sprintf("user-%d", i%users)
			for r := 0; r < rounds; r++ {
				path := "/plans"
				if r%2 == 1 {
					path = "/about"
				}
				e, err := fetch(client, srv, user(uid, path))
				var msgs []headerMessage
				if err == nil {
					msgs, err = decoded(e)
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				shown[uid] += len(msgs)
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	for u := 0; u < users; u++ {
		if n := shown[fmt.Sprintf("user-%d", u)]; n != 1 {
			t.Errorf("user-%d was shown the nudge %d times, want exactly 1 (cap 1 per day)", u, n)
		}
	}
}

func TestReload(t *testing.T) {
	file := filepath.Join(t.TempDir(), "campaigns.json")
	set, err := os.ReadFile("campaigns.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, set, 0o644)
	srv, g := start(t, func(o *options) { o.CampaignsFile = file })

	os.WriteFile(file, bytes.ReplaceAll(set, []byte(`"/plans"`), []byte(`"/deals"`)), 0o644)
	if err := g.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := campaigns(messages(t, visit(t, srv.Client(), srv, user("u1", "/deals")))); len(got) != 1 {
		t.Errorf("after reload, /deals: %v", got)
	}
	os.WriteFile(file, []byte(`{"version": 1, "campaigns": [{"id": "x", "prority": 1}]}`), 0o644)
	if err := g.Reload(); err == nil || !strings.Contains(err.Error(), "prority") {
		t.Errorf("a set with problems: %v", err)
	}
	if got := campaigns(messages(t, visit(t, srv.Client(), srv, user("u2", "/deals")))); len(got) != 1 {
		t.Errorf("after a refused reload the set must stay: %v", got)
	}
}

// Every page view is the decision's event: counted by that decision and recorded with
// it, so "the 3rd visit to /plans" needs no separate record call.
func TestPageViewsCount(t *testing.T) {
	file := filepath.Join(t.TempDir(), "campaigns.json")
	os.WriteFile(file, []byte(`{"version": 1, "campaigns": [{"id": "third-visit", "purpose": "service",
		"status": "active", "triggers": [{"event": "page_view"}],
		"audience": {"==": [{"event_count": ["page_view", "7d", {"==": [{"var": "page"}, "/plans"]}]}, 3]},
		"channels": {"in_app": {"payload": {}}}}]}`), 0o644)
	srv, _ := start(t, func(o *options) { o.CampaignsFile = file })
	var got [][]string
	for _, page := range []string{"/plans", "/home", "/plans", "/plans", "/plans"} {
		got = append(got, campaigns(messages(t, visit(t, srv.Client(), srv, user("u1", page)))))
	}
	// Shown when exactly three views of /plans are recorded: the third, not the fourth.
	if fmt.Sprint(got) != "[[] [] [] [third-visit] []]" {
		t.Errorf("page views: %v, want the campaign on the third visit to /plans only", got)
	}
}

func TestEscapeASCII(t *testing.T) {
	in, _ := json.Marshal(map[string]string{"title": "Min님, 5G 😀 <b>"})
	out := escapeASCII(in)
	for i := 0; i < len(out); i++ {
		if out[i] >= 0x80 || out[i] < 0x20 {
			t.Fatalf("byte %#x at %d in %q", out[i], i, out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(out), &back); err != nil || back["title"] != "Min님, 5G 😀 <b>" {
		t.Errorf("%q → %q (%v)", out, back["title"], err)
	}
}

func TestNewGatewayRefusesBadOptions(t *testing.T) {
	up, _ := url.Parse("http://127.0.0.1:1")
	for name, o := range map[string]options{
		"no upstream":  {CampaignsFile: "campaigns.json", Cookie: "c"},
		"no cookie":    {Upstream: up, CampaignsFile: "campaigns.json"},
		"missing file": {Upstream: up, CampaignsFile: "does-not-exist.json", Cookie: "c"},
		"bad config":   {Upstream: up, CampaignsFile: "campaigns.json", Cookie: "c", EngineConfig: []byte(`{"stroe": {}}`)},
	} {
		if g, err := newGateway(o); err == nil {
			g.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}
