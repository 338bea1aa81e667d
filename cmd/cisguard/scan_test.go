package main

import (
	"strings"
	"testing"
)

// Flags a scan cannot run with are refused before any AWS call (exit 2).
func TestScanUnusableInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--dry-run"}, "--dry-run goes with --remediate"},
		{[]string{"scan", "--result", "r.json"}, "--result goes with --remediate"},
		{[]string{"scan", "--role", "X"}, "go with --org"},
		{[]string{"scan", "--accounts", "111111111111"}, "go with --org"},
		{[]string{"scan", "--controls", "9.9"}, `"9.9" selects no recommendation`},
		{[]string{"scan", "--output", "yaml"}, "--output \"yaml\""},
		{[]string{"scan", "--parallel", "0"}, "--parallel 0"},
	} {
		code, _, stderr := cli(t, "", c.args...)
		if code != exitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
