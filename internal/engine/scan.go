package engine

import (
	"context"

	"golang.org/x/sync/errgroup"

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
	results := make([]Result, len(items))
	p := e.policy(ctx)
	progress := e.progress(len(items))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.cfg.Concurrency)
	for i, it := range items {
		f := finding.Finding{ID: it.ID, Account: it.Account, Region: it.Region, HubRegion: it.Region, Partition: it.Partition, CIS: it.CIS,
			Compliance: "FAILED", RecordState: "ACTIVE", Resource: it.Resource, Trigger: finding.Scan, Title: "cisguard scan: " + it.CIS}
		d := p.DecideScan(f)
		if d.Action == policy.Skip || d.Action == policy.Retry {
			results[i] = settled(newResult(f), d)
			e.log(results[i])
			progress(1)
			continue
		}
		g.Go(func() error {
			results[i] = e.handle(gctx, job{index: i, finding: f, decision: d})
			progress(1)
			return nil
		})
	}
	_ = g.Wait()
	return results
}
