// Command decide is the Go driver of the ABI benchmark (bench/abi/run.sh): the cost of
// one decision through the Go binding (bindings/go, cgo).
//
//	decide INPUTDIR N WARMUP OUT.json
//
// Reads the inputs written by bench/abi/inputs.py, opens an engine with defaults,
// loads campaigns.json, applies records.jsonl, opens a context on context.json, then
// makes WARMUP untimed and N timed rounds of two calls, interleaved so noise hits each
// alike:
//
//	Engine.Decide    request.json, bytes in, bytes out
//	Context.Decide   question.json asked in the context, bytes in, bytes out
//
// Each call is timed alone with the monotonic clock (time.Now, time.Since). Every timed
// call must succeed and return as many bytes as the first decision, or the driver
// stops with status 1: a benchmark of an error path is worthless. Prints the median
// and p99 of each call in µs and writes OUT.json in decide.c's format, which
// bench/abi/report.py reads.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"libengage.dev/engage"
)

type callResult struct {
	Call      string          `json:"call"`
	Decision  json.RawMessage `json:"decision"`
	SamplesNs []int64         `json:"samples_ns"`
}

type bench struct {
	name string
	do   func() ([]byte, error)
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: decide INPUTDIR N WARMUP OUT.json")
		os.Exit(2)
	}
	n, errN := strconv.Atoi(os.Args[2])
	warmup, errW := strconv.Atoi(os.Args[3])
	if errN != nil || errW != nil || n < 1 || warmup < 0 {
		fmt.Fprintln(os.Stderr, "decide (go): N must be >= 1 and WARMUP >= 0")
		os.Exit(2)
	}
	if err := run(os.Args[1], n, warmup, os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, "decide (go):", err)
		os.Exit(1)
	}
}

func run(dir string, n, warmup int, outPath string) error {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			fmt.Fprintln(os.Stderr, "decide (go):", err)
			os.Exit(1)
		}
		return b
	}
	e, err := engage.Open(nil)
	if err != nil {
		return fmt.Errorf("Open: %w", err)
	}
	defer e.Close()
	if err := e.LoadCampaigns(read("campaigns.json")); err != nil {
		return fmt.Errorf("LoadCampaigns: %w", err)
	}
	for _, line := range bytes.Split(read("records.jsonl"), []byte("\n")) {
		if len(line) > 0 {
			if err := e.Record(line); err != nil {
				return fmt.Errorf("Record: %w", err)
			}
		}
	}
	ctx, err := e.OpenContext(read("context.json"))
	if err != nil {
		return fmt.Errorf("OpenContext: %w", err)
	}
	defer ctx.Close()
	request, question := read("request.json"), read("question.json")
	calls := []bench{
		{"Engine.Decide", func() ([]byte, error) { return e.Decide(request) }},
		{"Context.Decide", func() ([]byte, error) { return ctx.Decide(question) }},
	}

	results := make([]callResult, len(calls))
	for c, b := range calls {
		d, err := b.do()
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		results[c] = callResult{Call: b.name, Decision: d, SamplesNs: make([]int64, n)}
	}
	for i := 0; i < warmup; i++ {
		for _, b := range calls {
			if _, err := b.do(); err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
		}
	}
	for i := 0; i < n; i++ {
		for c, b := range calls {
			t0 := time.Now()
			d, err := b.do()
			results[c].SamplesNs[i] = int64(time.Since(t0))
			if err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
			if len(d) != len(results[c].Decision) {
				return fmt.Errorf("%s returned %d bytes, the first call %d", b.name, len(d), len(results[c].Decision))
			}
		}
	}

	out, err := json.Marshal(map[string]any{"binding": "go", "calls": results})
	if err != nil {
		return err
	}
	if err := os.WriteFile(outPath, append(out, '\n'), 0o644); err != nil {
		return err
	}
	for _, r := range results {
		s := append([]int64(nil), r.SamplesNs...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		fmt.Printf("go      %-34s median %8.1f us  p99 %8.1f us\n", r.Call,
			float64(s[len(s)/2])/1e3, float64(s[(len(s)-1)*99/100])/1e3)
	}
	return nil
}
