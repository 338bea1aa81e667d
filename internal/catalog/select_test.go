package catalog

import (
	"fmt"
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	for _, tt := range []struct {
		patterns []string
		want     string
	}{
		{[]string{"5.3"}, "[5.3]"},
		{[]string{"5.3", "4.1*"}, "[4.1 4.10 4.11 4.12 4.13 4.14 4.15 5.3]"},
		{[]string{"2.1"}, "[2.1.1 2.1.2 2.1.3 2.1.4 2.1.5.1 2.1.5.2]"},
		{[]string{"2.1.5"}, "[2.1.5.1 2.1.5.2]"},
		{[]string{"5", "5.1"}, "[5.1 5.2 5.3 5.4]"},
	} {
		got, err := Select(tt.patterns)
		if err != nil || fmt.Sprint(got) != tt.want {
			t.Errorf("Select(%v) = %v, %v; want %s", tt.patterns, got, err, tt.want)
		}
	}
	if all, _ := Select(nil); len(all) != len(ControlIDs()) {
		t.Errorf("no pattern selects %d ids", len(all))
	}
	if _, err := Select([]string{"5.3", "9.9"}); err == nil || !strings.Contains(err.Error(), `"9.9" names no CIS v1.4.0 recommendation`) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestSecurityHubControls(t *testing.T) {
	for id, want := range map[string]string{"5.3": "[EC2.2]", "2.1.5.1": "[S3.1]", "1.1": "[]", "9.9": "[]"} {
		if got := fmt.Sprint(SecurityHubControls(id)); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
}
