// Package scan checks CIS AWS Foundations v1.4.0 in accounts of an
// organization: every selected recommendation, in every enabled region,
// with one bounded pool of workers across accounts × regions × controls.
//
// Each account is read through one per-scan cache (package memo), so a
// read that several checks make is sent once per account, region and
// input. A failing read never stops the scan: what it prevented becomes
// ERROR results that carry the AWS error.
package scan

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/memo"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/report"
)

// Account is an account to scan.
type Account struct {
	ID        string
	Partition string
	Name      string
}

// Cloud gives a scan the clients of each account: the member role's, or
// the caller's own credentials for the caller's account. engine.AWS and
// fake.Org are Clouds.
type Cloud interface {
	Member(ctx context.Context, partition, account, region string) (awsapi.Clients, error)
}

// Options say what to scan and how.
type Options struct {
	// Home is the region of account-wide checks (IAM, S3, account
	// settings) and of the region lookup; it is scanned only when enabled.
	Home string
	// Regions narrows the scan to these regions; nil scans every region
	// enabled in each account. A region given but not enabled is skipped.
	Regions []string
	// Controls selects recommendations by id or pattern ("1.20", "4.*",
	// "2.1"); nil selects all.
	Controls []string
	// Parallel bounds the checks that run at once, across every account
	// and region (default 16).
	Parallel  int
	Settings  *controls.Settings
	ExemptTag config.Tag
	// Alarms is the administrator's alarm queue section 4 plans with (nil
	// when none is configured), so that a scan's verdict is the engine's.
	Alarms *controls.AlarmQueue
	// Now is the clock age thresholds are measured against.
	Now func() time.Time
	// Progress, when set, is told how many checks are done out of how
	// many are known so far (the total grows as accounts are prepared).
	Progress func(done, total int)
}

// Permissions are what a scan calls itself, beside the controls' reads:
// the regions enabled in each account.
var Permissions = controls.ScanPermissions

// Select returns the controls a scan runs for patterns: a control id, a
// prefix of whole id parts ("4", "2.1.5") or a glob ("4.*"), matched as
// catalog.Select matches them. No pattern
// selects every scannable control; a pattern that selects nothing is an
// error.
func Select(patterns []string) ([]*controls.Control, error) {
	var out []*controls.Control
	used := map[string]bool{}
	for _, c := range controls.All() {
		if c.Per == controls.Unscanned {
			continue
		}
		if len(patterns) == 0 {
			out = append(out, c)
			continue
		}
		for _, p := range patterns {
			if catalog.Matches(p, c.ID) {
				out = append(out, c)
				used[p] = true
				break
			}
		}
	}
	for _, p := range patterns {
		if !used[p] {
			return nil, fmt.Errorf("--controls %q selects no recommendation cisguard checks", p)
		}
	}
	return out, nil
}

