package engage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// The repository root, from this package's folder (bindings/go) or ENGAGE_REPO.
func repo(t testing.TB) string {
	if r := os.Getenv("ENGAGE_REPO"); r != "" {
		return r
	}
	r, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readFile(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{repo(t)}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const now = 1795150000000 // a Tuesday, 2026-11-17 around 12:46 in Asia/Seoul

type obj = map[string]any

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A set with one service campaign on placement "home", capped at cap per day.
func cappedSet(cap int) obj {
	return obj{"version": 1, "campaigns": []any{obj{
		"id": "welcome", "purpose": "service", "status": "active",
		"placements": []string{"home"},
		"caps":       []any{obj{"count": cap, "window": "1d"}},
		"channels":   obj{"in_app": obj{"payload": obj{"title": "Hello {{user.name | default: \"you\"}}"}}},
	}}}
}

func homeRequest(uid string, extra obj) obj {
	r := obj{"user_id": uid, "placement": "home", "app": obj{"foreground": true}, "now": now}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

type message struct {
	Campaign  string         `json:"campaign"`
	Placement string         `json:"placement"`
	Variant   string         `json:"variant"`
	Channel   string         `json:"channel"`
	Payload   map[string]any `json:"payload"`
}

type decision struct {
	UserID      string    `json:"user_id"`
	Now         int64     `json:"now"`
	Messages    []message `json:"messages"`
	Assignments []struct {
		Campaign string `json:"campaign"`
		Group    string `json:"group"`
	} `json:"assignments"`
	Explanation []struct {
		Campaign string `json:"campaign"`
		Reason   string `json:"reason"`
	} `json:"explanation"`
}

func open(t testing.TB, config []byte) *Engine {
	t.Helper()
	e, err := Open(config)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func load(t testing.TB, e *Engine, set any) {
	t.Helper()
	var b []byte
	switch s := set.(type) {
	case []byte:
		b = s
	default:
		b = mustJSON(t, s)
	}
	if err := e.LoadCampaigns(b); err != nil {
		t.Fatalf("LoadCampaigns: %v", err)
	}
}

func decide(t testing.TB, e *Engine, req any) decision {
	t.Helper()
	var b []byte
	switch r := req.(type) {
	case []byte:
		b = r
	default:
		b = mustJSON(t, r)
	}
	out, err := e.Decide(b)
	if err != nil {
		t.Fatalf("Decide(%s): %v", b, err)
	}
	var d decision
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("decision %s: %v", out, err)
	}
	return d
}

func asError(t testing.TB, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("expected *engage.Error, got %T %v", err, err)
	}
	return e
}

// ------------------------------------------------------------------------ basics

func TestVersionAndABI(t *testing.T) {
	if got := Version(); got != "0.1.0" {
		t.Errorf("Version() = %q", got)
	}
	if abiErr != nil {
		t.Fatal(abiErr)
	}
	for st, name := range map[int]string{0: "ok", 2: "misuse", 3: "invalid json", 12345: "unknown status", -1: "unknown status", 1 << 40: "unknown status"} {
		if got := StatusString(st); got != name {
			t.Errorf("StatusString(%d) = %q, want %q", st, got, name)
		}
	}
}

func TestOpenConfig(t *testing.T) {
	e := open(t, []byte(fmt.Sprintf(`{"store": {"kind": "memory"}, "defaults": {"fixed_clock_ms": %d}}`, int64(now))))
	load(t, e, cappedSet(1))
	d := decide(t, e, obj{"user_id": "u1", "placement": "home", "app": obj{"foreground": true}})
	if d.Now != now {
		t.Errorf("fixed clock: now = %d", d.Now)
	}
	open(t, []byte("{}"))
	open(t, nil)

	_, err := Open([]byte(`{"store": {"kind": "nope"}}`))
	if e := asError(t, err); e.Status != StatusInvalidRequest || e.Path != "store.kind" {
		t.Errorf("bad store: %#v", e)
	}
	_, err = Open([]byte(`{`))
	if e := asError(t, err); e.Status != StatusInvalidJSON {
		t.Errorf("bad config JSON: %#v", e)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	e, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var nilEngine *Engine
	if err := nilEngine.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := nilEngine.Stats(); asError(t, err).Status != StatusMisuse {
		t.Fatal("nil engine")
	}
}

// -------------------------------------------------------- decide / record / caps

func TestDecideRecordCaps(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(1))

	first := decide(t, e, homeRequest("u1", obj{"user": obj{"name": "Min"}}))
	if first.UserID != "u1" || len(first.Messages) != 1 {
		t.Fatalf("first decision: %+v", first)
	}
	m := first.Messages[0]
	if m.Campaign != "welcome" || m.Channel != "in_app" || m.Placement != "home" || m.Payload["title"] != "Hello Min" {
		t.Errorf("message: %+v", m)
	}
	// Cap of 1 per day: the second decision has no messages.
	if d := decide(t, e, homeRequest("u1", nil)); len(d.Messages) != 0 {
		t.Errorf("second decision over the cap: %+v", d)
	}
	if d := decide(t, e, homeRequest("u2", nil)); len(d.Messages) != 1 {
		t.Errorf("another user: %+v", d)
	}
	// commit: false leaves the cap alone.
	if d := decide(t, e, homeRequest("u3", obj{"commit": false})); len(d.Messages) != 1 {
		t.Errorf("commit false: %+v", d)
	}
	if d := decide(t, e, homeRequest("u3", nil)); len(d.Messages) != 1 {
		t.Errorf("after commit false: %+v", d)
	}
	// An impression recorded from elsewhere counts toward the cap.
	if err := e.Record(mustJSON(t, obj{"user_id": "u4", "type": "impression", "campaign": "welcome",
		"channel": "in_app", "time": now - 1000})); err != nil {
		t.Fatal(err)
	}
	if d := decide(t, e, homeRequest("u4", obj{"explain": true})); len(d.Messages) != 0 {
		t.Errorf("recorded impression ignored: %+v", d)
	} else if len(d.Explanation) == 0 || d.Explanation[0].Reason != "cap" {
		t.Errorf("explanation: %+v", d.Explanation)
	}
	// The export shows the impression that caps u1; an empty id is refused.
	if x, err := e.ExportUser("u1"); err != nil || !bytes.Contains(x, []byte(`"name":"welcome"`)) {
		t.Errorf("ExportUser(u1) = %s, %v", x, err)
	}
	if x := asError(t, second(e.ExportUser(""))); x.Status != StatusInvalidRequest {
		t.Errorf("ExportUser(\"\"): %+v", x)
	}
	// Forgetting a user resets the cap (and drops the user's queued exposures).
	if err := e.ForgetUser("u1"); err != nil {
		t.Fatal(err)
	}
	if d := decide(t, e, homeRequest("u1", nil)); len(d.Messages) != 1 {
		t.Errorf("after ForgetUser: %+v", d)
	}

	var exposures []struct {
		UserID   string `json:"user_id"`
		Campaign string `json:"campaign"`
		Group    string `json:"group"`
	}
	out, err := e.DrainExposures(2)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(out, &exposures)
	rest, err := e.DrainExposures(0)
	if err != nil {
		t.Fatal(err)
	}
	var more []struct {
		UserID string `json:"user_id"`
	}
	json.Unmarshal(rest, &more)
	var users []string
	for _, x := range exposures {
		if x.Group != "treatment" || x.Campaign != "welcome" {
			t.Errorf("exposure %+v", x)
		}
		users = append(users, x.UserID)
	}
	for _, x := range more {
		users = append(users, x.UserID)
	}
	if got := strings.Join(users, ","); got != "u2,u3,u3,u1" || len(exposures) != 2 {
		t.Errorf("exposures %q (first drain %d)", got, len(exposures))
	}
	if out, _ := e.DrainExposures(0); string(out) != "[]" {
		t.Errorf("queue not empty: %s", out)
	}
	if _, err := e.DrainExposures(-1); asError(t, err).Status != StatusMisuse {
		t.Error("DrainExposures(-1)")
	}

	var st struct {
		Decisions int            `json:"decisions"`
		Records   int            `json:"records"`
		Reasons   map[string]int `json:"reasons"`
	}
	out, err = e.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatal(err)
	}
	if st.Decisions != 7 || st.Records < 1 || st.Reasons["selected"] != 5 || st.Reasons["cap"] != 2 {
		t.Errorf("stats %s", out)
	}
}

func TestTelcoExamples(t *testing.T) {
	e := open(t, nil)
	load(t, e, readFile(t, "examples", "campaigns", "telco-full.json"))
	paths, _ := filepath.Glob(filepath.Join(repo(t), "examples", "requests", "*.json"))
	valid, invalid := 0, 0
	for _, p := range paths {
		req, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(p)
		out, err := e.Decide(req)
		if strings.HasPrefix(name, "invalid-") {
			invalid++
			if err == nil {
				t.Errorf("%s: accepted: %s", name, out)
				continue
			}
			if x := asError(t, err); x.Status != StatusInvalidRequest || x.Message == "" {
				t.Errorf("%s: %#v", name, x)
			}
			continue
		}
		valid++
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var d decision
		var r struct {
			UserID string `json:"user_id"`
		}
		json.Unmarshal(out, &d)
		json.Unmarshal(req, &r)
		if d.UserID != r.UserID || d.Messages == nil {
			t.Errorf("%s: %s", name, out)
		}
	}
	if valid < 5 || invalid < 5 {
		t.Errorf("%d valid, %d invalid requests", valid, invalid)
	}
	d := decide(t, e, readFile(t, "examples", "requests", "explain-agent-handoff.json"))
	if len(d.Explanation) == 0 {
		t.Error("explain: no explanation")
	}
}

// ------------------------------------------------------------------------ errors

func TestInvalidJSON(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(1))
	for _, bad := range [][]byte{[]byte("{"), nil, {}, []byte("\xff"), []byte(`{"user_id": "u1",}`),
		[]byte("{\"user_id\": \"\xed\xa0\x80\", \"placement\": \"home\"}"), []byte(strings.Repeat("[", 100000))} {
		_, err := e.Decide(bad)
		x := asError(t, err)
		if x.Status != StatusInvalidJSON || x.Message == "" || !strings.Contains(x.Error(), "invalid json") {
			t.Errorf("%.20q: %#v", bad, x)
		}
	}
	// A lone surrogate *escape* is valid JSON and becomes U+FFFD (docs/json.md).
	if d := decide(t, e, []byte(`{"user_id": "a\ud800", "placement": "home", "commit": false}`)); d.UserID != "a\uFFFD" {
		t.Errorf("lone surrogate escape: %q", d.UserID)
	}
	if err := e.LoadCampaigns([]byte("{")); asError(t, err).Status != StatusInvalidJSON {
		t.Errorf("LoadCampaigns: %v", err)
	}
	if err := e.Record([]byte("nope")); asError(t, err).Status != StatusInvalidJSON {
		t.Errorf("Record: %v", err)
	}
}

