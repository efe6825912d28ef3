package main

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"libengage.dev/engage"
)

// The endpoints beside the proxied pages — the same contract as examples/nginx:
//
//	POST /engage/decide          a decide request → the decision
//	POST /engage/events          one record → {"status":"ok"}
//	GET|DELETE /engage/users/ID  export / erase (admin: an allowed address or the token)
//	GET /engage/health           200 once a campaign set is loaded, else 503
//	GET /metrics                 Prometheus text format
const maxBody = 1 << 20

// counters are the gateway's Prometheus counters: full series name → value.
type counters struct {
	mu sync.Mutex
	m  map[string]float64
}

func (c *counters) add(series string) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]float64{}
	}
	c.m[series]++
	c.mu.Unlock()
}

func (c *counters) snapshot() map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]float64, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// api serves the /engage endpoints and /metrics; false when the path is a page.
func (g *gateway) api(w http.ResponseWriter, r *http.Request) bool {
	switch p := r.URL.Path; {
	case p == "/engage/decide":
		g.postEndpoint(w, r, "decide", func(body []byte) ([]byte, error) { return g.engine.Decide(body) })
	case p == "/engage/events":
		g.postEndpoint(w, r, "events", func(body []byte) ([]byte, error) {
			if err := g.engine.Record(body); err != nil {
				return nil, err
			}
			return []byte(`{"status":"ok"}`), nil
		})
	case strings.HasPrefix(p, "/engage/users/"):
		g.user(w, r, strings.TrimPrefix(p, "/engage/users/"))
	case p == "/engage/health":
		g.health(w)
	case p == "/metrics":
		g.metrics(w)
	default:
		return false
	}
	return true
}

func (g *gateway) respond(w http.ResponseWriter, endpoint string, code int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(body)
	g.counters.add(fmt.Sprintf(`engage_gateway_api_requests_total{endpoint=%q,code="%d"}`, endpoint, code))
}

func (g *gateway) refuse(w http.ResponseWriter, endpoint string, code int, errCode, message string) {
	b, _ := json.Marshal(map[string]string{"status": "error", "code": errCode, "message": message})
	g.respond(w, endpoint, code, b)
}

// engineFailure answers an engine error with its error object: 400 for the caller's
// mistake (with the path of the offending member), 503 with no campaign set or a store
// down, 413 over the size limit, else 500.
func (g *gateway) engineFailure(w http.ResponseWriter, endpoint string, err error) {
	var e *engage.Error
	if !errors.As(err, &e) {
		g.refuse(w, endpoint, http.StatusInternalServerError, "error", err.Error())
		return
	}
	code := http.StatusInternalServerError
	switch e.Status {
	case engage.StatusInvalidJSON, engage.StatusInvalidRequest:
		code = http.StatusBadRequest
	case engage.StatusNoCampaigns, engage.StatusStore:
		code = http.StatusServiceUnavailable
	case engage.StatusTooBig:
		code = http.StatusRequestEntityTooLarge
	}
	obj := map[string]any{"status": engage.StatusString(e.Status), "code": e.Code, "path": e.Path, "message": e.Message}
	if len(e.Problems) > 0 {
		obj["problems"] = e.Problems
	}
	b, _ := json.Marshal(obj)
	g.respond(w, endpoint, code, b)
}

func (g *gateway) postEndpoint(w http.ResponseWriter, r *http.Request, endpoint string, call func([]byte) ([]byte, error)) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		g.refuse(w, endpoint, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	switch {
	case err != nil:
		g.refuse(w, endpoint, http.StatusBadRequest, "body", "reading the body: "+err.Error())
		return
	case len(body) > maxBody:
		g.refuse(w, endpoint, http.StatusRequestEntityTooLarge, "too_big", "the body is over 1 MiB")
		return
	case len(body) == 0:
		g.refuse(w, endpoint, http.StatusBadRequest, "invalid_json", "the body is empty: a JSON object is expected")
		return
	}
	out, err := call(body)
	if err != nil {
		g.engineFailure(w, endpoint, err)
		return
	}
	g.respond(w, endpoint, http.StatusOK, out)
}

// admin: from an address in AdminAllow, or with "Authorization: Bearer AdminToken".
func (g *gateway) admin(r *http.Request) bool {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		for _, a := range g.opts.AdminAllow {
			if a == host {
				return true
			}
		}
	}
	token := g.opts.AdminToken
	auth := r.Header.Get("Authorization")
	return token != "" && subtle.ConstantTimeCompare([]byte(auth), []byte("Bearer "+token)) == 1
}

func (g *gateway) user(w http.ResponseWriter, r *http.Request, uid string) {
	if !g.admin(r) {
		g.refuse(w, "users", http.StatusForbidden, "forbidden", "admin only: from an allowed address or with the admin token")
		return
	}
	if uid == "" {
		g.refuse(w, "users", http.StatusNotFound, "not_found", "a user id is expected after /engage/users/")
		return
	}
	var out []byte
	var err error
	switch r.Method {
	case http.MethodGet:
		out, err = g.engine.ExportUser(uid)
	case http.MethodDelete:
		if err = g.engine.ForgetUser(uid); err == nil {
			out = []byte(`{"status":"ok"}`)
		}
	default:
		w.Header().Set("Allow", "GET, DELETE")
		g.refuse(w, "users", http.StatusMethodNotAllowed, "method_not_allowed", "use GET (export) or DELETE (erase)")
		return
	}
	if err != nil {
		g.engineFailure(w, "users", err)
		return
	}
	g.respond(w, "users", http.StatusOK, out)
}

// health: one process, ready once newGateway loaded a set (it fails otherwise).
func (g *gateway) health(w http.ResponseWriter) {
	b, _ := json.Marshal(map[string]any{"status": "ok", "workers": 1, "ready": 1, "pids": []int{os.Getpid()}})
	g.respond(w, "health", http.StatusOK, b)
}

var metricHelp = map[string][2]string{
	"engage_gateway_pages_total":          {"counter", "Page requests by the X-Engage-Status sent upstream."},
	"engage_gateway_api_requests_total":   {"counter", "Requests to the /engage endpoints by HTTP status."},
	"engage_gateway_campaign_loads_total": {"counter", "Campaign file loads by result."},
}

func (g *gateway) metrics(w http.ResponseWriter) {
	sums := g.counters.snapshot()
	families := map[string][]string{}
	for k := range sums {
		name := k
		if i := strings.IndexByte(k, '{'); i >= 0 {
			name = k[:i]
		}
		families[name] = append(families[name], k)
	}
	names := make([]string, 0, len(families))
	for n := range families {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# HELP engage_gateway_workers Worker processes serving.\n# TYPE engage_gateway_workers gauge\nengage_gateway_workers 1\n")
	b.WriteString("# HELP engage_gateway_workers_ready Workers with a campaign set loaded.\n# TYPE engage_gateway_workers_ready gauge\nengage_gateway_workers_ready 1\n")
	for _, n := range names {
		h, ok := metricHelp[n]
		if !ok {
			h = [2]string{"untyped", n}
		}
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", n, h[1], n, h[0])
		keys := families[n]
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteString(k + " " + strconv.FormatFloat(sums[k], 'g', -1, 64) + "\n")
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	w.Write([]byte(b.String()))
}
