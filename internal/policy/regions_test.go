package policy

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegionPatternsMatchSDK fails when regions_gen.go is not what the
// SDK in go.mod says (run `go generate ./internal/policy`).
func TestRegionPatternsMatchSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Fatalf("find the SDK module: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "endpoints", "awsrulesfn", "partitions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partitions []struct {
			ID          string `json:"id"`
			RegionRegex string `json:"regionRegex"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, p := range doc.Partitions {
		want[p.ID] = p.RegionRegex
	}
	if len(want) == 0 || !maps.Equal(want, regionPatterns) {
		t.Errorf("regions_gen.go is stale: run go generate ./internal/policy\nSDK: %v\nfile: %v", want, regionPatterns)
	}
}
