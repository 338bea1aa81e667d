package hub

import (
	"strings"
	"testing"
)

func TestTruncate(t *testing.T) {
	if got := truncate("abc", 5); got != "abc" {
		t.Error(got)
	}
	got := truncate(strings.Repeat("é", 10), 9)
	if len(got) > 9 || !strings.HasSuffix(got, "…") {
		t.Errorf("%q (%d bytes)", got, len(got))
	}
}
