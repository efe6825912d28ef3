package engage

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// splitRequest splits a request into a user context and a question: the question
// holds the members named, the context everything else.
func splitRequest(t testing.TB, req obj, questionKeys ...string) (user, question []byte) {
	t.Helper()
	u, q := obj{}, obj{}
	for k, v := range req {
		u[k] = v
	}
	for _, k := range questionKeys {
		if v, ok := req[k]; ok {
			q[k] = v
			delete(u, k)
		}
	}
	return mustJSON(t, u), mustJSON(t, q)
}

func openContext(t testing.TB, e *Engine, user []byte) *Context {
	t.Helper()
	c, err := e.OpenContext(user)
	if err != nil {
		t.Fatalf("OpenContext(%s): %v", user, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// A decision through a context equals Engine.Decide's for the merged request, for
// every example request split into user and question, and when the question replaces
// members the context has (a shallow merge: the question's "user" replaces the
// context's whole "user").
func TestContextDecideEqualsMergedRequest(t *testing.T) {
	e := open(t, nil)
	load(t, e, readFile(t, "examples", "campaigns", "telco-full.json"))
	var req obj
	if err := json.Unmarshal(readFile(t, "examples", "requests", "plan-page-view.json"), &req); err != nil {
		t.Fatal(err)
	}
	req["now"] = now
	req["commit"] = false
	req["explain"] = true
	for i := 0; i < 3; i++ { // history that makes plan-change-nudge eligible
		e.Record(mustJSON(t, obj{"user_id": req["user_id"], "type": "event", "name": "page_view",
			"properties": obj{"page": "/plans"}, "time": now - 3600000}))
	}
	user, question := splitRequest(t, req, "event", "placements", "commit", "now", "explain")
	c := openContext(t, e, user)

	got, err := c.Decide(question)
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Decide(mustJSON(t, req))
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, got, want) {
		t.Errorf("context decision\n%s\n!= merged decision\n%s", got, want)
	}
	var d decision
	json.Unmarshal(got, &d)
	if len(d.Messages) == 0 || d.Messages[0].Campaign != "plan-change-nudge" {
		t.Errorf("no message: %s", got)
	}

	// The question replaces the context's top-level members of the same name.
	replaced := obj{"placements": []string{"app_home_popup"}, "commit": false, "now": now, "explain": true,
		"consent": obj{"marketing": obj{"in_app": false}, "service": true},
		"user":    obj{"first_name": "Jae", "age": 20}}
	merged := obj{}
	for k, v := range req {
		merged[k] = v
	}
	delete(merged, "event")
	for k, v := range replaced {
		merged[k] = v
	}
	got, err = c.Decide(mustJSON(t, replaced))
	if err != nil {
		t.Fatal(err)
	}
	want, err = e.Decide(mustJSON(t, merged))
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, got, want) {
		t.Errorf("replacing question: context decision\n%s\n!= merged decision\n%s", got, want)
	}

	// An empty question is {}: the context alone is the request.
	full := openContext(t, e, mustJSON(t, req))
	for _, q := range [][]byte{nil, []byte("{}")} {
		got, err = full.Decide(q)
		if err != nil {
			t.Fatal(err)
		}
		want, _ = e.Decide(mustJSON(t, req))
		if !sameJSON(t, got, want) {
			t.Errorf("question %q: %s != %s", q, got, want)
		}
	}
}

func TestContextErrors(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(1))
	c := openContext(t, e, []byte(`{"user_id": "u1", "app": {"foreground": true}}`))

	// Only the context sets user_id.
	_, err := c.Decide([]byte(`{"user_id": "u2", "placement": "home"}`))
	if x := asError(t, err); x.Status != StatusInvalidRequest || x.Path+x.Message == "" {
		t.Errorf("question with user_id: %#v", x)
	}
	_, err = c.Decide([]byte(`{"placement": "home",`))
	if x := asError(t, err); x.Status != StatusInvalidJSON {
		t.Errorf("bad question JSON: %#v", x)
	}
	_, err = c.Decide([]byte(`{"placement": "home", "channels": ["fax"]}`))
	if x := asError(t, err); x.Status != StatusInvalidRequest || x.Path != "channels[0]" {
		t.Errorf("bad question member: %#v", x)
	}

	// A context that breaks the request format fails at open, with its path.
	for _, tc := range []struct {
		doc    string
		status int
		path   string
	}{
		{`{"user_id": "u1", "channels": ["push", "fax"]}`, StatusInvalidRequest, "channels[1]"},
		{`{"app": {"foreground": true}}`, StatusInvalidRequest, ""},
		{`{"user_id": "u1",`, StatusInvalidJSON, ""},
		{`["u1"]`, StatusInvalidRequest, ""},
		{``, StatusInvalidJSON, ""},
	} {
		ctx, err := e.OpenContext([]byte(tc.doc))
		if ctx != nil {
			t.Errorf("%s: got a context", tc.doc)
			ctx.Close()
		}
		x := asError(t, err)
		if x.Status != tc.status || x.Message == "" || (tc.path != "" && x.Path != tc.path) {
			t.Errorf("OpenContext(%s): %#v", tc.doc, x)
		}
	}
}

