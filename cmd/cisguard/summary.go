package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/engine"
)

// decisions are the columns of the summary, in order.
var decisions = []string{engine.Remediated, engine.Planned, engine.Notified, engine.Skipped, engine.Failed}

// printSummary writes the count of every decision per control, then the
// reasons of the skipped and failed findings, grouped (see groupReasons).
func printSummary(w io.Writer, results []engine.Result) {
	type row struct {
		cis, control string
		n            map[string]int
	}
	rows := map[string]*row{}
	total := map[string]int{}
	for _, r := range results {
		key := r.CIS + "|" + r.Control
		if rows[key] == nil {
			rows[key] = &row{cis: orDash(r.CIS), control: orDash(r.Control), n: map[string]int{}}
		}
		rows[key].n[r.Decision]++
		total[r.Decision]++
	}
	var keys []string
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := rows[keys[i]], rows[keys[j]]
		if c := catalog.Compare(a.cis, b.cis); c != 0 {
			return c < 0
		}
		return a.control < b.control
	})
	cisW, ctlW := len("total"), len("CONTROL")
	for _, r := range rows {
		cisW, ctlW = max(cisW, len(r.cis)), max(ctlW, len(r.control))
	}
	fmt.Fprintf(w, "%-*s  %-*s", cisW, "CIS", ctlW, "CONTROL")
	for _, d := range decisions {
		fmt.Fprintf(w, "  %s", strings.ToUpper(d))
	}
	fmt.Fprintln(w)
	line := func(cis, control string, n map[string]int) {
		fmt.Fprintf(w, "%-*s  %-*s", cisW, cis, ctlW, control)
		for _, d := range decisions {
			fmt.Fprintf(w, "  %*d", len(d), n[d])
		}
		fmt.Fprintln(w)
	}
	for _, k := range keys {
		line(rows[k].cis, rows[k].control, rows[k].n)
	}
	line("total", "", total)

	for _, d := range []string{engine.Skipped, engine.Failed} {
		groups := groupReasons(results, d)
		if len(groups) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d finding(s), %d reason(s)\n", d, total[d], len(groups))
		for i, g := range groups {
			if i == maxGroups {
				fmt.Fprintf(w, "  … and %d more reason(s): see --output json\n", len(groups)-maxGroups)
				break
			}
			g.write(w)
		}
	}
}

// maxGroups bounds the reasons listed per decision.
const maxGroups = 20

// reasonGroup is the findings that share a reason once their own account,
// region, resource and id are taken out of it.
type reasonGroup struct {
	pattern  string
	first    engine.Result
	count    int
	accounts []string
	regions  []string
}

// groupReasons groups the reasons of the results with a decision, most
// frequent first: 6,000 findings that fail on the same missing role are
// one line with the count and the accounts.
func groupReasons(results []engine.Result, decision string) []*reasonGroup {
	byPattern := map[string]*reasonGroup{}
	var groups []*reasonGroup
	for _, r := range results {
		if r.Decision != decision {
			continue
		}
		p := generalize(r)
		g := byPattern[p]
		if g == nil {
			g = &reasonGroup{pattern: p, first: r}
			byPattern[p] = g
			groups = append(groups, g)
		}
		g.count++
		if r.Account != "" && !slices.Contains(g.accounts, r.Account) {
			g.accounts = append(g.accounts, r.Account)
		}
		if r.Region != "" && !slices.Contains(g.regions, r.Region) {
			g.regions = append(g.regions, r.Region)
		}
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].count > groups[j].count })
	return groups
}

// generalize replaces a result's own finding id, resource, account and
// region in its reason with placeholders.
func generalize(r engine.Result) string {
	s := r.Reason
	for _, v := range [][2]string{{r.ID, "<finding>"}, {r.Resource, "<resource>"}, {r.Finding.Resource.Name(), "<resource>"}, {r.Account, "<account>"}, {r.Region, "<region>"}} {
		if v[0] != "" {
			s = strings.ReplaceAll(s, v[0], v[1])
		}
	}
	return s
}

func (g *reasonGroup) write(w io.Writer) {
	r := g.first
	if g.count == 1 {
		fmt.Fprintf(w, "  %s %s: %s\n", orDash(r.CIS), orDash(r.Resource), r.Reason)
		return
	}
	fmt.Fprintf(w, "  %d × %s\n", g.count, g.pattern)
	fmt.Fprintf(w, "      %s; %s\n", list("account", g.accounts), list("region", g.regions))
}

// list names up to 10 values and counts the rest.
func list(noun string, values []string) string {
	if len(values) == 0 {
		return "no " + noun
	}
	slices.Sort(values)
	shown := values[:min(len(values), 10)]
	s := fmt.Sprintf("%d %s(s): %s", len(values), noun, strings.Join(shown, ", "))
	if n := len(values) - len(shown); n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}
