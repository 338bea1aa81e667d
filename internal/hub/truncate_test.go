package hub

import (
	"strings"
	"testing"
)

func TestTruncate(t *testing.T) {
	if got := Truncate("abc", 5); got != "abc" {
		t.Error(got)
	}
	got := Truncate(strings.Repeat("é", 10), 9)
	if len(got) > 9 || !strings.HasSuffix(got, "…") {
		t.Errorf("%q (%d bytes)", got, len(got))
	}
}
