package engage

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// What the C ABI offers, the Go binding offers: export, decide into a buffer, load
// warnings, host stores, and Close methods that agree.

var (
	_ io.Closer = (*Engine)(nil)
	_ io.Closer = (*Context)(nil)
)

type exported struct {
	UserID      string `json:"user_id"`
	Impressions []struct {
		Scope string `json:"scope"`
		Name  string `json:"name"`
		Total int    `json:"total"`
	} `json:"impressions"`
}

func exportUser(t *testing.T, e *Engine, uid string) exported {
	t.Helper()
	out, err := e.ExportUser(uid)
	if err != nil {
		t.Fatalf("ExportUser(%q): %v", uid, err)
	}
	var x exported
	if err := json.Unmarshal(out, &x); err != nil {
		t.Fatalf("export %s: %v", out, err)
	}
	return x
}

// The impressions ExportUser reports for the capped set's campaign.
func welcomeTotal(x exported) int {
	for _, s := range x.Impressions {
		if s.Scope == "campaign" && s.Name == "welcome" {
			return s.Total
		}
	}
	return 0
}

func TestExportUser(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(5))
	for i := 0; i < 3; i++ {
		decide(t, e, homeRequest("u1", nil))
	}
	decide(t, e, homeRequest("u1", obj{"commit": false}))
	if x := exportUser(t, e, "u1"); x.UserID != "u1" || welcomeTotal(x) != 3 {
		t.Errorf("export of u1 after 3 committed decisions: %+v", x)
	}
	if x := exportUser(t, e, "never-seen"); x.UserID != "never-seen" || len(x.Impressions) != 0 {
		t.Errorf("export of an unknown user: %+v", x)
	}
	if _, err := e.ExportUser(""); asError(t, err).Status != StatusInvalidRequest {
		t.Errorf("ExportUser(\"\"): %v", err)
	}
	if err := e.ForgetUser("u1"); err != nil {
		t.Fatal(err)
	}
	if x := exportUser(t, e, "u1"); len(x.Impressions) != 0 {
		t.Errorf("export after ForgetUser: %+v", x)
	}
}

func TestDecideInto(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(100))
	req := mustJSON(t, homeRequest("u1", obj{"commit": false}))
	want, err := e.Decide(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := e.DecideInto(req, buf)
	if err != nil || !bytes.Equal(buf[:n], want) {
		t.Fatalf("DecideInto = %d, %v: %q; Decide: %q", n, err, buf[:n], want)
	}

	// Too small by one (the NUL): nothing written, the length needed reported.
	small := bytes.Repeat([]byte{'#'}, len(want))
	n, err = e.DecideInto(req, small)
	if x := asError(t, err); x.Status != StatusTooBig || x.Code != "buffer" || n != len(want) {
		t.Errorf("DecideInto with %d bytes: n %d, %v", len(small), n, err)
	}
	if strings.Trim(string(small), "#") != "" {
		t.Errorf("a buffer too small was written: %q", small)
	}
	if n, err := e.DecideInto(req, nil); asError(t, err).Status != StatusTooBig || n != len(want) {
		t.Errorf("DecideInto(nil buffer): %d, %v", n, err)
	}

	// A committed decision that did not fit was taken all the same.
	committed := mustJSON(t, homeRequest("u2", nil))
	if _, err := e.DecideInto(committed, make([]byte, 8)); asError(t, err).Status != StatusTooBig {
		t.Fatalf("committed DecideInto with 8 bytes: %v", err)
	}
	if got := welcomeTotal(exportUser(t, e, "u2")); got != 1 {
		t.Errorf("impressions of u2 after a decision too big for its buffer: %d, want 1", got)
	}

	// A bad request: its own error, with the path, read from the buffer.
	n, err = e.DecideInto([]byte(`{"user_id": "u", "placement": "home", "channels": ["fax"]}`), buf)
	if x := asError(t, err); x.Status != StatusInvalidRequest || x.Path != "channels[0]" || n != 0 {
		t.Errorf("bad request into a buffer: %d, %+v", n, err)
	}
	// Its error text too long for the buffer: still the request's status.
	if _, err := e.DecideInto([]byte(`{"user_id": 1}`), make([]byte, 4)); asError(t, err).Status != StatusInvalidRequest {
		t.Errorf("bad request into a 4-byte buffer: %v", err)
	}

	// The context's DecideInto: the same decision as its Decide.
	c := openContext(t, e, mustJSON(t, obj{"user_id": "u3", "app": obj{"foreground": true}, "now": now}))
	q := []byte(`{"placement": "home", "commit": false}`)
	wantCtx, err := c.Decide(q)
	if err != nil {
		t.Fatal(err)
	}
	n, err = c.DecideInto(q, buf)
	if err != nil || !bytes.Equal(buf[:n], wantCtx) {
		t.Errorf("Context.DecideInto = %q, %v; Decide: %q", buf[:n], err, wantCtx)
	}
	if n, err := c.DecideInto(q, buf[:3]); asError(t, err).Code != "buffer" || n != len(wantCtx) {
		t.Errorf("Context.DecideInto with 3 bytes: %d, %v", n, err)
	}
	if _, err := c.DecideInto([]byte(`{"user_id": "other"}`), buf); asError(t, err).Status != StatusInvalidRequest {
		t.Errorf("a question setting user_id: %v", err)
	}
}

