// Package catalog is the list of the 58 recommendations of the CIS AWS
// Foundations Benchmark v1.4.0, with the Security Hub controls that report
// them and cisguard's default handling of each.
//
// The catalogue is data, not behaviour: what cisguard does for a
// recommendation lives in package controls; the catalogue says what the
// benchmark asks and what a user should expect by default.
package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Handling is what cisguard does by default when a recommendation fails.
type Handling string

const (
	// Auto: remediated automatically when a FAILED finding arrives.
	Auto Handling = "auto"
	// Notify: nothing is changed by default; the owner gets resource-specific steps.
	Notify Handling = "notify"
	// Check: Security Hub does not check it; cisguard checks it itself.
	Check Handling = "check"
)

// Impact says how likely the fix is to affect a running workload.
type Impact string

const (
	Safe       Impact = "safe"       // cannot break a workload
	Possible   Impact = "possible"   // may affect some setups
	Disruptive Impact = "disruptive" // can break access or traffic
)

// Section is one of the five sections of the benchmark.
type Section string

const (
	IAM        Section = "Identity and Access Management"
	Storage    Section = "Storage"
	Logging    Section = "Logging"
	Monitoring Section = "Monitoring"
	Networking Section = "Networking"
)

// Recommendation is one CIS recommendation.
type Recommendation struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Section Section `json:"section"`
	Level   int     `json:"level"`
	// SecurityHub lists the Security Hub control ids that report it; empty
	// where Security Hub runs no automated check under CIS v1.4.0.
	SecurityHub []string `json:"securityHubControls"`
	// Related lists Security Hub controls of other standards (FSBP, CIS
	// 1.2.0 or 3.0.0) that check the same thing: their findings get the
	// same handling.
	Related  []string `json:"relatedControls,omitempty"`
	Handling Handling `json:"handling"`
	Impact   Impact   `json:"impact"`
	// Parts are the sub-ids Security Hub reports separately (2.1.5.1 and
	// 2.1.5.2 for 2.1.5), each with its own Security Hub control.
	Parts []Part `json:"parts,omitempty"`
}

// Part is a separately reported piece of a recommendation.
type Part struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	SecurityHub string `json:"securityHubControl"`
}

// All returns the 58 recommendations in benchmark order.
func All() []Recommendation {
	out := slices.Clone(recommendations)
	for i := range out {
		if out[i].SecurityHub == nil {
			out[i].SecurityHub = []string{} // JSON lists it as [], not null
		}
	}
	return out
}

// Lookup returns the recommendation with the given id. The id of a part
// (2.1.5.1) returns the recommendation it belongs to.
func Lookup(id string) (Recommendation, bool) {
	for _, r := range recommendations {
		if r.ID == id {
			return r, true
		}
		for _, p := range r.Parts {
			if p.ID == id {
				return r, true
			}
		}
	}
	return Recommendation{}, false
}

// ControlIDs returns every id a finding can carry: the recommendations'
// ids, with 2.1.5 replaced by its parts, in benchmark order.
func ControlIDs() []string {
	var ids []string
	for _, r := range recommendations {
		if len(r.Parts) == 0 {
			ids = append(ids, r.ID)
			continue
		}
		for _, p := range r.Parts {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// ForSecurityHub returns the CIS ids that a Security Hub control reports,
// primary first. CloudWatch.1 reports both 4.3 and 1.7; 4.3 is primary
// because its fix (a metric filter and alarm) is also the fix for 1.7.
func ForSecurityHub(control string) []string {
	var ids []string
	for _, r := range recommendations {
		for _, p := range r.Parts {
			if p.SecurityHub == control {
				ids = append(ids, p.ID)
			}
		}
		if len(r.Parts) == 0 && (slices.Contains(r.SecurityHub, control) || slices.Contains(r.Related, control)) {
			ids = append(ids, r.ID)
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int {
		return boolInt(primary[b] == control) - boolInt(primary[a] == control)
	})
	return ids
}

// primary names, for Security Hub controls that report more than one
// recommendation, the recommendation whose fix covers the others.
var primary = map[string]string{"4.3": "CloudWatch.1"}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SectionOf returns the section number ("1" … "5") of an id.
func SectionOf(id string) string {
	s, _, _ := strings.Cut(id, ".")
	return s
}

// Compare orders ids the way the benchmark does (1.2 < 1.10 < 2.1.1).
func Compare(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
			continue
		}
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}

func init() {
	if n := len(recommendations); n != 58 {
		panic(fmt.Sprintf("catalog: %d recommendations, want 58", n))
	}
}

// IsControl reports whether id is one a finding can carry (see ControlIDs).
func IsControl(id string) bool {
	r, ok := Lookup(id)
	return ok && (len(r.Parts) == 0 || r.ID != id)
}
