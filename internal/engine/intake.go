package engine

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/hub"
	"github.com/cisguard/cisguard/internal/policy"
)

// job is a finding cleared for handling, with its decision.
type job struct {
	index    int
	finding  finding.Finding
	decision policy.Decision
	// unconfirmed says why a dry run plans a finding Security Hub did not
	// confirm; "" when it acts on Security Hub's own copy.
	unconfirmed string
	// keys are what its fix writes (Engine.keys).
	keys []string
}

// intake settles every finding that can be settled before any change and
// returns the others, to be handled.
//
// A finding already read from Security Hub (Confirmed, from
// finding.FromSecurityHub) is decided on that copy and not asked again.
// A finding of an event is first decided on the event's copy: one the event alone
// rules out (not Security Hub's own product, not FAILED, off, …) costs no
// call. The rest are confirmed with Security Hub in their hub region (one
// GetFindings per 20 findings, hub.Get) and decided again on Security
// Hub's own copy, which is what is acted on: a replayed, stale or
// hand-written event, or a message put on the queue, changes nothing.
func (e *Engine) intake(ctx context.Context, log *slog.Logger, p *policy.Policy, fs []finding.Finding, results []Result) []job {
	byRegion := map[string][]int{}
	var regions []string
	first := map[hub.Key]int{} // a finding delivered twice in one batch is handled once
	var confirmed []job
	for i, f := range fs {
		r := newResult(f)
		if f.Err != nil {
			r.Decision, r.Reason = Failed, f.Err.Error()
			log.Error("malformed finding", "error", f.Err, "message", f.Message)
			results[i] = r
			continue
		}
		d := p.Decide(f)
		if d.Action == policy.Skip || d.Action == policy.Retry {
			results[i] = settled(r, d)
			logResult(log, results[i])
			continue
		}
		k := hub.Key{ID: f.ID, ProductARN: f.ProductARN}
		if j, ok := first[k]; ok {
			r.Decision, r.Reason = Skipped, fmt.Sprintf("the same finding is finding %d of this batch: handled once", j+1)
			results[i] = r
			logResult(log, r)
			continue
		}
		first[k] = i
		if f.Confirmed {
			// Security Hub's own copy already (cisguard remediate
			// --from-hub read it with GetFindings): decided on it above.
			confirmed = append(confirmed, job{index: i, finding: f, decision: d})
			continue
		}
		if _, ok := byRegion[f.HubRegion]; !ok {
			regions = append(regions, f.HubRegion)
		}
		byRegion[f.HubRegion] = append(byRegion[f.HubRegion], i)
	}

	var (
		mu   sync.Mutex
		jobs = confirmed
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.cfg.Concurrency)
	for _, region := range regions {
		g.Go(func() error {
			js := e.confirm(gctx, log, p, region, fs, byRegion[region], results)
			mu.Lock()
			jobs = append(jobs, js...)
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	// Input order: findings of one account are handled in the order given.
	slices.SortFunc(jobs, func(a, b job) int { return a.index - b.index })
	return jobs
}

// confirm reads Security Hub's copy of the findings at indexes (all of one
// hub region) and decides on it.
func (e *Engine) confirm(ctx context.Context, log *slog.Logger, p *policy.Policy, region string, fs []finding.Finding, indexes []int, results []Result) []job {
	keys := make([]hub.Key, len(indexes))
	for n, i := range indexes {
		keys[n] = hub.Key{ID: fs[i].ID, ProductARN: fs[i].ProductARN}
	}
	held, err := hub.Get(ctx, e.cloud.Hub(region), region, keys)
	var jobs []job
	for n, i := range indexes {
		event := fs[i]
		r := newResult(event)
		own, ok := held[keys[n]]
		switch {
		case err != nil && e.opts.DryRun:
			jobs = append(jobs, unconfirmed(p, i, event, fmt.Sprintf("not confirmed with Security Hub: %s; planned from the event alone", awsapi.Brief(err))))
			continue
		case err != nil:
			r.Decision, r.Reason = Failed, fmt.Sprintf("cannot confirm the finding with Security Hub in %s of the administrator account: %s; nothing done, retried later", region, awsapi.Brief(err))
			results[i] = r
			logResult(log, r)
			continue
		case !ok && e.opts.DryRun:
			jobs = append(jobs, unconfirmed(p, i, event, fmt.Sprintf("Security Hub in %s holds no such finding: planned from the event alone, a real run would skip it", region)))
			continue
		case !ok:
			r.Decision, r.Reason = Skipped, fmt.Sprintf("Security Hub in %s holds no finding %s of product %s: a replayed, stale or hand-written event; nothing done", region, event.ID, event.ProductARN)
			results[i] = r
			logResult(log, r)
			continue
		}
		f, err := finding.FromSecurityHub(own, region)
		f.Trigger, f.Message = event.Trigger, event.Message
		r = newResult(f)
		if err != nil {
			r.Decision, r.Reason = Failed, fmt.Sprintf("Security Hub's copy in %s: %v", region, err)
			results[i] = r
			logResult(log, r)
			continue
		}
		d := p.Decide(f)
		if d.Action == policy.Skip || d.Action == policy.Retry {
			results[i] = settled(r, d)
			logResult(log, results[i])
			continue
		}
		jobs = append(jobs, job{index: i, finding: f, decision: d})
	}
	return jobs
}

// unconfirmed is the job of a dry run on the event's own copy (the event
// passed Decide already; decided again here for its setting).
func unconfirmed(p *policy.Policy, i int, f finding.Finding, why string) job {
	return job{index: i, finding: f, decision: p.Decide(f), unconfirmed: why}
}

// settled is the result of a finding skipped or held back by its decision.
// A Retry is reported as failed: nothing was done, the finding stays NEW,
// and SQS delivers its message again.
func settled(r Result, d policy.Decision) Result {
	r.Decision, r.Reason = Skipped, d.Reason
	if d.Action == policy.Retry {
		r.Decision = Failed
	}
	return r
}

func logResult(log *slog.Logger, r Result) {
	log.Info(r.Decision, "finding", r.ID, "account", r.Account, "region", r.Region, "cis", r.CIS, "resource", r.Resource, "reason", r.Reason)
}
