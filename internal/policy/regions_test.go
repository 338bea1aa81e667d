package policy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestRegionPatternsMatchSDK fails when regions_gen.go is not what the
// generator makes from the SDK in go.mod (run `go generate ./internal/policy`).
func TestRegionPatternsMatchSDK(t *testing.T) {
	out := filepath.Join(t.TempDir(), "regions_gen.go")
	if b, err := exec.Command("go", "run", "gen_regions.go", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("gen_regions.go: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("regions_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("regions_gen.go is stale: run go generate ./internal/policy\nwant:\n%s", want)
	}
	if len(regionPatterns) < 2 || regionPatterns["aws"] == "" {
		t.Errorf("region patterns %v", regionPatterns)
	}
}