func TestInvalidRequestPath(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(1))
	_, err := e.Decide([]byte(`{"user_id": "u1", "placements": ["home"], "channels": ["push", "fax"]}`))
	x := asError(t, err)
	if x.Status != StatusInvalidRequest || x.Path != "channels[1]" || !strings.Contains(x.Message, "fax") {
		t.Errorf("%#v", x)
	}
	if !errors.Is(err, &Error{Status: StatusInvalidRequest}) {
		t.Error("errors.Is by status")
	}
	_, err = e.Decide([]byte(`{"placement": "home"}`))
	if x := asError(t, err); x.Status != StatusInvalidRequest || !strings.Contains(x.Path+x.Message, "user_id") {
		t.Errorf("%#v", x)
	}
	if x := asError(t, e.Record([]byte(`{"user_id": "u1", "type": "teleport"}`))); x.Status != StatusInvalidRequest {
		t.Errorf("record: %#v", x)
	}
	if x := asError(t, e.ForgetUser("")); x.Status != StatusInvalidRequest {
		t.Errorf("forget empty: %#v", x)
	}
}

func TestInvalidCampaignsKeepsCurrentSet(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(100))
	bad := cappedSet(1)
	c := bad["campaigns"].([]any)[0].(obj)
	c["prority"] = 3
	c["channels"].(obj)["fax"] = obj{"payload": obj{}}
	x := asError(t, e.LoadCampaigns(mustJSON(t, bad)))
	if x.Status != StatusInvalidCampaigns {
		t.Fatalf("%#v", x)
	}
	var paths []string
	for _, p := range x.Problems {
		paths = append(paths, p.Path+" "+p.Code)
	}
	sort.Strings(paths)
	if got := strings.Join(paths, "; "); got != "campaigns[0].channels.fax unknown_channel; campaigns[0].prority unknown_field" {
		t.Errorf("problems: %s", got)
	}
	if s := x.Error(); !strings.Contains(s, "prority") || !strings.Contains(s, "fax") {
		t.Errorf("Error(): %s", s)
	}
	if d := decide(t, e, homeRequest("u1", nil)); len(d.Messages) != 1 {
		t.Errorf("previous set gone: %+v", d)
	}
}

