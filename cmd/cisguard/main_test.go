package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/perms"
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
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	// 58 recommendations, 2.1.5 as its two parts.
	if len(rows) != 59 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, field := range []string{"id", "title", "section", "level", "securityHubControls", "impact", "cisguard"} {
		if _, ok := rows[0][field]; !ok {
			t.Errorf("field %s missing", field)
		}
	}
	byID := map[string]map[string]any{}
	for _, r := range rows {
		byID[r["id"].(string)] = r
	}
	if sh := byID["5.3"]["securityHubControls"].([]any); len(sh) != 1 || sh[0] != "EC2.2" {
		t.Errorf("5.3 security hub controls %v", sh)
	}
	if sh := byID["1.1"]["securityHubControls"].([]any); len(sh) != 0 {
		t.Errorf("1.1 must list no Security Hub control, got %v", sh)
	}
	// Rows say what the code does, nothing more.
	for id, want := range map[string][3]string{
		"5.3":     {"auto fix", "auto", "auto"},
		"5.2":     {"opt-in fix", "notify", "notify"},
		"1.4":     {"manual steps", "notify", "notify"},
		"2.1.5.1": {"auto fix", "auto", "auto"},
	} {
		r := byID[id]
		if r["cisguard"] != want[0] || r["defaultMode"] != want[1] || r["mode"] != want[2] {
			t.Errorf("%s: %v %v %v, want %v", id, r["cisguard"], r["defaultMode"], r["mode"], want)
		}
	}
	for id, r := range byID {
		if _, ok := controls.Lookup(id); !ok && (r["cisguard"] != "not handled" || r["mode"] != nil) {
			t.Errorf("%s has no control but the row says %v, mode %v", id, r["cisguard"], r["mode"])
		}
	}
}

func TestControlsHonourConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("controls:\n  \"5\": {mode: notify}\n  \"5.2\": {mode: auto}\n  \"1.8\": {mode: off}\n"), 0o644)
	code, out, errOut := cli(t, "", "controls", "--config", cfg, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []controlRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"5.1": "notify", "5.2": "auto", "5.3": "notify", "1.8": "off", "1.9": "auto"}
	for _, r := range rows {
		if w, ok := want[r.ID]; ok {
			if r.Mode != w {
				t.Errorf("%s: mode %s, want %s", r.ID, r.Mode, w)
			}
			delete(want, r.ID)
		}
	}
	if len(want) > 0 {
		t.Errorf("rows missing: %v", want)
	}
	if code, _, errOut := cli(t, "", "controls", "--config", filepath.Join(t.TempDir(), "missing.yaml")); code != 2 || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("missing config: exit %d %s", code, errOut)
	}
}

func TestControlsTable(t *testing.T) {
	code, out, _ := cli(t, "", "controls")
	if code != 0 || strings.Count(out, "\n") != 59+1 || !strings.Contains(out, "2.1.5.2") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := cli(t, "", args...)
		if code != 0 || !strings.HasPrefix(out, "cisguard ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
			t.Errorf("%v: exit %d %q", args, code, out)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("roleName: R\nconcurency: 4\ncontrols:\n  \"1.8\":\n    minimumLenght: 16\n"), 0o644)
	code, _, errOut := cli(t, "", "config", "validate", "--config", bad)
	if code != 2 || !strings.Contains(errOut, "concurency (line 2): unknown setting; did you mean concurrency?") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	os.WriteFile(bad, []byte("controls:\n  \"1.8\":\n    minimumLenght: 16\n"), 0o644)
	code, _, errOut = cli(t, "", "config", "validate", "--config", bad)
	if code != 2 || !strings.Contains(errOut, "controls.1.8.minimumLenght (line 3): unknown setting; did you mean minimumLength?") {
		t.Errorf("exit %d: %s", code, errOut)
	}

	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("concurrency: 4\ncontrols:\n  \"1.8\": {minimumLength: 16}\n  \"5\": {mode: notify}\n"), 0o644)
	code, out, errOut := cli(t, "", "config", "validate", "--config", good)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"concurrency: 4", `"1.8": {mode: auto, minimumLength: 16}`, `"5.3": {mode: notify}`, "updateFindings: true", "roleName: CIS_Remediator_Role"} {
		if !strings.Contains(out, want) {
			t.Errorf("effective settings lack %q:\n%s", want, out)
		}
	}
	// The effective settings are themselves a valid configuration that
	// means the same.
	again := filepath.Join(dir, "again.yaml")
	os.WriteFile(again, []byte(out), 0o644)
	code, out2, errOut := cli(t, "", "config", "validate", "--config", again)
	if code != 0 || strings.SplitN(out2, "\n", 2)[1] != strings.SplitN(out, "\n", 2)[1] {
		t.Errorf("round trip: exit %d %s\n%s", code, errOut, out2)
	}
}