func TestLoadCampaignsWithWarnings(t *testing.T) {
	e := open(t, nil)
	w, err := e.LoadCampaignsWithWarnings(mustJSON(t, cappedSet(1)))
	if err != nil || len(w.List) != 0 || w.Truncated {
		t.Fatalf("a clean set: %+v, %v", w, err)
	}
	// Three exclusion groups, one a near miss of another: a warning, not a failure.
	set := cappedSet(1)
	var campaigns []any
	for i, group := range []string{"home_popup", "home_popup", "home_popop"} {
		c := map[string]any{}
		for k, v := range set["campaigns"].([]any)[0].(obj) {
			c[k] = v
		}
		c["id"] = []string{"a", "b", "c"}[i]
		c["exclusion_group"] = group
		campaigns = append(campaigns, c)
	}
	set["campaigns"] = campaigns
	w, err = e.LoadCampaignsWithWarnings(mustJSON(t, set))
	if err != nil || len(w.List) != 1 || w.List[0].Path == "" || !strings.Contains(w.List[0].Message, "home_popup") {
		t.Fatalf("a near-miss group: %+v, %v", w, err)
	}
	if d := decide(t, e, homeRequest("u1", nil)); len(d.Messages) != 1 {
		t.Errorf("the set with a warning was not loaded: %+v", d)
	}
}

// mapStore is a host store over a Go map under a mutex: the compare-and-swap
// engage.h asks for, with one version counter for the whole store.
type mapStore struct {
	mu        sync.Mutex
	values    map[string][]byte
	versions  map[string]uint64
	next      uint64
	calls     map[string]int
	failLoad  error // returned by Load when set
	panicSave bool
	// gate, when set, is closed by the test to let a blocked Load go on; entered
	// receives once per Load that waits on it.
	gate    chan struct{}
	entered chan struct{}
}

func newMapStore() *mapStore {
	return &mapStore{values: map[string][]byte{}, versions: map[string]uint64{}, calls: map[string]int{}}
}

func (s *mapStore) count(what string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[what]
}

func (s *mapStore) Load(userID string) ([]byte, uint64, error) {
	s.mu.Lock()
	s.calls["load"]++
	gate, entered, fail := s.gate, s.entered, s.failLoad
	v, ver := s.values[userID], s.versions[userID]
	s.mu.Unlock()
	if gate != nil {
		entered <- struct{}{}
		<-gate
	}
	if fail != nil {
		return nil, 0, fail
	}
	return v, ver, nil
}

func (s *mapStore) Save(userID string, value []byte, expected uint64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.panicSave {
		panic("the host's save broke")
	}
	if s.versions[userID] != expected {
		s.calls["conflict"]++
		return false, nil
	}
	s.next++
	s.values[userID], s.versions[userID] = value, s.next
	s.calls["save"]++
	return true, nil
}

func (s *mapStore) Erase(userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["erase"]++
	delete(s.values, userID)
	delete(s.versions, userID)
	return nil
}