func TestNoCampaigns(t *testing.T) {
	e := open(t, nil)
	_, err := e.Decide(mustJSON(t, homeRequest("u1", nil)))
	if x := asError(t, err); x.Status != StatusNoCampaigns || x.Code == "" {
		t.Errorf("%#v", x)
	}
}

func TestClosedEngineIsMisuse(t *testing.T) {
	e, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	load(t, e, cappedSet(1))
	e.Close()
	calls := map[string]func() error{
		"Decide":        func() error { _, err := e.Decide(mustJSON(t, homeRequest("u1", nil))); return err },
		"LoadCampaigns": func() error { return e.LoadCampaigns(mustJSON(t, cappedSet(1))) },
		"Record":        func() error { return e.Record([]byte(`{"user_id": "u1", "type": "event", "name": "x"}`)) },
		"ForgetUser":    func() error { return e.ForgetUser("u1") },
		"Drain":         func() error { _, err := e.DrainExposures(0); return err },
		"Stats":         func() error { _, err := e.Stats(); return err },
	}
	for name, call := range calls {
		err := call()
		if err == nil {
			t.Errorf("%s after Close: no error", name)
			continue
		}
		if x := asError(t, err); x.Status != StatusMisuse || x.Message == "" {
			t.Errorf("%s after Close: %#v", name, x)
		}
	}
}

