package controls

import (
	"os"
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