func openWithStore(t *testing.T, s Store) *Engine {
	t.Helper()
	e, err := OpenWithStore(nil, s)
	if err != nil {
		t.Fatalf("OpenWithStore: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func TestHostStoreCapsHoldAcrossGoroutines(t *testing.T) {
	s := newMapStore()
	e := openWithStore(t, s)
	load(t, e, cappedSet(3))
	const goroutines, each = 8, 25
	var shown int64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				out, err := e.Decide(mustJSON(t, homeRequest("u1", nil)))
				if err != nil {
					t.Error(err)
					return
				}
				var d decision
				if err := json.Unmarshal(out, &d); err != nil {
					t.Error(err)
					return
				}
				atomic.AddInt64(&shown, int64(len(d.Messages)))
			}
		}()
	}
	wg.Wait()
	if shown != 3 {
		t.Fatalf("%d decisions under a cap of 3 showed %d messages", goroutines*each, shown)
	}
	// The state is in the map, not in the engine: a second engine over the same map
	// sees the cap used up, and its export reads the map.
	if s.count("save") != 3 || len(s.values["u1"]) == 0 || s.versions["u1"] == 0 {
		t.Errorf("saves %d, value %d bytes, version %d", s.count("save"), len(s.values["u1"]), s.versions["u1"])
	}
	other := openWithStore(t, s)
	load(t, other, cappedSet(3))
	if d := decide(t, other, homeRequest("u1", nil)); len(d.Messages) != 0 {
		t.Errorf("a second engine over the same store showed %+v", d.Messages)
	}
	if got := welcomeTotal(exportUser(t, other, "u1")); got != 3 {
		t.Errorf("export through the second engine: %d impressions, want 3", got)
	}
	// commit: false reads but writes nothing.
	saves := s.count("save")
	decide(t, e, homeRequest("u2", obj{"commit": false}))
	if s.count("save") != saves {
		t.Errorf("commit false saved")
	}
	if err := e.ForgetUser("u1"); err != nil || s.count("erase") != 1 || s.values["u1"] != nil {
		t.Errorf("ForgetUser: %v, erase calls %d, value %q", err, s.count("erase"), s.values["u1"])
	}
	if d := decide(t, e, homeRequest("u1", nil)); len(d.Messages) != 1 {
		t.Errorf("after ForgetUser the cap starts again: %+v", d)
	}
}

func TestHostStoreFailures(t *testing.T) {
	s := newMapStore()
	e := openWithStore(t, s)
	load(t, e, cappedSet(3))
	if _, err := OpenWithStore(nil, nil); asError(t, err).Status != StatusMisuse {
		t.Errorf("OpenWithStore(nil store): %v", err)
	}
	if _, err := OpenWithStore([]byte(`{"store": {"kind": "memory"}}`), s); asError(t, err).Path != "store.kind" {
		t.Errorf("OpenWithStore with a memory store config: %v", err)
	}

	// Load fails: a decision fails closed, a record fails with StatusStore, and the
	// host's error is kept.
	boom := errors.New("database is down")
	s.mu.Lock()
	s.failLoad = boom
	s.mu.Unlock()
	var d struct {
		Messages   []message `json:"messages"`
		Store      string    `json:"store"`
		StoreError string    `json:"store_error"`
	}
	out, err := e.Decide(mustJSON(t, homeRequest("u1", nil)))
	if err != nil || json.Unmarshal(out, &d) != nil || d.Store != "unavailable" || len(d.Messages) != 0 || d.StoreError == "" {
		t.Errorf("Decide with a failing Load: %s, %v", out, err)
	}
	err = e.Record([]byte(`{"user_id": "u1", "type": "click", "campaign": "welcome", "time": 1795150000000}`))
	if asError(t, err).Status != StatusStore {
		t.Errorf("Record with a failing Load: %v", err)
	}
	if !errors.Is(e.LastStoreError(), boom) {
		t.Errorf("LastStoreError = %v", e.LastStoreError())
	}

	// A panicking Save is recovered: the call fails, the process goes on.
	s.mu.Lock()
	s.failLoad, s.panicSave = nil, true
	s.mu.Unlock()
	out, err = e.Decide(mustJSON(t, homeRequest("u1", nil)))
	if err != nil || !bytes.Contains(out, []byte(`"store":"unavailable"`)) {
		t.Errorf("Decide with a panicking Save: %s, %v", out, err)
	}
	if last := e.LastStoreError(); last == nil || !strings.Contains(last.Error(), "panic: the host's save broke") {
		t.Errorf("LastStoreError after a panic = %v", last)
	}
	if (&Engine{}).LastStoreError() != nil || open(t, nil).LastStoreError() != nil {
		t.Errorf("an engine without a store reports a store error")
	}
}

