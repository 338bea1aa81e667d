package catalog

import (
	"slices"
	"testing"
)

func TestCatalogueShape(t *testing.T) {
	all := All()
	if len(all) != 58 {
		t.Fatalf("got %d recommendations, want 58", len(all))
	}
	perSection := map[string]int{}
	seen := map[string]bool{}
	for i, r := range all {
		if seen[r.ID] {
			t.Errorf("duplicate id %s", r.ID)
		}
		seen[r.ID] = true
		perSection[SectionOf(r.ID)]++
		if i > 0 && Compare(all[i-1].ID, r.ID) >= 0 {
			t.Errorf("%s comes after %s: catalogue out of order", r.ID, all[i-1].ID)
		}
		if r.Title == "" || (r.Level != 1 && r.Level != 2) {
			t.Errorf("%s: incomplete entry %+v", r.ID, r)
		}
		switch r.Handling {
		case Auto, Notify, Check:
		default:
			t.Errorf("%s: handling %q", r.ID, r.Handling)
		}
		switch r.Impact {
		case Safe, Possible, Disruptive:
		default:
			t.Errorf("%s: impact %q", r.ID, r.Impact)
		}
		// Security Hub does not check what cisguard must check itself:
		// "check", or "auto" where cisguard also fixes it by default.
		if len(r.SecurityHub) > 0 && r.Handling == Check || len(r.SecurityHub) == 0 && r.Handling == Notify && r.ID != "1.3" {
			t.Errorf("%s: handling %s with Security Hub controls %v", r.ID, r.Handling, r.SecurityHub)
		}
	}
	want := map[string]int{"1": 21, "2": 7, "3": 11, "4": 15, "5": 4}
	for s, n := range want {
		if perSection[s] != n {
			t.Errorf("section %s has %d recommendations, want %d", s, perSection[s], n)
		}
	}
}

func TestForSecurityHub(t *testing.T) {
	tests := []struct {
		control string
		want    []string
	}{
		{"EC2.2", []string{"5.3"}},
		{"EC2.21", []string{"5.1"}},
		{"CloudWatch.1", []string{"4.3", "1.7"}},
		{"S3.1", []string{"2.1.5.1"}},
		{"S3.8", []string{"2.1.5.2"}},
		{"CloudWatch.14", []string{"4.14"}},
		{"EC2.13", []string{"5.2"}},
		{"EC2.19", nil},
	}
	for _, tt := range tests {
		if got := ForSecurityHub(tt.control); !slices.Equal(got, tt.want) {
			t.Errorf("ForSecurityHub(%s) = %v, want %v", tt.control, got, tt.want)
		}
	}
}

func TestLookupParts(t *testing.T) {
	r, ok := Lookup("2.1.5.2")
	if !ok || r.ID != "2.1.5" {
		t.Fatalf("Lookup(2.1.5.2) = %v, %v", r.ID, ok)
	}
	if _, ok := Lookup("2.1.6"); ok {
		t.Fatal("Lookup(2.1.6) found a recommendation that does not exist")
	}
	ids := ControlIDs()
	if len(ids) != 59 || !slices.Contains(ids, "2.1.5.1") || slices.Contains(ids, "2.1.5") {
		t.Fatalf("ControlIDs = %d ids %v", len(ids), ids)
	}
}

func TestCompare(t *testing.T) {
	ordered := []string{"1.2", "1.10", "1.21", "2.1.1", "2.1.5", "2.1.5.1", "2.2.1", "3.9", "3.10", "5.4"}
	for i := 1; i < len(ordered); i++ {
		if Compare(ordered[i-1], ordered[i]) >= 0 {
			t.Errorf("Compare(%s, %s) >= 0", ordered[i-1], ordered[i])
		}
	}
}
