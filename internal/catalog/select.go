package catalog

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Select returns the ids a finding can carry (ControlIDs, in benchmark
// order) that match any of the patterns: an id ("5.3"), a prefix of ids
// ("4", "2.1": every id under it) or a glob ("4.*", "1.1?"). A pattern that
// matches nothing is an error naming it; no patterns select every id.
func Select(patterns []string) ([]string, error) {
	ids := ControlIDs()
	if len(patterns) == 0 {
		return ids, nil
	}
	var out []string
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		n := 0
		for _, id := range ids {
			if Matches(p, id) {
				n++
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("%q names no CIS v1.4.0 recommendation (ids such as 5.3, prefixes such as 4 or 2.1, globs such as 4.*)", p)
		}
	}
	slices.SortFunc(out, Compare)
	return out, nil
}

// Matches reports whether a pattern of Select selects id.
func Matches(pattern, id string) bool {
	if pattern == id || strings.HasPrefix(id, pattern+".") {
		return true
	}
	ok, err := path.Match(pattern, id)
	return err == nil && ok
}

// SecurityHubControls returns the Security Hub controls that report an id
// (a part's own control for 2.1.5.1); none for a recommendation Security
// Hub does not check.
func SecurityHubControls(id string) []string {
	r, ok := Lookup(id)
	if !ok {
		return nil
	}
	for _, p := range r.Parts {
		if p.ID == id {
			return []string{p.SecurityHub}
		}
	}
	return slices.Clone(r.SecurityHub)
}
