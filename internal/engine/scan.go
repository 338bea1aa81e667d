package engine

import (
	"context"

	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/policy"
)

// Failing is a resource a scan found failing: what RunScan remediates.
type Failing struct {
	// ID names the result in messages (the scan's finding id).
	ID                      string
	CIS, Partition, Account string
	Region                  string
	Resource                finding.Resource
}

// RunScan remediates what a scan found failing, through the same path as
// Run (the control's plan from live state, apply, verify with a fresh
// plan, notify), without Security Hub: there is no finding to confirm (the
// scan read the live state itself, and the plan reads it again before any
// change) and none to update. The configuration decides (policy.DecideScan):
// excluded and management accounts, the control's mode.
func (e *Engine) RunScan(ctx context.Context, items []Failing) []Result {
	r, done := e.newRun(ctx, len(items), false)
	defer done()
	p := e.policy(ctx)
	var jobs []job
	for i, it := range items {
		f := finding.Finding{ID: it.ID, Account: it.Account, Region: it.Region, HubRegion: it.Region, Partition: it.Partition, CIS: it.CIS,
			Compliance: "FAILED", RecordState: "ACTIVE", Resource: it.Resource, Trigger: finding.Scan, Title: "cisguard scan: " + it.CIS}
		d := p.DecideScan(f)
		if d.Action == policy.Skip || d.Action == policy.Retry {
			r.results[i] = settled(newResult(f), d)
			logResult(r.log, r.results[i])
			r.progress(1)
			continue
		}
		jobs = append(jobs, job{index: i, finding: f, decision: d})
	}
	r.execute(ctx, jobs)
	return r.results
}
