package deploy

import (
	"fmt"
	"io"
	"strings"
)

// Report is what a deployment plan leads to, for the people who approve
// it: printed with the plan by `cisguard deploy` (and --dry-run).
type Report struct {
	Accounts  int
	Regions   []string
	Partition string
	// Central says how Security Hub is configured and what changes.
	Central string
	// Standards are the enabled standards before and after, per group of
	// accounts that share them.
	Standards []StandardsGroup
	// Instances are the StackSets' stack instances per region.
	Instances []SetSummary
	// Original lists what the original solution (or another tool) left
	// where cisguard deploys, and what becomes of it.
	Original []string
	// Minutes is the expected duration of the StackSet operations.
	Minutes int
	// DeleteKeeps is what a later --delete would leave in place.
	DeleteKeeps []string
	// ScanSchedule is the organization scan's schedule, "" for none.
	ScanSchedule string
}

// Write prints the report.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "organization: %d accounts, regions %s (home %s), partition %s\n", r.Accounts, strings.Join(r.Regions, ", "), first(r.Regions), r.Partition)
	if r.Central != "" {
		fmt.Fprintf(w, "Security Hub: %s\n", r.Central)
	}
	if len(r.Standards) > 0 {
		fmt.Fprintln(w, "standards per group of accounts (before → after):")
		for _, g := range r.Standards {
			before := standardsText(g.Before)
			if g.Unknown {
				before = "unknown"
			}
			fmt.Fprintf(w, "  %s: %s → %s\n      by %s\n", accountsText(g.Accounts), before, standardsText(g.After), g.How)
		}
	}
	if len(r.Instances) > 0 {
		fmt.Fprintln(w, "StackSet instances (target accounts: current / to deploy / to redeploy / to recreate):")
		for _, s := range r.Instances {
			fmt.Fprintf(w, "  %s in %s: %d: %d / %d / %d / %d\n", s.StackSet, s.Region, s.Targets, s.Current, s.Missing, s.Outdated, s.Gone)
		}
	}
	if len(r.Original) > 0 {
		fmt.Fprintln(w, "found from the original solution (or another tool):")
		for _, o := range r.Original {
			fmt.Fprintf(w, "  %s\n", o)
		}
	}
	if r.ScanSchedule == "" {
		fmt.Fprintln(w, "scheduled scan: none (--scan-schedule \"rate(1 day)\" scans every account on a schedule)")
	} else {
		fmt.Fprintf(w, "scheduled scan: %s, of the organization's accounts in %s, one account per invocation; results imported into each account's Security Hub\n",
			r.ScanSchedule, strings.Join(r.Regions, ", "))
	}
	fmt.Fprintf(w, "expected duration: about %d minutes of StackSet operations (a quarter of the accounts at a time, soft failure tolerance %d%%, regions in parallel), plus a few minutes for the admin stack and Security Hub\n",
		r.Minutes, failureTolerancePercent)
	if len(r.DeleteKeeps) > 0 {
		fmt.Fprintln(w, "a later `cisguard deploy --delete` would keep:")
		for _, k := range r.DeleteKeeps {
			fmt.Fprintf(w, "  %s\n", k)
		}
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
