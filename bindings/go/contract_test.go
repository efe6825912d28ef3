package engage

// Tests/vectors/decisions/*.json (scripts/gen-decision-vectors.py, Tests/vectors/README.md)
// replayed through the Go binding: each vector's campaign set loaded, its records
// recorded, each step's request decided and the exposures drained; messages (campaign,
// channel, placement, variant, payload), every exposure record and every campaign's
// reason must equal the vector's `expected`. A failure names the file and the first
// difference.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

type contractStep struct {
	Request  json.RawMessage `json:"request"`
	Expected any             `json:"expected"`
}

type contractVector struct {
	CampaignSet json.RawMessage   `json:"campaign_set"`
	Records     []json.RawMessage `json:"records"`
	Steps       []contractStep    `json:"steps"`
}

func contractFolder(t *testing.T) string {
	root := os.Getenv("ENGAGE_REPO")
	if root == "" {
		var err error
		if root, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "Tests", "vectors", "decisions")
}

// contractObserved is what a vector pins of a decision.
func contractObserved(decision, exposures []byte) (any, error) {
	var d struct {
		Messages    []map[string]any `json:"messages"`
		Explanation []map[string]any `json:"explanation"`
	}
	if err := json.Unmarshal(decision, &d); err != nil {
		return nil, fmt.Errorf("decision: %w", err)
	}
	var ex []any
	if err := json.Unmarshal(exposures, &ex); err != nil {
		return nil, fmt.Errorf("exposures: %w", err)
	}
	messages := []any{}
	for _, m := range d.Messages {
		p := map[string]any{}
		for _, k := range []string{"campaign", "channel", "placement", "variant", "payload"} {
			if v, ok := m[k]; ok {
				p[k] = v
			}
		}
		messages = append(messages, p)
	}
	explanation := []any{}
	for _, e := range d.Explanation {
		explanation = append(explanation, map[string]any{"campaign": e["campaign"], "reason": e["reason"]})
	}
	return map[string]any{"messages": messages, "exposures": ex, "explanation": explanation}, nil
}

func contractText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// contractDifference is the first place where got differs from want
// ("path: expected X, got Y"), or "".
func contractDifference(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := []string{}
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, dup := w[k]; !dup {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inW:
				return fmt.Sprintf("%s.%s: unexpected %s", path, k, contractText(gv))
			case !inG:
				return fmt.Sprintf("%s.%s: expected %s, missing", path, k, contractText(wv))
			}
			if d := contractDifference(wv, gv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		for i := 0; i < len(w) && i < len(g); i++ {
			if d := contractDifference(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		if len(w) != len(g) {
			return fmt.Sprintf("%s: expected %d elements, got %d", path, len(w), len(g))
		}
		return ""
	case nil, bool, float64, string:
		if want == got {
			return ""
		}
	}
	return fmt.Sprintf("%s: expected %s, got %s", path, contractText(want), contractText(got))
}

func contractReplay(path string) (string, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var v contractVector
	if err := json.Unmarshal(text, &v); err != nil {
		return "", err
	}
	e, err := Open(nil)
	if err != nil {
		return "", err
	}
	defer e.Close()
	if err := e.LoadCampaigns(v.CampaignSet); err != nil {
		return "", err
	}
	for _, r := range v.Records {
		if err := e.Record(r); err != nil {
			return "", err
		}
	}
	for i, s := range v.Steps {
		d, err := e.Decide(s.Request)
		if err != nil {
			return "", fmt.Errorf("steps[%d]: %w", i, err)
		}
		ex, err := e.DrainExposures(0)
		if err != nil {
			return "", fmt.Errorf("steps[%d]: %w", i, err)
		}
		got, err := contractObserved(d, ex)
		if err != nil {
			return "", fmt.Errorf("steps[%d]: %w", i, err)
		}
		if diff := contractDifference(s.Expected, got, fmt.Sprintf("steps[%d]", i)); diff != "" {
			return diff, nil
		}
	}
	return "", nil
}

func TestContractDecisionVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(contractFolder(t), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("%d decision vectors in %s, expected at least 50", len(files), contractFolder(t))
	}
	for _, f := range files {
		diff, err := contractReplay(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		} else if diff != "" {
			t.Errorf("%s: %s", filepath.Base(f), diff)
		}
	}
}

func TestContractDifferenceNamesThePlace(t *testing.T) {
	var want, got any
	_ = json.Unmarshal([]byte(`{"a": [1, {"b": "x"}], "c": true}`), &want)
	_ = json.Unmarshal([]byte(`{"a": [1, {"b": "y"}], "c": true}`), &got)
	if d := contractDifference(want, got, "$"); d != `$.a[1].b: expected "x", got "y"` {
		t.Errorf("difference %q", d)
	}
	_ = json.Unmarshal([]byte(`{"a": [1, {"b": "x"}]}`), &got)
	if d := contractDifference(want, got, "$"); d != `$.c: expected true, missing` {
		t.Errorf("difference %q", d)
	}
	if d := contractDifference(want, want, "$"); d != "" {
		t.Errorf("difference with itself %q", d)
	}
}