func TestErrorFormatting(t *testing.T) {
	var err error = &Error{Status: StatusInvalidRequest, Code: "c", Path: "p", Message: "m"}
	if got := err.Error(); got != "engage: p: m [c] (invalid request)" {
		t.Errorf("%q", got)
	}
}

// ------------------------------------------------------------- bucketing vectors

type vectors struct {
	Version int `json:"version"`
	Rollout []struct {
		Salt    string  `json:"salt"`
		User    string  `json:"user"`
		Percent float64 `json:"percent"`
		In      bool    `json:"in"`
	} `json:"rollout"`
	Holdout []struct {
		Salt     string  `json:"salt"`
		Campaign string  `json:"campaign"`
		User     string  `json:"user"`
		Percent  float64 `json:"percent"`
		In       bool    `json:"in"`
	} `json:"holdout"`
	Control []struct {
		Salt    string  `json:"salt"`
		User    string  `json:"user"`
		Percent float64 `json:"percent"`
		In      bool    `json:"in"`
	} `json:"control"`
	Variants []struct {
		Salt     string    `json:"salt"`
		Campaign string    `json:"campaign"`
		User     string    `json:"user"`
		Weights  []float64 `json:"weights"`
		Variant  int       `json:"variant"`
	} `json:"variants"`
}

func loadVectors(t *testing.T) vectors {
	var v vectors
	if err := json.Unmarshal(readFile(t, "Tests", "vectors", "bucketing.json"), &v); err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 {
		t.Fatalf("vectors version %d", v.Version)
	}
	return v
}

// usableID: what a request accepts as user_id (docs/decisions.md: 1–256 bytes, no NUL).
func usableID(s string) bool {
	return len(s) >= 1 && len(s) <= 256 && !strings.ContainsRune(s, 0) && utf8.ValidString(s)
}

