package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/hub"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// Outcomes of a revert, per recorded action.
const (
	Restored   = "restored"     // the prior state was put back
	WouldDo    = "planned"      // dry run: the revert plan was shown
	AsBefore   = "as before"    // nothing to do: the prior state is there already
	Kept       = "kept"         // left as cisguard made it, by design (Prior.Kept)
	NotRestore = "not restored" // cannot be restored, or changed since: see Reason
)

// Members gives a revert the member accounts' clients (Cloud does).
type Members interface {
	Member(ctx context.Context, partition, account, region string) (awsapi.Clients, error)
}

// Reverted is what a revert did about one recorded action.
type Reverted struct {
	Finding string `json:"finding"`
	Account string `json:"account"`
	Region  string `json:"region"`
	CIS     string `json:"cis"`
	// Action is the description of the action reverted.
	Action string `json:"action"`
	// Record is what the action replaced; nil when it recorded nothing.
	Record  *plan.Prior `json:"record"`
	Outcome string      `json:"outcome"`
	// Steps are the revert's own actions (done, or planned in a dry run).
	Steps []plan.Result `json:"steps,omitempty"`
	// Reason says why nothing was (or could be) restored, and notes.
	Reason string `json:"reason,omitempty"`
}

// Failed reports whether the record was not restored.
func (r Reverted) Failed() bool { return r.Outcome == NotRestore }

// record is one recorded action of a result, where to revert it.
type record struct {
	result *Result
	action plan.Result
	order  int
}

// RevertOptions change how a revert runs.
type RevertOptions struct {
	DryRun bool
	Logger *slog.Logger
	Now    func() time.Time
}

// Revert restores what the applied actions of results replaced: every
// record, newest first (by the time it was applied; the file's order
// breaks ties), each in its finding's account and region through the
// member role, under the declaration of the control that made the change
// (which declares its revert's writes). A record whose resource changed
// since cisguard set it is not overwritten. With DryRun only the revert
// plans are built (reads only).
func Revert(ctx context.Context, m Members, results []Result, opts RevertOptions) []Reverted {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var recs []record
	for i := range results {
		for _, a := range results[i].Actions {
			if a.Done {
				recs = append(recs, record{result: &results[i], action: a, order: len(recs)})
			}
		}
	}
	at := func(r record) time.Time {
		if r.action.Prior == nil {
			return time.Time{}
		}
		return r.action.Prior.At
	}
	slices.SortStableFunc(recs, func(a, b record) int {
		if c := at(b).Compare(at(a)); c != 0 {
			return c
		}
		return cmp.Compare(b.order, a.order)
	})
	out := make([]Reverted, 0, len(recs))
	// A dry run applies nothing, so a record whose revert depends on
	// another resource (a role a trail delivers through, a topic an alarm
	// notifies) reads that resource as the newer records it would have
	// restored leave it (controls.Restoring).
	var restored []*plan.Prior
	for _, rc := range recs {
		rv := revertOne(ctx, m, rc, opts, restored)
		if opts.DryRun && rv.Outcome == WouldDo {
			restored = append(restored, rc.action.Prior)
		}
		opts.Logger.Info("revert", "finding", rv.Finding, "account", rv.Account, "region", rv.Region, "action", rv.Action, "outcome", rv.Outcome, "reason", rv.Reason)
		out = append(out, rv)
	}
	return out
}

