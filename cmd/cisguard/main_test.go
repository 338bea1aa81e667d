package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/catalog"
)

// cli runs the command line and returns exit code, stdout and stderr.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func events(name string) string { return filepath.Join("..", "..", "testdata", "events", name) }

func TestControlsJSON(t *testing.T) {
	code, out, _ := cli(t, "", "controls", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 58 {
		t.Fatalf("%d recommendations", len(recs))
	}
	for _, field := range []string{"id", "title", "section", "level", "securityHubControls", "handling", "impact"} {
		if _, ok := recs[0][field]; !ok {
			t.Errorf("field %s missing", field)
		}
	}
	var r53 map[string]any
	for _, r := range recs {
		if r["id"] == "5.3" {
			r53 = r
		}
	}
	if sh := r53["securityHubControls"].([]any); len(sh) != 1 || sh[0] != "EC2.2" {
		t.Errorf("5.3 security hub controls %v", sh)
	}
	if sh := recs[0]["securityHubControls"].([]any); len(sh) != 0 {
		t.Errorf("1.1 must list no Security Hub control, got %v", sh)
	}
}

func TestControlsTable(t *testing.T) {
	code, out, _ := cli(t, "", "controls")
	if code != 0 || strings.Count(out, "\n") != len(catalog.All())+1 || !strings.Contains(out, "5.1") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestRemediateUnusableInput(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "x.json")
	os.WriteFile(notJSON, []byte("{oops"), 0o644)
	empty := filepath.Join(dir, "e.json")
	os.WriteFile(empty, []byte(`{"detail-type":"Security Hub Findings - Imported","detail":{"findings":[]}}`), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"remediate", "--event", filepath.Join(dir, "nope.json")}, "read event: open"},
		{"not json", []string{"remediate", "--event", notJSON}, "input is not valid JSON"},
		{"no findings", []string{"remediate", "--event", empty}, "no findings in input"},
		{"other event", []string{"remediate", "--event", events("not-securityhub.json")}, "is not a Security Hub findings event"},
		{"no event flag", []string{"remediate"}, "--event is required"},
		{"bad output", []string{"remediate", "--event", events("imported-standard-5.3.json"), "--output", "yaml"}, "--output \"yaml\""},
		{"bad flag", []string{"remediate", "--frobnicate"}, "unknown flag"},
		{"bad config", []string{"remediate", "--event", events("imported-standard-5.3.json"), "--config", filepath.Join(dir, "nope.yaml")}, "config:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, "", tt.args...)
			if code != exitBadInput {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", stderr, tt.want)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n"); lines > 1 && tt.name != "bad flag" {
				t.Errorf("error is not one line: %q", stderr)
			}
		})
	}
}

func TestRemediateBadConfigIsRejected(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(p, []byte("controls:\n  '5.1':\n    strategy: cut\n  '9.9': {mode: auto}\nroleNam: x\n"), 0o644)
	code, _, stderr := cli(t, "", "remediate", "--event", events("imported-standard-5.3.json"), "--config", p)
	if code != exitBadInput || !strings.Contains(stderr, "field roleNam not found") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestRemediateWithoutAWS handles findings that need no AWS call (skips and
// a malformed one) through the whole command: JSON shape and exit status.
func TestRemediateWithoutAWS(t *testing.T) {
	b, err := os.ReadFile(events("imported-mixed-states.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	json.Unmarshal(b, &ev)
	fs := ev["detail"].(map[string]any)["findings"].([]any)
	ev["detail"].(map[string]any)["findings"] = fs[1:5] // PASSED, ARCHIVED, NOTIFIED, malformed
	in, _ := json.Marshal(ev)
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("managementAccount: '111111111111'\nnotifications: {disabled: true}\nsecurityHub: {updateFindings: false}\n"), 0o644)
	t.Setenv("AWS_REGION", "eu-central-1")

	code, out, stderr := cli(t, string(in), "remediate", "--event", "-", "--output", "json", "--config", cfg)
	if code != exitFailed || !strings.Contains(stderr, "1 of 4 finding(s) failed") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var res struct {
		Findings []struct {
			ID, Account, Region, CIS, Control, Resource, Decision, Reason string
			Actions                                                       []any
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := []string{"skipped", "skipped", "skipped", "failed"}
	for i, f := range res.Findings {
		if f.Decision != want[i] || f.Reason == "" || f.Actions == nil {
			t.Errorf("finding %d: %+v", i, f)
		}
	}
	if res.Findings[0].CIS != "2.2.1" || res.Findings[0].Control != "EC2.7" || res.Findings[0].Account != "444455556666" {
		t.Errorf("finding 0: %+v", res.Findings[0])
	}
}

func TestPolicyIsValidJSON(t *testing.T) {
	code, out, _ := cli(t, "", "policy")
	var doc struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.Version != "2012-10-17" {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			if a == "*" || strings.HasSuffix(a, ":*") {
				t.Errorf("wildcard action %s", a)
			}
		}
	}
}

// TestReadmeConfigLoads keeps the configuration example in README.md true.
func TestReadmeConfigLoads(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n")
	if !ok {
		t.Fatal("README.md has no yaml example")
	}
	example, _, _ := strings.Cut(rest, "```")
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := loadSettings(p)
	if err != nil {
		t.Fatalf("README example: %v", err)
	}
	if st, _ := s.Settings.For("5.3"); st.Mode != "auto" {
		t.Errorf("5.3 mode %s", st.Mode)
	}
	if st, _ := s.Settings.For("5.1"); st.Mode != "notify" {
		t.Errorf("5.1 mode %s", st.Mode)
	}
}