// Run scans the accounts and returns every result; it fails only when
// the options select no control.
func Run(ctx context.Context, cloud Cloud, accounts []Account, opts Options) (*report.Report, error) {
	started := time.Now()
	if opts.Parallel <= 0 {
		opts.Parallel = 16
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	sel, err := Select(opts.Controls)
	if err != nil {
		return nil, err
	}
	r := &runner{cloud: cloud, opts: opts, controls: sel}
	for _, a := range accounts {
		r.push(unit{account: &accountScan{Account: a}})
	}
	var wg sync.WaitGroup
	for range opts.Parallel {
		wg.Go(func() { r.work(ctx) })
	}
	wg.Wait()
	return report.New(r.results, started), nil
}

// unit is one piece of work: preparing an account (its clients and
// enabled regions), or one control in one account and region.
type unit struct {
	account *accountScan
	control *controls.Control // nil: prepare the account
	region  string
}

// accountScan is an account being scanned.
type accountScan struct {
	Account
	home    awsapi.Clients // memo clients of the home region
	regions []string       // enabled and selected
	pending int            // units not done; the cache is dropped at 0
}

type runner struct {
	cloud    Cloud
	opts     Options
	controls []*controls.Control

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []unit
	active  int // units being worked on
	done    int
	total   int
	results []report.Result
}

func (r *runner) push(us ...unit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cond == nil {
		r.cond = sync.NewCond(&r.mu)
	}
	for _, u := range us {
		u.account.pending++
	}
	r.queue = append(r.queue, us...)
	r.total += len(us)
	r.cond.Broadcast()
}

// work takes units until none is left and none is being worked on (a
// unit being worked on may add more).
func (r *runner) work(ctx context.Context) {
	for {
		r.mu.Lock()
		if r.cond == nil {
			r.cond = sync.NewCond(&r.mu)
		}
		for len(r.queue) == 0 && r.active > 0 {
			r.cond.Wait()
		}
		if len(r.queue) == 0 {
			r.mu.Unlock()
			return
		}
		u := r.queue[0]
		r.queue = r.queue[1:]
		r.active++
		r.mu.Unlock()

		rs := r.run(ctx, u)

		r.mu.Lock()
		r.results = append(r.results, rs...)
		r.active--
		r.done++
		if u.account.pending--; u.account.pending == 0 {
			u.account.home = nil // let the account's cache go
		}
		done, total := r.done, r.total
		r.cond.Broadcast()
		r.mu.Unlock()
		if r.opts.Progress != nil {
			r.opts.Progress(done, total)
		}
	}
}

// run does one unit; a panic in a check is an ERROR result, not the end
// of the scan.
func (r *runner) run(ctx context.Context, u unit) (rs []report.Result) {
	defer func() {
		if p := recover(); p != nil {
			id := "account"
			if u.control != nil {
				id = u.control.ID
			}
			rs = append(rs, r.errored(u, u.region, fmt.Errorf("internal error in %s: %v\n%s", id, p, debug.Stack()))...)
		}
	}()
	if u.control == nil {
		return r.prepare(ctx, u.account)
	}
	return r.check(ctx, u)
}

// prepare gets an account's clients and enabled regions, then queues its
// checks: the account-wide ones in the home region, the others in each
// region.
func (r *runner) prepare(ctx context.Context, a *accountScan) []report.Result {
	if a.Partition == "" {
		a.Partition = "aws"
	}
	c, err := r.cloud.Member(ctx, a.Partition, a.ID, r.opts.Home)
	if err != nil {
		return r.errored(unit{account: a}, r.opts.Home, err)
	}
	home := memo.New(c)
	regions, err := enabledRegions(ctx, home)
	if err != nil {
		if r.opts.Regions == nil {
			return r.errored(unit{account: a}, r.opts.Home, err)
		}
		regions = r.opts.Regions // scan what was asked; reads in a disabled region fail as ERROR
	}
	if r.opts.Regions != nil {
		regions = slices.DeleteFunc(regions, func(x string) bool { return !slices.Contains(r.opts.Regions, x) })
	}
	a.home, a.regions = home, regions
	var us []unit
	for _, c := range r.controls {
		switch c.Per {
		case controls.PerAccount:
			us = append(us, unit{account: a, control: c, region: r.opts.Home})
		case controls.PerRegion:
			for _, reg := range regions {
				us = append(us, unit{account: a, control: c, region: reg})
			}
		}
	}
	r.push(us...)
	return nil
}

// enabledRegions asks EC2 for the regions enabled in the account.
func enabledRegions(ctx context.Context, c awsapi.Clients) ([]string, error) {
	ctx = perms.Declare(ctx, "scan", Permissions)
	out, err := c.EC2().DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(false)})
	if err != nil {
		return nil, fmt.Errorf("account %s: list enabled regions (ec2:DescribeRegions in %s): %w", c.Account(), c.Region(), err)
	}
	var regions []string
	for _, x := range out.Regions {
		regions = append(regions, aws.ToString(x.RegionName))
	}
	slices.Sort(regions)
	return regions, nil
}

// check runs one control in one account and region.
func (r *runner) check(ctx context.Context, u unit) []report.Result {
	a := u.account
	clients, err := a.home.In(u.region)
	if err != nil {
		return r.errored(u, u.region, err)
	}
	st, ok := r.opts.Settings.For(u.control.ID)
	if !ok {
		return r.errored(u, u.region, fmt.Errorf("no settings for %s", u.control.ID))
	}
	t := &controls.Target{
		Clients:   clients,
		Resource:  controls.AccountResource(a.Partition, a.ID, u.region),
		Params:    st.Params,
		ExemptTag: r.opts.ExemptTag,
		Now:       r.opts.Now(),
		Settings:  r.opts.Settings,
		Regions:   a.regions,
		Alarms:    r.opts.Alarms,
	}
	var out []report.Result
	for _, x := range controls.Evaluate(ctx, u.control, t) {
		if reg := x.Resource.Region; u.control.Per == controls.PerAccount && reg != "" && reg != r.opts.Home && !slices.Contains(a.regions, reg) {
			continue // a resource of a region not scanned
		}
		out = append(out, r.result(a, u.control.ID, u.region, x))
	}
	return out
}

func (r *runner) result(a *accountScan, cis, region string, x controls.Result) report.Result {
	if x.Resource.Region != "" {
		region = x.Resource.Region
	}
	res := report.Result{CIS: cis, Account: a.ID, Region: region, Resource: x.Resource.ID, Status: x.Status, Reason: x.Reason, Partition: a.Partition, Target: x.Resource}
	if x.Status != controls.Pass && x.Plan != nil {
		for _, act := range x.Plan.Actions {
			res.Remediation = append(res.Remediation, act.Description)
		}
		for _, left := range x.Plan.Residuals {
			res.Left = append(res.Left, left.Reason)
		}
	}
	return res
}

// errored returns an ERROR result per control the unit stands for: the
// unit's own control, or every selected control when the account could
// not be prepared.
func (r *runner) errored(u unit, region string, err error) []report.Result {
	a := u.account
	cs := r.controls
	if u.control != nil {
		cs = []*controls.Control{u.control}
	}
	var out []report.Result
	for _, c := range cs {
		x := controls.Result{Resource: controls.AccountResource(a.Partition, a.ID, region), Status: controls.Error, Reason: err.Error()}
		out = append(out, r.result(a, c.ID, region, x))
	}
	return out
}