func revertOne(ctx context.Context, m Members, rc record, opts RevertOptions, restored []*plan.Prior) Reverted {
	r, pr := rc.result, rc.action.Prior
	rv := Reverted{Finding: r.ID, Account: r.Account, Region: r.Region, CIS: r.CIS, Action: rc.action.Description, Record: pr}
	fail := func(format string, args ...any) Reverted {
		rv.Outcome, rv.Reason = NotRestore, fmt.Sprintf(format, args...)
		return rv
	}
	if pr == nil || pr.Kind == "" {
		rv.Record = nil
		return fail("the action recorded nothing to restore (%s changes are not recorded by this version of cisguard): undo it by hand", r.CIS)
	}
	if pr.Decided() {
		// Decided by the record alone: no account is asked.
		p, err := controls.Undo(ctx, nil, pr)
		if err != nil {
			return fail("%v", err)
		}
		return settle(rv, p)
	}
	c, ok := controls.Lookup(r.CIS)
	if !ok {
		return fail("no control %q: the result file is not cisguard's, or of another version", r.CIS)
	}
	member, err := m.Member(ctx, r.partition(), r.Account, r.Region)
	if err != nil {
		return fail("account %s, region %s: %v", r.Account, r.Region, err)
	}
	t := &controls.Target{Clients: member, Resource: finding.Resource{ID: r.Resource, Partition: r.partition(), Region: r.Region}, Now: opts.Now()}
	declared := c.Permissions
	if opts.DryRun {
		declared = perms.Reads(declared)
		ctx = controls.Restoring(ctx, restored)
	}
	cctx := perms.Declare(ctx, c.ID, declared)
	p, err := controls.Undo(cctx, t, pr)
	if err != nil {
		return fail("account %s, region %s, %s %s: %v", r.Account, r.Region, pr.Kind, pr.Resource, err)
	}
	rv = settle(rv, p)
	switch {
	case p.Empty():
	case opts.DryRun:
		rv.Steps = plan.Pending(p).Results
		if !rv.Failed() {
			rv.Outcome = WouldDo
		}
	default:
		o := plan.Apply(cctx, p)
		rv.Steps = o.Results
		if o.Err != nil {
			return fail("account %s, region %s: %v", r.Account, r.Region, o.Err)
		}
		if !rv.Failed() {
			rv.Outcome = Restored
		}
	}
	return rv
}

// settle gives a revert plan its outcome before any action runs: not
// restored when it leaves something (lost, or changed since), kept when
// it only accepts (kept by design), else as before; notes become the
// reason.
func settle(rv Reverted, p *plan.Plan) Reverted {
	var left, kept []string
	for _, x := range p.Residuals {
		if x.Accepted {
			kept = append(kept, x.Reason)
		} else {
			left = append(left, strings.Join(append([]string{x.Reason}, x.Steps...), "; "))
		}
	}
	switch {
	case len(left) > 0:
		rv.Outcome, rv.Reason = NotRestore, strings.Join(left, "; ")
	case len(kept) > 0:
		rv.Outcome, rv.Reason = Kept, strings.Join(kept, "; ")
	default:
		rv.Outcome, rv.Reason = AsBefore, strings.Join(p.Notes, "; ")
	}
	return rv
}

// partition is the result's partition, or for results written before it
// was recorded, the partition of the resource ARN ("aws" otherwise).
func (r *Result) partition() string {
	if r.Partition != "" {
		return r.Partition
	}
	if p := strings.SplitN(r.Resource, ":", 3); len(p) == 3 && p[0] == "arn" {
		return p[1]
	}
	return "aws"
}

// withUndo ends a Security Hub note with the brief records of the done
// actions and where their full prior state is, shortening the rest so
// that all of it fits Security Hub's 512 characters.
func withUndo(note string, done []plan.Result) string {
	briefs := plan.Briefs(done)
	if briefs == "" {
		return note
	}
	suffix := cut(". Replaced (prior state in full in the notification and the JSON result; cisguard revert restores it): "+briefs, hub.MaxNote/2)
	return cut(note, hub.MaxNote-len(suffix)) + suffix
}

// cut shortens s to at most n bytes, ending in "…", without splitting a
// character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	i := n - len(ell)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ell
}

// revertRecord is the finding's result as `cisguard revert --result`
// reads it, when an applied action recorded what it replaced: the
// notification carries it, so that a change made by the Lambda can be
// reverted from the message alone.
func revertRecord(r *Result) string {
	if len(plan.Records(r.Actions)) == 0 {
		return ""
	}
	b, err := json.MarshalIndent(struct {
		Findings []Result `json:"findings"`
	}{[]Result{*r}}, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}
