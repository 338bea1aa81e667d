package controls

import (
	"os"
	"strings"
	"testing"
)

// TestControlsDocIsCurrent fails when docs/controls.md is not what the code
// generates. Regenerate with:
//
//	go run ./cmd/cisguard controls -o markdown > docs/controls.md
func TestControlsDocIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../../docs/controls.md")
	if err != nil {
		t.Fatalf("%v (generate it: go run ./cmd/cisguard controls -o markdown > docs/controls.md)", err)
	}
	if string(got) != Markdown() {
		t.Fatal("docs/controls.md is stale: run go run ./cmd/cisguard controls -o markdown > docs/controls.md")
	}
}

// TestEveryFixSaysWhatItVerifies: docs/controls.md lists, for every
// control with an automatic fix, what its fresh plan holds the resource to
// before the finding may be RESOLVED, and names the Security Hub control
// it is at least as strict as (when the recommendation has one).
func TestEveryFixSaysWhatItVerifies(t *testing.T) {
	for _, c := range All() {
		if c.Plan == nil {
			if Verifies(c.ID) != "" {
				t.Errorf("%s has no fix but says what it verifies", c.ID)
			}
			continue
		}
		v := Verifies(c.ID)
		if v == "" {
			t.Errorf("%s: no entry in verifies", c.ID)
			continue
		}
		r := c.Recommendation()
		sh := r.SecurityHub
		for _, p := range r.Parts {
			if p.ID == c.ID {
				sh = []string{p.SecurityHub}
			}
		}
		if len(sh) > 0 && !strings.Contains(v, sh[0]) && !strings.Contains(v, "Security Hub") {
			t.Errorf("%s: %q names neither %s nor Security Hub", c.ID, v, sh[0])
		}
	}
	for id := range verifies {
		if c, ok := Lookup(id); !ok || c.Plan == nil {
			t.Errorf("verifies has %s, which has no fix", id)
		}
	}
}