// Every rollout vector through an audience {"rollout": [salt, percent, id]} whose id is
// the vector's user read from the request (so empty and long users are hashed exactly),
// and, where the user is a valid user_id, the two-argument form over the request's
// user_id. One campaign (and placement) per vector and form, in one set.
func TestBucketingRolloutVectors(t *testing.T) {
	vec := loadVectors(t)
	var campaigns []any
	for i, v := range vec.Rollout {
		for _, form := range []string{"id", "user"} {
			rule := []any{v.Salt, v.Percent}
			if form == "id" {
				rule = append(rule, obj{"var": "user.bucket_id"})
			}
			id := fmt.Sprintf("r%d-%s", i, form)
			campaigns = append(campaigns, obj{"id": id, "purpose": "service", "status": "active",
				"placements": []string{id}, "audience": obj{"rollout": rule},
				"channels": obj{"in_app": obj{"payload": obj{}}}})
		}
	}
	e := open(t, nil)
	load(t, e, obj{"version": 1, "bucketing_version": 1, "campaigns": campaigns})
	checked, unusable := 0, 0
	for i, v := range vec.Rollout {
		forms := []string{"id"}
		if usableID(v.User) {
			forms = append(forms, "user")
		} else {
			unusable++
		}
		for _, form := range forms {
			uid := "someone"
			if form == "user" {
				uid = v.User
			}
			d := decide(t, e, obj{"user_id": uid, "placement": fmt.Sprintf("r%d-%s", i, form),
				"app": obj{"foreground": true}, "commit": false, "now": now,
				"user": obj{"bucket_id": v.User}})
			if got := len(d.Messages) == 1; got != v.In {
				t.Errorf("rollout %s form %s user %.30q percent %v: in=%v, want %v", v.Salt, form, v.User, v.Percent, got, v.In)
			}
			checked++
		}
	}
	if len(vec.Rollout) != 120 || checked != 2*len(vec.Rollout)-unusable {
		t.Errorf("%d checks over %d vectors (%d users no request can name)", checked, len(vec.Rollout), unusable)
	}
	t.Logf("%d rollout checks over %d vectors", checked, len(vec.Rollout))
}

