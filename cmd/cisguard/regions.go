package main

import (
	"fmt"
	"strings"

	"github.com/cisguard/cisguard/internal/config"
)

// checkRegions refuses region names that are not among valid, naming the
// closest valid one and listing them all.
func checkRegions(flag string, regions, valid []string) error {
	known := map[string]bool{}
	for _, v := range valid {
		known[v] = true
	}
	var bad []string
	for _, r := range regions {
		if known[r] {
			continue
		}
		msg := fmt.Sprintf("%q", r)
		if c := config.Closest(r, valid); c != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", c)
		}
		bad = append(bad, msg)
	}
	if len(bad) == 0 {
		return nil
	}
	return badInput("%s: %s not a region; valid names: %s", flag, strings.Join(bad, ", "), strings.Join(valid, ", "))
}