// Caps count through contexts, and across contexts and Engine.Decide for one user.
func TestContextCaps(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(2))
	user := []byte(fmt.Sprintf(`{"user_id": "capped", "app": {"foreground": true}, "now": %d}`, int64(now)))
	c1 := openContext(t, e, user)
	c2 := openContext(t, e, user)
	shown := 0
	for i := 0; i < 3; i++ {
		for _, c := range []*Context{c1, c2} {
			out, err := c.Decide([]byte(`{"placement": "home"}`))
			if err != nil {
				t.Fatal(err)
			}
			var d decision
			json.Unmarshal(out, &d)
			shown += len(d.Messages)
		}
	}
	if shown != 2 {
		t.Errorf("%d messages under a cap of 2", shown)
	}
	if d := decide(t, e, homeRequest("capped", nil)); len(d.Messages) != 0 {
		t.Errorf("Engine.Decide after the cap was used through contexts: %+v", d)
	}
	// commit: false in the question leaves the cap alone.
	other := openContext(t, e, []byte(`{"user_id": "fresh", "app": {"foreground": true}}`))
	for i := 0; i < 3; i++ {
		out, err := other.Decide([]byte(`{"placement": "home", "commit": false}`))
		var d decision
		json.Unmarshal(out, &d)
		if err != nil || len(d.Messages) != 1 {
			t.Fatalf("commit false #%d: %s %v", i, out, err)
		}
	}
}

func TestContextClose(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(100))
	c, err := e.OpenContext([]byte(`{"user_id": "u1", "app": {"foreground": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decide([]byte(`{"placement": "home"}`)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	if _, err := c.Decide([]byte(`{"placement": "home"}`)); asError(t, err).Status != StatusMisuse {
		t.Errorf("Decide after Close: %v", err)
	}
	var nilContext *Context
	nilContext.Close()
	if _, err := nilContext.Decide(nil); asError(t, err).Status != StatusMisuse {
		t.Errorf("nil context: %v", err)
	}

	// The library may hand a closed context's handle to the next context: the closed
	// one must not answer for the new one's user.
	for i := 0; i < 10; i++ {
		n, err := e.OpenContext([]byte(fmt.Sprintf(`{"user_id": "next-%d", "app": {"foreground": true}}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		if out, err := c.Decide([]byte(`{"placement": "home"}`)); err == nil {
			t.Fatalf("closed context answered: %s", out)
		}
		out, err := n.Decide([]byte(`{"placement": "home", "commit": false}`))
		var d decision
		json.Unmarshal(out, &d)
		if err != nil || d.UserID != fmt.Sprintf("next-%d", i) {
			t.Fatalf("new context: %s %v", out, err)
		}
		n.Close()
	}
}

func TestContextOfClosedEngine(t *testing.T) {
	e, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	load(t, e, cappedSet(100))
	c, err := e.OpenContext([]byte(`{"user_id": "u1", "app": {"foreground": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	if _, err := c.Decide([]byte(`{"placement": "home"}`)); asError(t, err).Status != StatusMisuse {
		t.Errorf("Decide on a closed engine's context: %v", err)
	}
	if _, err := e.OpenContext([]byte(`{"user_id": "u1"}`)); asError(t, err).Status != StatusMisuse {
		t.Errorf("OpenContext on a closed engine: %v", err)
	}
	c.Close()
	c.Close()
	var nilEngine *Engine
	if _, err := nilEngine.OpenContext([]byte(`{"user_id": "u1"}`)); asError(t, err).Status != StatusMisuse {
		t.Errorf("nil engine: %v", err)
	}
}

// 64 goroutines share one context for one user under a cap of 3: exactly 3 messages,
// while other goroutines open, use and close contexts of their own.
func TestGoroutinesShareOneContext(t *testing.T) {
	const goroutines, perGoroutine = 64, 100
	e := open(t, nil)
	load(t, e, cappedSet(3))
	c := openContext(t, e, []byte(fmt.Sprintf(`{"user_id": "shared", "app": {"foreground": true}, "now": %d}`, int64(now))))
	question := []byte(`{"placement": "home"}`)
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
			var err error
			for i := 0; i < perGoroutine && err == nil; i++ {
				var out []byte
				out, err = c.Decide(question)
				if err == nil {
					var d decision
					err = json.Unmarshal(out, &d)
					mine += len(d.Messages)
				}
				if err == nil && i%25 == g%25 {
					var own *Context
					own, err = e.OpenContext([]byte(fmt.Sprintf(`{"user_id": "own-%d", "app": {"foreground": true}}`, g)))
					if err == nil {
						_, err = own.Decide([]byte(`{"placement": "home", "commit": false}`))
						own.Close()
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures = append(failures, err)
			}
			shown += mine
		}(g)
	}
	close(start)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failures, first: %v", len(failures), failures[0])
	}
	if shown != 3 {
		t.Errorf("%d messages shown through one context under a cap of 3", shown)
	}
}

// Close while other goroutines decide through the context: they see results, then
// StatusMisuse — never a crash, never another context's answer.
func TestContextCloseWhileDeciding(t *testing.T) {
	e := open(t, nil)
	load(t, e, cappedSet(1000000))
	c, err := e.OpenContext([]byte(`{"user_id": "u", "app": {"foreground": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	question := []byte(`{"placement": "home", "commit": false}`)
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
				out, err := c.Decide(question)
				var d decision
				if err == nil {
					json.Unmarshal(out, &d)
				}
				mu.Lock()
				switch {
				case err == nil && d.UserID == "u":
					ok++
				case errors.Is(err, &Error{Status: StatusMisuse}):
					misuse++
				default:
					other = fmt.Errorf("%s %v", out, err)
				}
				mu.Unlock()
				if other != nil {
					return
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	c.Close()
	// A new context may take the closed one's handle.
	n := openContext(t, e, []byte(`{"user_id": "someone-else", "app": {"foreground": true}}`))
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if other != nil || ok == 0 || misuse == 0 {
		t.Errorf("ok %d, misuse %d, other %v", ok, misuse, other)
	}
	if _, err := n.Decide(question); err != nil {
		t.Error(err)
	}
}