// Close waits for a call whose store callback is still running, and no callback runs
// after Close has returned: the store's cgo handle is released only then.
func TestHostStoreCloseWaitsForCallbacks(t *testing.T) {
	s := newMapStore()
	e := openWithStore(t, s)
	load(t, e, cappedSet(3))
	s.mu.Lock()
	s.gate, s.entered = make(chan struct{}), make(chan struct{}, 1)
	s.mu.Unlock()
	decided := make(chan error, 1)
	go func() {
		_, err := e.Decide(mustJSON(t, homeRequest("u1", nil)))
		decided <- err
	}()
	<-s.entered // the decision is inside Load
	closed := make(chan struct{})
	go func() {
		_ = e.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a store callback was running")
	case <-time.After(100 * time.Millisecond):
	}
	close(s.gate)
	if err := <-decided; err != nil {
		t.Errorf("the decision in flight: %v", err)
	}
	<-closed
	loads := s.count("load")
	if _, err := e.Decide(mustJSON(t, homeRequest("u1", nil))); asError(t, err).Status != StatusMisuse {
		t.Errorf("Decide after Close: %v", err)
	}
	if err := e.ForgetUser("u1"); asError(t, err).Status != StatusMisuse || s.count("load") != loads || s.count("erase") != 0 {
		t.Errorf("ForgetUser after Close: %v; store called %d loads later, %d erases", err, s.count("load")-loads, s.count("erase"))
	}
}

// Engine and Context close alike: twice is a no-op returning nil, and afterwards
// every method returns StatusMisuse; so does every method of a nil or zero value.
func TestCloseMethodsAgree(t *testing.T) {
	e, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	load(t, e, cappedSet(3))
	c, err := e.OpenContext([]byte(`{"user_id": "u1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	live, err := e.OpenContext([]byte(`{"user_id": "u2"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	req := mustJSON(t, homeRequest("u1", nil))
	buf := make([]byte, 4096)
	engineCalls := map[string]func(e *Engine) error{
		"LoadCampaigns":             func(e *Engine) error { return e.LoadCampaigns(mustJSON(t, cappedSet(1))) },
		"LoadCampaignsWithWarnings": func(e *Engine) error { _, err := e.LoadCampaignsWithWarnings(mustJSON(t, cappedSet(1))); return err },
		"Decide":                    func(e *Engine) error { _, err := e.Decide(req); return err },
		"DecideInto":                func(e *Engine) error { _, err := e.DecideInto(req, buf); return err },
		"OpenContext":               func(e *Engine) error { _, err := e.OpenContext([]byte(`{"user_id": "u"}`)); return err },
		"Record": func(e *Engine) error {
			return e.Record([]byte(`{"user_id": "u", "type": "click", "campaign": "welcome", "time": 1}`))
		},
		"ForgetUser":     func(e *Engine) error { return e.ForgetUser("u1") },
		"ExportUser":     func(e *Engine) error { _, err := e.ExportUser("u1"); return err },
		"DrainExposures": func(e *Engine) error { _, err := e.DrainExposures(0); return err },
		"Stats":          func(e *Engine) error { _, err := e.Stats(); return err },
	}
	var nilEngine *Engine
	for name, call := range engineCalls {
		for what, target := range map[string]*Engine{"closed": e, "nil": nilEngine, "zero": {}} {
			if err := call(target); asError(t, err).Status != StatusMisuse {
				t.Errorf("%s on a %s engine: %v", name, what, err)
			}
		}
	}
	var nilContext *Context
	contextCalls := map[string]func(c *Context) error{
		"Decide":     func(c *Context) error { _, err := c.Decide(nil); return err },
		"DecideInto": func(c *Context) error { _, err := c.DecideInto(nil, buf); return err },
	}
	for name, call := range contextCalls {
		for what, target := range map[string]*Context{"closed": c, "closed engine's": live, "nil": nilContext} {
			if err := call(target); asError(t, err).Status != StatusMisuse {
				t.Errorf("%s on a %s context: %v", name, what, err)
			}
		}
	}
	if err := live.Close(); err != nil || nilContext.Close() != nil || nilEngine.Close() != nil {
		t.Errorf("Close of a closed engine's context, a nil context or a nil engine returned an error")
	}
}