func TestExampleConfig(t *testing.T) {
	path := filepath.Join("..", "..", "examples", "cisguard.yaml")
	code, out, errOut := cli(t, "", "config", "validate", "--config", path)
	if code != 0 {
		t.Fatalf("examples/cisguard.yaml: exit %d: %s", code, errOut)
	}
	// Complete: every global setting and every control's parameters
	// appear in the example.
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range config.Keys(config.Config{}) {
		if !strings.Contains(string(text), key+":") {
			t.Errorf("example lacks the global setting %s", key)
		}
	}
	for _, c := range controls.All() {
		for _, key := range config.Keys(c.Params) {
			if !strings.Contains(string(text), key+":") {
				t.Errorf("example lacks %s's parameter %s", c.ID, key)
			}
		}
	}
	_ = out
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
	if code != exitBadInput || !strings.Contains(stderr, "roleNam (line 5): unknown setting; did you mean roleName?") {
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
	onFakes(t, fake.NewOrg(admin), "eu-central-1")

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
			Resource any
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

// TestPolicyFollowsConfig prints the policy for a configuration that puts
// every control in notify mode: reads only, and the publish to the member
// topic; and for one account, with no placeholder left.
func TestPolicyFollowsConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "cautious.yaml")
	os.WriteFile(cfg, []byte("controls: {'1': {mode: notify}, '2': {mode: notify}, '3': {mode: notify}, '4': {mode: notify}, '5': {mode: off}}\n"), 0o644)
	code, out, errOut := cli(t, "", "policy", "--config", cfg)
	var doc perms.Document
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, a := range doc.Allowed() {
		if perms.Write(a) && a != "sns:Publish" {
			t.Errorf("cautious policy allows write %s", a)
		}
	}
	_, full, _ := cli(t, "", "policy")
	if len(out) >= len(full) {
		t.Errorf("the cautious policy (%d bytes) is no smaller than the default (%d)", len(out), len(full))
	}

	// templates (and deploy, which renders the same data) embed the same
	// narrowed policy.
	dir := t.TempDir()
	if code, _, errOut := cli(t, "", "templates", "--out", dir, "--config", cfg); code != 0 {
		t.Fatalf("templates: exit %d: %s", code, errOut)
	}
	role, _ := os.ReadFile(filepath.Join(dir, "cisguard-member-role.yaml"))
	if !strings.Contains(string(role), `"iam:GetRole"`) || strings.Contains(string(role), `"iam:CreateRole"`) {
		t.Errorf("the member-role template does not carry the cautious policy:\n%s", role)
	}

	code, out, _ = cli(t, "", "policy", "--account", "111122223333", "--partition", "aws-cn")
	if code != 0 || strings.Contains(out, "${") || !strings.Contains(out, "arn:aws-cn:iam::111122223333:role/CIS_Remediator_Role") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if code, _, errOut = cli(t, "", "policy", "--account", "1234"); code != exitBadInput || !strings.Contains(errOut, "12-digit") {
		t.Errorf("bad account: exit %d, %s", code, errOut)
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
