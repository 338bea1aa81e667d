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

func TestKnownRegion(t *testing.T) {
	if p, ok := KnownRegion("eu-west-1"); !ok || p != "aws" {
		t.Errorf("eu-west-1: %s %v", p, ok)
	}
	if p, ok := KnownRegion("us-gov-west-1"); !ok || p != "aws-us-gov" {
		t.Errorf("us-gov-west-1: %s %v", p, ok)
	}
	for _, r := range []string{"eu-wst-1", "aws-global", ""} {
		if _, ok := KnownRegion(r); ok {
			t.Errorf("%q is known", r)
		}
	}
	if rs := Regions("aws-cn"); len(rs) != 2 || rs[0] != "cn-north-1" {
		t.Errorf("aws-cn: %v", rs)
	}
}
