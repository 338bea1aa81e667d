package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/hub"
	"github.com/cisguard/cisguard/internal/policy"
)

// run is the state of one Run.
type run struct {
	e       *Engine
	log     *slog.Logger // bounds repeated failures (Quiet)
	results []Result
	updates *hub.Flusher
	// progress counts settled findings (Options.Progress).
	progress func(n int)

	mu sync.Mutex
	// access holds, per account, the first request for its member
	// clients: a role that cannot be assumed is tried once per run, and
	// the account's other findings fail with the same error.
	access map[string]func() (firstAccess, error)
	// left counts the findings of each update group (hub region, CIS
	// control) still to be handled; the group's updates are sent when
	// it reaches zero.
	left map[group]int
}

type group struct{ region, cis string }

// firstAccess is the answer to the first request for an account's member
// clients, in the region of the finding that made it.
type firstAccess struct {
	clients awsapi.Clients
	region  string
}

func groupOf(f finding.Finding) group { return group{f.HubRegion, f.CIS} }

// Run handles every finding and returns one result each, in input order.
// Security Hub updates are sent as findings complete (all those of one
// control and outcome together, see hub.Flusher); Run returns when every
// earned update was sent, even if ctx was cancelled meanwhile.
//
// When ctx has a deadline, no finding starts less than Options.Margin
// before it (less Options.Reserve): those fail untouched, to be retried.
func (e *Engine) Run(ctx context.Context, fs []finding.Finding) []Result {
	r, done := e.newRun(ctx, len(fs), true)
	defer done()
	jobs := e.intake(ctx, r.log, e.policy(ctx), fs, r.results)
	r.progress(len(fs) - len(jobs))
	r.execute(ctx, jobs)
	return r.results
}

// newRun returns the state of a run of n findings; done ends it: it sends
// the Security Hub updates still waiting and logs the count of repeated
// failures. Without updates (a scan's remediation), nothing is sent to
// Security Hub.
func (e *Engine) newRun(ctx context.Context, n int, updates bool) (*run, func()) {
	log, summarize := Quiet(e.opts.Logger)
	r := &run{e: e, log: log, results: make([]Result, n), progress: e.progress(n), access: map[string]func() (firstAccess, error){}, left: map[group]int{}}
	if updates {
		r.updates = &hub.Flusher{Hub: e.cloud.Hub, Context: ctx}
	}
	return r, func() {
		if r.updates != nil {
			r.updates.Close()
		}
		summarize()
	}
}

// execute handles the jobs with the run's workers, in the scheduler's
// order (schedule.go).
func (r *run) execute(ctx context.Context, jobs []job) {
	for i := range jobs {
		jobs[i].keys = r.e.keys(jobs[i])
		r.left[groupOf(jobs[i].finding)]++
	}
	work, cancel := r.e.workContext(ctx)
	defer cancel()
	s := newScheduler(jobs, r.e.cfg.AccountConcurrency)
	var wg sync.WaitGroup
	for range min(r.e.cfg.Concurrency, len(jobs)) {
		wg.Go(func() {
			for {
				j, ok := s.take()
				if !ok {
					return
				}
				r.do(work, j)
				s.done(j)
			}
		})
	}
	wg.Wait()
}

// do handles one job, or fails it untouched when the deadline is near.
func (r *run) do(ctx context.Context, j *job) {
	res := &r.results[j.index]
	if left, late := r.e.late(ctx); late {
		*res = newResult(j.finding)
		res.Decision = Failed
		res.Reason = fmt.Sprintf("not started: %s left before the invocation's deadline, less than the %s a finding may take; nothing done, retried later",
			left.Round(time.Millisecond), r.e.opts.Margin)
		logResult(r.log, *res)
	} else {
		*res = r.e.handle(ctx, r, *j)
		if r.updates != nil {
			r.e.queueUpdate(r.updates, r.log, res)
		}
	}
	r.progress(1)
	g := groupOf(j.finding)
	r.mu.Lock()
	r.left[g]--
	last := r.left[g] == 0
	r.mu.Unlock()
	if last && r.updates != nil {
		r.updates.Flush(g.region, g.cis)
	}
}

// member returns the member clients of a finding's account and region.
// The first finding of an account asks for them; the others of the run
// wait for its answer, and fail with the same error when the role could
// not be assumed, without asking again.
func (r *run) member(ctx context.Context, f finding.Finding) (awsapi.Clients, error) {
	r.mu.Lock()
	first, ok := r.access[f.Account]
	if !ok {
		first = sync.OnceValues(func() (firstAccess, error) {
			c, err := r.e.cloud.Member(ctx, f.Partition, f.Account, f.Region)
			return firstAccess{c, f.Region}, err
		})
		r.access[f.Account] = first
	}
	r.mu.Unlock()
	a, err := first()
	if err != nil || a.region == f.Region {
		return a.clients, err
	}
	return r.e.cloud.Member(ctx, f.Partition, f.Account, f.Region)
}

// keys are what the fix of a job writes: its resource (for a finding about
// an account, the account in its region) and the singletons its control
// declares. A job that does not write (notify mode, dry run) has none.
func (e *Engine) keys(j job) []string {
	if j.decision.Action != policy.Remediate || e.opts.DryRun {
		return nil
	}
	f := j.finding
	res := f.Account + " " + f.Resource.ID
	if f.Resource.IsAccount() {
		res += " " + f.Region
	}
	keys := []string{res}
	for _, s := range j.decision.Setting.Control.Writes {
		k := f.Account + " " + s.Name
		if s.Regional {
			k += " " + f.Region
		}
		keys = append(keys, k)
	}
	return keys
}

// workContext is ctx less Options.Reserve before its deadline.
func (e *Engine) workContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && e.opts.Reserve > 0 {
		return context.WithDeadline(ctx, d.Add(-e.opts.Reserve))
	}
	return context.WithCancel(ctx)
}

// late reports whether less than Options.Margin is left before ctx's
// deadline, and how much is left.
func (e *Engine) late(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Deadline()
	if !ok {
		return 0, false
	}
	left := d.Sub(e.clock())
	return left, left < e.opts.Margin
}
