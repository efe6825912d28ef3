package engage

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// benchSetup opens an engine with set and returns it with a ~1 KB request that
// selects a message, with commit false so every call does the same work.
func benchSetup(b *testing.B, set []byte) (*Engine, map[string]any) {
	e := open(b, nil)
	load(b, e, set)
	var req map[string]any
	if err := json.Unmarshal(readFile(b, "examples", "requests", "plan-page-view.json"), &req); err != nil {
		b.Fatal(err)
	}
	req["commit"] = false
	req["now"] = now
	req["user"].(map[string]any)["notes"] = ""
	pad := 1024 - len(mustJSON(b, req))
	req["user"].(map[string]any)["notes"] = strings.Repeat("x", pad)
	raw := mustJSON(b, req)
	if len(raw) < 1000 || len(raw) > 1100 {
		b.Fatalf("request is %d bytes", len(raw))
	}
	// History that makes plan-change-nudge eligible, so the timed decision shows a message.
	for i := 0; i < 3; i++ {
		if err := e.Record([]byte(fmt.Sprintf(`{"user_id": %q, "type": "event", "name": "page_view", "properties": {"page": "/plans"}, "time": %d}`,
			req["user_id"], int64(now-3600000)))); err != nil {
			b.Fatal(err)
		}
	}
	if d := decide(b, e, raw); len(d.Messages) == 0 {
		b.Fatal("the benchmark request shows no message")
	}
	return e, req
}

// timeCalls runs call b.N times after a warm-up and reports the median of the
// per-call times besides the mean (ns/op).
func timeCalls(b *testing.B, bytes int, call func() error) {
	for i := 0; i < 200; i++ {
		call()
	}
	samples := make([]time.Duration, 0, b.N)
	b.SetBytes(int64(bytes))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := call(); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	b.ReportMetric(float64(samples[len(samples)/2].Nanoseconds()), "median-ns")
}

// benchDecide times Decide (bytes in, bytes out) for the ~1 KB request.
func benchDecide(b *testing.B, set []byte) {
	e, req := benchSetup(b, set)
	raw := mustJSON(b, req)
	timeCalls(b, len(raw), func() error { _, err := e.Decide(raw); return err })
}

// benchContextDecide times Context.Decide for the same request split into the user's
// context (opened once, untimed) and the question: event, placements, commit, now.
func benchContextDecide(b *testing.B, set []byte) {
	e, req := benchSetup(b, set)
	user, question := splitRequest(b, req, "event", "placements", "commit", "now")
	c := openContext(b, e, user)
	got, err := c.Decide(question)
	if err != nil {
		b.Fatal(err)
	}
	want, _ := e.Decide(mustJSON(b, req))
	if !sameJSON(b, got, want) {
		b.Fatalf("context decision %s != decision %s", got, want)
	}
	timeCalls(b, len(question), func() error { _, err := c.Decide(question); return err })
}

// The telco example set (5 campaigns).
func BenchmarkDecideTelco(b *testing.B) {
	benchDecide(b, readFile(b, "examples", "campaigns", "telco-full.json"))
}

// The telco campaigns cloned under 100 ids (exclusion groups dropped).
func BenchmarkDecide100Campaigns(b *testing.B) { benchDecide(b, hundredCampaigns(b)) }

// The same set and request, the request split into a context and a question.
func BenchmarkContextDecide100Campaigns(b *testing.B) { benchContextDecide(b, hundredCampaigns(b)) }

// The telco example set, through a context.
func BenchmarkContextDecideTelco(b *testing.B) {
	benchContextDecide(b, readFile(b, "examples", "campaigns", "telco-full.json"))
}

// hundredCampaigns: the telco campaigns cloned under 100 ids (exclusion groups dropped).
func hundredCampaigns(b *testing.B) []byte {
	var set map[string]any
	if err := json.Unmarshal(readFile(b, "examples", "campaigns", "telco-full.json"), &set); err != nil {
		b.Fatal(err)
	}
	originals := set["campaigns"].([]any)
	var cs []any
	for i := 0; i < 100; i++ {
		var c map[string]any
		json.Unmarshal(mustJSON(b, originals[i%len(originals)]), &c)
		c["id"] = fmt.Sprintf("%s-%d", c["id"], i)
		delete(c, "exclusion_group")
		cs = append(cs, c)
	}
	set["campaigns"] = cs
	return mustJSON(b, set)
}
