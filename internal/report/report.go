// Package report is what a scan produces and how it is shown: the results
// (one per recommendation, account, region and resource), the scores per
// section and per account, and the renderings (a terminal table, JSON,
// CSV, ASFF and HTML). Every rendering reads the same Report, so the
// numbers a person sees in one equal those of the others.
package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/finding"
)

// Status is a result's verdict (PASS, FAIL, MANUAL, NOT_APPLICABLE, ERROR).
type Status = controls.Status

// Result is the verdict of one recommendation on one resource (or account
// or region) of one account.
type Result struct {
	// CIS is the recommendation id, 2.1.5.1 style where cisguard splits it.
	CIS      string `json:"cis"`
	Account  string `json:"account"`
	Region   string `json:"region"`
	Resource string `json:"resource"`
	Status   Status `json:"status"`
	Reason   string `json:"reason"`

	// Partition of the account.
	Partition string `json:"-"`
	// Target is the resource as a remediation plans on it.
	Target finding.Resource `json:"-"`
	// Remediation lists what cisguard would do about a FAIL (the plan's
	// action descriptions), and Left what it would leave to a person;
	// both empty where it has no plan.
	Remediation []string `json:"-"`
	Left        []string `json:"-"`
}

// Key identifies a result across scans: a finding imported for it keeps
// its id from one scan to the next.
func (r Result) Key() string { return r.CIS + "/" + r.Account + "/" + r.Region + "/" + r.Resource }

// Report is a scan's results and scores.
type Report struct {
	Results []Result  `json:"results"`
	Summary Summary   `json:"summary"`
	Started time.Time `json:"-"`
}

// Summary counts results.
type Summary struct {
	Started  time.Time `json:"started,omitzero"`
	Accounts int       `json:"accounts"`
	Regions  []string  `json:"regions"`
	Total    int       `json:"total"`
	Counts
	// Sections and PerAccount are the scores per section and per account.
	Sections   []Score `json:"sections"`
	PerAccount []Score `json:"perAccount"`
}

// Counts are the results of each status, and the score: the share of
// decided results (PASS and FAIL) that pass, in percent; MANUAL,
// NOT_APPLICABLE and ERROR do not count towards it.
type Counts struct {
	Pass          int     `json:"pass"`
	Fail          int     `json:"fail"`
	Manual        int     `json:"manual"`
	NotApplicable int     `json:"notApplicable"`
	Error         int     `json:"error"`
	Score         float64 `json:"score"`
}

func (c *Counts) add(s Status) {
	switch s {
	case controls.Pass:
		c.Pass++
	case controls.Fail:
		c.Fail++
	case controls.Manual:
		c.Manual++
	case controls.NotApplicable:
		c.NotApplicable++
	case controls.Error:
		c.Error++
	}
}

func (c *Counts) score() {
	c.Score = 0
	if d := c.Pass + c.Fail; d > 0 {
		c.Score = float64(int(float64(c.Pass)*1000/float64(d)+0.5)) / 10
	}
}

// Score is the counts of one section or account.
type Score struct {
	// ID is the section number ("1" … "5") or the account id.
	ID    string `json:"id"`
	Title string `json:"title"`
	Counts
}

// New sorts the results (account, recommendation, region, resource) and
// counts them.
func New(results []Result, started time.Time) *Report {
	slices.SortFunc(results, func(a, b Result) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), catalog.Compare(a.CIS, b.CIS), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Resource, b.Resource))
	})
	r := &Report{Results: results, Started: started}
	s := &r.Summary
	s.Started, s.Total = started, len(results)
	sections := map[string]*Score{}
	accounts := map[string]*Score{}
	regions := map[string]bool{}
	for _, x := range results {
		s.add(x.Status)
		sec := catalog.SectionOf(x.CIS)
		if sections[sec] == nil {
			sections[sec] = &Score{ID: sec, Title: sectionTitle(sec)}
		}
		sections[sec].add(x.Status)
		if accounts[x.Account] == nil {
			accounts[x.Account] = &Score{ID: x.Account, Title: "account " + x.Account}
		}
		accounts[x.Account].add(x.Status)
		if x.Region != "" {
			regions[x.Region] = true
		}
	}
	s.score()
	for _, m := range []struct {
		in  map[string]*Score
		out *[]Score
	}{{sections, &s.Sections}, {accounts, &s.PerAccount}} {
		*m.out = []Score{}
		for _, sc := range m.in {
			sc.score()
			*m.out = append(*m.out, *sc)
		}
		slices.SortFunc(*m.out, func(a, b Score) int { return cmp.Compare(a.ID, b.ID) })
	}
	s.Accounts = len(accounts)
	s.Regions = []string{}
	for reg := range regions {
		s.Regions = append(s.Regions, reg)
	}
	slices.Sort(s.Regions)
	return r
}

// sectionTitle names a section of the benchmark by its number.
func sectionTitle(n string) string {
	for _, r := range catalog.All() {
		if catalog.SectionOf(r.ID) == n {
			return n + " " + string(r.Section)
		}
	}
	return n
}

// Failing returns the results that need attention, failures first
// (FAIL, ERROR, MANUAL), each group in report order.
func (r *Report) Failing() []Result {
	var out []Result
	for _, s := range []Status{controls.Fail, controls.Error, controls.Manual} {
		for _, x := range r.Results {
			if x.Status == s {
				out = append(out, x)
			}
		}
	}
	return out
}