// A service campaign id on placement "h" with extra members, salted when salt is not
// empty (so the unsalted vectors replay the default).
func vectorCampaign(id, salt string, extra obj) obj {
	c := obj{"id": id, "purpose": "service", "status": "active", "placements": []string{"h"},
		"channels": obj{"in_app": obj{"payload": obj{}}}}
	if salt != "" {
		c["salt"] = salt
	}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// replaySection replays the n vectors of section as whole decisions: build(i) gives
// vector i's campaign set and user; the set is loaded and a decision made for the user at
// placement "h", which check judges ("" when right). A user no request can name (the
// empty one) must be refused at user_id; the counts fail the test for a vector neither
// replayed nor refused.
func replaySection(t *testing.T, section string, n int, build func(i int) (obj, string), check func(i int, d decision) string) {
	t.Helper()
	e := open(t, nil)
	replayed, refused, unusable := 0, 0, 0
	for i := 0; i < n; i++ {
		set, user := build(i)
		load(t, e, set)
		out, err := e.Decide(mustJSON(t, obj{"user_id": user, "placement": "h", "app": obj{"foreground": true},
			"commit": false, "now": now}))
		if !usableID(user) {
			unusable++
			if err == nil || asError(t, err).Path != "user_id" {
				t.Errorf("%s[%d]: user %.30q not refused at user_id: %v", section, i, user, err)
			} else {
				refused++
			}
			continue
		}
		var d decision
		if err == nil {
			err = json.Unmarshal(out, &d)
		}
		if err != nil {
			t.Errorf("%s[%d]: %v", section, i, err)
			continue
		}
		if why := check(i, d); why != "" {
			t.Errorf("%s[%d]: %s", section, i, why)
		}
		replayed++
	}
	if n != 40 || replayed != n-unusable || refused != unusable {
		t.Errorf("%s: %d vectors, %d replayed, %d refused (%d users no request can name)", section, n, replayed, refused, unusable)
	}
	t.Logf("%s: %d vectors replayed as decisions, %d refused at user_id", section, replayed, refused)
}

// inGroup: "" when the decision's only assignment is group (and no message) exactly when
// in, and no assignment but a message otherwise.
func inGroup(d decision, group string, in bool) string {
	var got, want []string
	for _, a := range d.Assignments {
		got = append(got, a.Campaign+" "+a.Group)
	}
	if in {
		want = []string{group}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || (len(d.Messages) == 0) != in {
		return fmt.Sprintf("assignments %v and %d messages, want in=%v (%s)", got, len(d.Messages), in, group)
	}
	return ""
}

// Every holdout vector: its campaign with the vector's salt and holdout_percent.
func TestBucketingHoldoutVectors(t *testing.T) {
	vec := loadVectors(t).Holdout
	replaySection(t, "holdout", len(vec), func(i int) (obj, string) {
		v := vec[i]
		return obj{"version": 1, "campaigns": []any{vectorCampaign(v.Campaign, v.Salt, obj{"holdout_percent": v.Percent})}}, v.User
	}, func(i int, d decision) string { return inGroup(d, vec[i].Campaign+" holdout", vec[i].In) })
}

// Every control vector: policies.control_group_percent and control_group_salt.
func TestBucketingControlVectors(t *testing.T) {
	vec := loadVectors(t).Control
	replaySection(t, "control", len(vec), func(i int) (obj, string) {
		v := vec[i]
		return obj{"version": 1, "policies": obj{"control_group_percent": v.Percent, "control_group_salt": v.Salt},
			"campaigns": []any{vectorCampaign("c", "", nil)}}, v.User
	}, func(i int, d decision) string { return inGroup(d, "c control", vec[i].In) })
}

// integerWeights: the format's weights are relative integers, so the vectors' fractional
// ones (0.5/0.25/0.25, 33.3/33.3/33.4) are scaled by the least power of ten that makes
// them whole, which leaves every bound of docs/bucketing.md step 6 as it was.
func integerWeights(t *testing.T, weights []float64) []int {
	for scale := 1.0; scale <= 1e6; scale *= 10 {
		out, whole := make([]int, len(weights)), true
		for i, w := range weights {
			r := math.Round(w * scale)
			whole = whole && math.Abs(w*scale-r) < 1e-9
			out[i] = int(r)
		}
		if whole {
			return out
		}
	}
	t.Fatalf("weights %v have no integer form", weights)
	return nil
}

// Every variant vector: its campaign with the vector's salt and variants v0, v1, ….
func TestBucketingVariantVectors(t *testing.T) {
	vec := loadVectors(t).Variants
	replaySection(t, "variants", len(vec), func(i int) (obj, string) {
		var variants []any
		for j, w := range integerWeights(t, vec[i].Weights) {
			variants = append(variants, obj{"id": fmt.Sprintf("v%d", j), "weight": w})
		}
		return obj{"version": 1, "campaigns": []any{vectorCampaign(vec[i].Campaign, vec[i].Salt, obj{"variants": variants})}}, vec[i].User
	}, func(i int, d decision) string {
		if want := fmt.Sprintf("v%d", vec[i].Variant); len(d.Messages) != 1 || d.Messages[0].Variant != want || len(d.Assignments) != 0 {
			return fmt.Sprintf("%+v, want one message of variant %s", d, want)
		}
		return ""
	})
}

// ----------------------------------------------------------------------- threads

// 64 goroutines decide for one user against a cap of 3: exactly 3 messages overall,
// while other goroutines read stats, record events and drain exposures.
func TestGoroutinesHammerOneEngine(t *testing.T) {
	const goroutines, perGoroutine = 64, 100
	e := open(t, nil)
	load(t, e, cappedSet(3))
	req := mustJSON(t, homeRequest("hammered", nil))
	var wg sync.WaitGroup
	var mu sync.Mutex
	shown, failures := 0, []error{}
	start := make(chan struct{})
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			<-start
			mine := 0
			for i := 0; i < perGoroutine; i++ {
				out, err := e.Decide(req)
				if err == nil {
					var d decision
					err = json.Unmarshal(out, &d)
					mine += len(d.Messages)
				}
				if err == nil && i%10 == g%10 {
					switch g % 3 {
					case 0:
						_, err = e.Stats()
					case 1:
						err = e.Record([]byte(fmt.Sprintf(`{"user_id": "other-%d", "type": "event", "name": "tick", "time": %d}`, g, int64(now))))
					case 2:
						_, err = e.Decide(mustJSON(t, homeRequest(fmt.Sprintf("solo-%d", g), obj{"commit": false})))
					}
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			shown += mine
			mu.Unlock()
		}(g)
	}
	close(start)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failures, first: %v", len(failures), failures[0])
	}
	if shown != 3 {
		t.Errorf("%d messages shown to one user under a cap of 3", shown)
	}
	var st struct {
		Decisions int `json:"decisions"`
	}
	out, _ := e.Stats()
	json.Unmarshal(out, &st)
	if st.Decisions < goroutines*perGoroutine {
		t.Errorf("stats: %s", out)
	}
	out, _ = e.DrainExposures(0)
	var xs []struct {
		UserID string `json:"user_id"`
	}
	json.Unmarshal(out, &xs)
	n := 0
	for _, x := range xs {
		if x.UserID == "hammered" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d exposures for the hammered user", n)
	}
}

// Close while other goroutines decide: they see results, then StatusMisuse — never a crash.
func TestCloseWhileDeciding(t *testing.T) {
	e, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	load(t, e, cappedSet(1000000))
	req := mustJSON(t, homeRequest("u", obj{"commit": false}))
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, misuse := 0, 0
	var other error
	stop := make(chan struct{})
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := e.Decide(req)
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, &Error{Status: StatusMisuse}):
					misuse++
				default:
					other = err
				}
				mu.Unlock()
				if other != nil {
					return
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	e.Close()
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if other != nil || ok == 0 || misuse == 0 {
		t.Errorf("ok %d, misuse %d, other %v", ok, misuse, other)
	}
}

// ------------------------------------------------------------------------ README

// runReadmeBlock builds the README's i-th Go block as its own module that requires
// this one by a replace directive, runs it from the repository root and returns its
// output.
func runReadmeBlock(t *testing.T, i int) string {
	if testing.Short() {
		t.Skip("builds a program")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	// A Go block's info string may carry attributes (```go file=main.go).
	blocks := regexp.MustCompile("(?s)```go[^\n]*\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < i+1 {
		t.Fatalf("README.md has %d ```go blocks", len(blocks))
	}
	src := blocks[i][1]
	here, _ := filepath.Abs(".")
	dir := t.TempDir()
	gomod := "module example.com/snippet\n\ngo 1.19\n\nrequire libengage.dev/engage v0.0.0\n\nreplace libengage.dev/engage => " + here + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	build := exec.Command(gobin, "build", "-o", filepath.Join(dir, "snippet"), ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=", "GOPROXY=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := exec.Command(filepath.Join(dir, "snippet"))
	run.Dir = repo(t)
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("snippet: %v\n%s", err, out)
	}
	return string(out)
}

func TestReadmeSnippet(t *testing.T) {
	out := runReadmeBlock(t, 0)
	for _, want := range []string{"plan-change-nudge in_app", "4 invalid_request channels[0]", `"decisions":1`} {
		if !strings.Contains(out, want) {
			t.Errorf("snippet output lacks %q:\n%s", want, out)
		}
	}
}

func TestReadmeContextSnippet(t *testing.T) {
	out := runReadmeBlock(t, 1)
	for _, want := range []string{"1 message(s) [{plan-change-nudge in_app}]", "user_id", "(invalid request)"} {
		if !strings.Contains(out, want) {
			t.Errorf("snippet output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "plan-change-nudge") != 2 {
		t.Errorf("expected the message for both questions:\n%s", out)
	}
}

func TestReadmeStoreSnippet(t *testing.T) {
	out := runReadmeBlock(t, 2)
	want := "0 warnings\n1 message(s)\n1 message(s)\n0 message(s)\n"
	if !strings.HasPrefix(out, want) || !strings.Contains(out, "bytes of u42's state in the map") ||
		!strings.Contains(out, `{"scope":"campaign","name":"welcome","total":2`) {
		t.Errorf("snippet output:\n%s\nwant it to start with\n%s", out, want)
	}
}

// A library built for another ABI version: Open refuses it with an *Error (and the
// program does not panic). The fake library stubs every symbol the package uses.
func TestABIMismatchRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a library and a program")
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("needs a C compiler")
	}
	dir := t.TempDir()
	libdir := filepath.Join(dir, "lib")
	os.Mkdir(libdir, 0o755)
	fake := `#include <stddef.h>
#include <stdint.h>
int32_t engage_abi_version(void) { return 2; }
const char *engage_version(void) { return "9.9.9"; }
const char *engage_status_string(int32_t s) { (void)s; return "fake"; }
#define STUB(name, ...) int32_t name(__VA_ARGS__) { return 1; }
STUB(engage_engine_open, const char *c, size_t n, void **e, char **o, size_t *l)
STUB(engage_load_campaigns, void *e, const char *j, size_t n, char **o, size_t *l)
STUB(engage_decide, void *e, const char *j, size_t n, char **o, size_t *l)
STUB(engage_record, void *e, const char *j, size_t n, char **o, size_t *l)
STUB(engage_forget_user, void *e, const char *j, size_t n, char **o, size_t *l)
STUB(engage_export_user, void *e, const char *j, size_t n, char **o, size_t *l)
STUB(engage_drain_exposures, void *e, size_t m, char **o, size_t *l)
STUB(engage_stats, void *e, char **o, size_t *l)
STUB(engage_context_open, void *e, const char *j, size_t n, void **c, char **o, size_t *l)
STUB(engage_context_decide, void *c, const char *j, size_t n, char **o, size_t *l)
STUB(engage_decide_into, void *e, const char *j, size_t n, char *b, size_t c, size_t *l)
STUB(engage_context_decide_into, void *c, const char *j, size_t n, char *b, size_t cap, size_t *l)
STUB(engage_engine_open_with_store, const char *c, size_t n, const void *s, void **e, char **o, size_t *l)
void engage_context_close(void *c) { (void)c; }
void engage_engine_close(void *e) { (void)e; }
void engage_free(void *p) { (void)p; }
`
	os.WriteFile(filepath.Join(libdir, "fake.c"), []byte(fake), 0o644)
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", filepath.Join(libdir, "libengage.so"), filepath.Join(libdir, "fake.c")).CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	here, _ := filepath.Abs(".")
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/abi\n\ngo 1.19\n\nrequire libengage.dev/engage v0.0.0\n\nreplace libengage.dev/engage => "+here+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import (
	"errors"
	"fmt"

	"libengage.dev/engage"
)

func main() {
	e, err := engage.Open(nil)
	var x *engage.Error
	fmt.Println(e == nil, errors.As(err, &x), err)
}
`), 0o644)
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", filepath.Join(dir, "abi"), ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=", "GOPROXY=off", "CGO_LDFLAGS=-L"+libdir+" -Wl,-rpath,"+libdir)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(dir, "abi")).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "true true ") || !strings.Contains(string(out), "ABI version 2") {
		t.Errorf("ABI mismatch not refused: %s", out)
	}
}

// ------------------------------------------------------------------ consent vectors

// TestConsentVectors replays Tests/vectors/consent.json: the consent rule of
// docs/decisions.md, each case a whole decision whose campaign is shown or not.
func TestConsentVectors(t *testing.T) {
	var v struct {
		CampaignSet json.RawMessage `json:"campaign_set"`
		Cases       []struct {
			Name    string          `json:"name"`
			Request json.RawMessage `json:"request"`
			Shown   bool            `json:"shown"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(readFile(t, "Tests", "vectors", "consent.json"), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) < 200 {
		t.Fatalf("%d cases", len(v.Cases))
	}
	e := open(t, nil)
	load(t, e, []byte(v.CampaignSet))
	for _, c := range v.Cases {
		out, err := e.Decide(c.Request)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var d struct {
			Messages []json.RawMessage `json:"messages"`
		}
		if err := json.Unmarshal(out, &d); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if shown := len(d.Messages) > 0; shown != c.Shown {
			t.Errorf("%s: shown %v, the vector says %v", c.Name, shown, c.Shown)
		}
	}
}

// second is the error of a (value, error) pair.
func second(_ []byte, err error) error { return err }
