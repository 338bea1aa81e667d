// Package engine is cisguard's pipeline for a batch of findings:
//
//	intake: decide on the event's copy (policy) → confirm with Security Hub
//	        (GetFindings: act on its own copy) → decide again on that copy
//	handle: member clients (assumed role) → plan from live state →
//	        dry-run: show │ apply → verify → notify (SNS)
//	update: Security Hub workflow and note, sent as findings complete
//
// Findings run concurrently up to the configured bounds, accounts taking
// turns (schedule.go). Two findings whose fixes write the same thing (the
// same resource, or a singleton of the account their controls declare,
// such as the password policy) run one after the other, which saves
// duplicate work; findings about different resources of one account run
// side by side. Correctness does not rest on the ordering: other
// processes may handle the same account at the same time, and every
// control's writes converge whatever the interleaving.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/hub"
	"github.com/cisguard/cisguard/internal/notify"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
	"github.com/cisguard/cisguard/internal/policy"
)

// Decisions reported per finding.
const (
	Remediated = "remediated" // the plan was applied
	Planned    = "planned"    // dry-run: the plan was shown, nothing changed
	Notified   = "notified"   // manual steps were sent, nothing changed
	Skipped    = "skipped"    // nothing to do, with the reason
	Failed     = "failed"     // the finding could not be handled (it stays NEW and is retried)
)

// Cloud gives the engine its AWS clients.
type Cloud interface {
	// Member returns the clients of a member account and region, acting as
	// the member role; it fails when the role cannot be assumed.
	Member(ctx context.Context, partition, account, region string) (awsapi.Clients, error)
	// Hub returns Security Hub in a region, with the engine's own credentials.
	Hub(region string) hub.API
	// SNS returns SNS in a region, with the engine's own credentials.
	SNS(region string) awsapi.SNS
	// ManagementAccount returns the organization's management account, or
	// "" when the engine's account is confirmed to be in no organization.
	ManagementAccount(ctx context.Context) (string, error)
	// CallerAccount returns the account of the engine's own credentials.
	CallerAccount(ctx context.Context) (string, error)
}

// Options change how a run behaves.
type Options struct {
	// DryRun plans without changing, notifying or updating anything.
	DryRun bool
	// NoAssumeRole: the member clients are the engine's own credentials
	// (cisguard remediate --no-assume-role), so only findings of the
	// caller's own account are acted on.
	NoAssumeRole bool
	// Margin is the time a finding may take: none starts when less than
	// Margin is left before the run's deadline (the context's deadline,
	// less Reserve). It is reported failed instead, nothing done, so that
	// it is retried (the Lambda returns its message to the queue).
	Margin time.Duration
	// Reserve is kept at the end of the context's deadline for sending
	// Security Hub updates and answering: work still running then is
	// cancelled and its findings fail.
	Reserve time.Duration
	Logger  *slog.Logger
	// Progress, when set, is called each time a finding is settled, with
	// the number settled so far and the total; calls never overlap.
	Progress func(done, total int)
	// Now is the clock (tests set it).
	Now func() time.Time
}

// Engine handles findings. It is safe for concurrent use and meant to live
// as long as the process: what it learns once (the management account,
// the caller's account) is kept, what failed is asked again next run.
type Engine struct {
	cfg      *config.Config
	settings *controls.Settings
	cloud    Cloud
	opts     Options
	sender   *notify.Sender
	// alarms is the administrator account's alarm queue, subscribed to the
	// member alarm topics section 4 sets up; nil when not configured.
	alarms *controls.AlarmQueue

	management known // the organization's management account
	caller     known // the account of the engine's credentials

	// clock tells the time deadlines are measured against (tests set it).
	clock func() time.Time
}

// known is a value kept once it was obtained; a failure is not kept.
type known struct {
	mu    sync.Mutex
	ok    bool
	value string
}

func (k *known) get(fetch func() (string, error)) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ok {
		return k.value, nil
	}
	v, err := fetch()
	if err != nil {
		return "", err
	}
	k.value, k.ok = v, true
	return v, nil
}

// New returns an engine.
func New(cfg *config.Config, settings *controls.Settings, cloud Cloud, opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Engine{cfg: cfg, settings: settings, cloud: cloud, opts: opts, clock: time.Now}
	e.sender = &notify.Sender{TopicARN: cfg.Notifications.TopicARN, MemberTopic: cfg.Notifications.MemberTopic}
	if t := cfg.Notifications.TopicARN; t != "" {
		e.sender.Central = cloud.SNS(arnRegion(t))
	}
	if q := cfg.Notifications.AlarmQueueARN; q != "" {
		e.alarms = &controls.AlarmQueue{ARN: q, SNS: cloud.SNS}
	}
	return e
}

// Result is what happened to one finding.
type Result struct {
	ID        string        `json:"id"`
	Partition string        `json:"partition,omitempty"`
	Account   string        `json:"account"`
	Region    string        `json:"region"`
	CIS       string        `json:"cis"`
	Control   string        `json:"control"`
	Resource  string        `json:"resource"`
	Decision  string        `json:"decision"`
	Reason    string        `json:"reason"`
	Actions   []plan.Result `json:"actions"`
	Notes     []string      `json:"notes,omitempty"`
	// Residuals are what the last plan leaves non-compliant.
	Residuals []plan.Residual `json:"residuals,omitempty"`
	// Guidance holds the manual steps of a notified finding.
	Guidance *controls.Guidance `json:"guidance,omitempty"`
	// Notification is "sent", "" when none was due, or why sending failed.
	Notification string `json:"notification,omitempty"`
	// Workflow is the status set in Security Hub, why setting it failed, or
	// why it was left as it was.
	Workflow string `json:"workflow,omitempty"`

	Finding finding.Finding `json:"-"`
	// update is the Security Hub update the finding earned; its Shared
	// holds the outcome alone until queueUpdate makes it the shared note.
	update *hub.Update
}

// briefly returns v and err, err's text shortened by awsapi.Brief.
func briefly(v string, err error) (string, error) {
	if err != nil {
		return v, briefError{err}
	}
	return v, nil
}

type briefError struct{ err error }

func (b briefError) Error() string { return awsapi.Brief(b.err) }
func (b briefError) Unwrap() error { return b.err }

// progress returns the function that counts settled findings and
// reports them to Options.Progress.
func (e *Engine) progress(total int) func(n int) {
	var (
		mu   sync.Mutex
		done int
	)
	return func(n int) {
		if e.opts.Progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		done += n
		e.opts.Progress(done, total)
	}
}

// ManagementAccount returns the organization's management account: the
// configured one, else AWS Organizations' answer, asked once per process
// (a failure is asked again next time). "" means no organization.
func (e *Engine) ManagementAccount(ctx context.Context) (string, error) {
	if m := e.cfg.ManagementAccount; m != "" {
		return m, nil
	}
	return e.management.get(func() (string, error) { return briefly(e.cloud.ManagementAccount(ctx)) })
}

// policy returns the decisions of one run. The management account and the
// caller's account are looked up at most once per run, and only when a
// decision needs them; once known they are kept for later runs.
func (e *Engine) policy(ctx context.Context) *policy.Policy {
	p := &policy.Policy{Config: e.cfg, Settings: e.settings}
	p.Management = sync.OnceValues(func() (string, error) {
		m, err := e.ManagementAccount(ctx)
		if err != nil {
			e.opts.Logger.Warn("management account unknown: findings are not acted on until it is known", "error", err)
		}
		return m, err
	})
	if e.opts.NoAssumeRole {
		p.Caller = sync.OnceValues(func() (string, error) {
			return e.caller.get(func() (string, error) { return briefly(e.cloud.CallerAccount(ctx)) })
		})
	}
	return p
}

func (e *Engine) handle(ctx context.Context, run *run, j job) Result {
	f, d := j.finding, j.decision
	r := newResult(f)
	log := run.log.With("finding", f.ID, "account", f.Account, "region", f.Region, "cis", f.CIS, "resource", f.Resource.ID)

	member, err := run.member(ctx, f)
	if err != nil {
		r.fail("", err)
		log.Error("no access to member account", "error", err)
		if !e.opts.DryRun {
			e.notify(ctx, log, &r, nil)
		}
		return r
	}
	c := d.Setting.Control
	t := &controls.Target{Clients: member, Resource: f.Resource, Params: d.Setting.Params, ExemptTag: e.cfg.ExemptTag, Now: e.opts.Now(), Settings: e.settings, Alarms: e.alarms}
	cctx := perms.Declare(ctx, c.ID, declaration(c, d.Action, e.opts.DryRun))

	e.remediate(cctx, &r, c, t, d.Action == policy.Notify, log)
	if j.unconfirmed != "" {
		r.Reason += " (" + j.unconfirmed + ")"
	}
	if !e.opts.DryRun && r.Decision != Skipped {
		e.notify(ctx, log, &r, member)
	}
	return r
}

// fail marks a result failed. Its reason names the account, the region
// and the resource, the step that failed and AWS's answer in brief (the
// IAM action, AWS's code and message), never the SDK's raw chain.
func (r *Result) fail(step string, err error) {
	r.Decision = Failed
	where := fmt.Sprintf("account %s, %s, %s", orDash(r.Account), orDash(r.Region), orDash(r.Resource))
	if step != "" {
		where += ": " + step
	}
	r.Reason = where + ": " + awsapi.Brief(err)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// applyStep names the action a failed apply stopped at and what was done
// before it.
func applyStep(o plan.Outcome) string {
	done, at := 0, ""
	for _, a := range o.Results {
		if a.Done {
			done++
		} else if at == "" {
			at = a.Description
		}
	}
	return fmt.Sprintf("apply %q (%d of %d actions done before it)", at, done, len(o.Results))
}

// cause unwraps the description plan.Apply puts before an action's error.
func cause(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

func newResult(f finding.Finding) Result {
	return Result{ID: f.ID, Partition: f.Partition, Account: f.Account, Region: f.Region, CIS: f.CIS, Control: f.SecurityControl, Resource: f.Resource.ID, Actions: []plan.Result{}, Finding: f}
}

// remediate plans and, unless the control is in notify mode or this is a
// dry run, applies the plan and plans again to verify it. Every path ends
// in the verdict of a fresh plan (conclude).
func (e *Engine) remediate(ctx context.Context, r *Result, c *controls.Control, t *controls.Target, notifyOnly bool, log *slog.Logger) {
	p, err := controls.Check(ctx, c, t)
	if err != nil {
		r.fail("plan "+c.ID+" from the live state", err)
		log.Error("plan failed", "error", err)
		return
	}
	r.Notes = p.Notes
	switch {
	case p.State() != plan.Changes:
		conclude(r, p, nil)
	case notifyOnly:
		g := controls.PlanGuidance(c, t, p)
		r.Decision, r.Reason, r.Guidance = Notified, fmt.Sprintf("controls.%s.mode is notify: manual steps sent", c.ID), g
		r.update = &hub.Update{Status: shtypes.WorkflowStatusNotified, Note: "cisguard sent manual steps: " + g.Summary,
			Shared: "manual steps sent (mode notify), nothing changed"}
		log.Info("guidance", "summary", g.Summary, "steps", len(g.Steps))
	case e.opts.DryRun:
		r.Decision, r.Reason = Planned, "dry run: nothing was changed"
		if left := residualText(p, false); left != "" {
			r.Reason += "; the plan would still leave to a person: " + left
		}
		r.Actions = plan.Pending(p).Results
		r.Residuals = p.Residuals
	default:
		o := plan.Apply(ctx, p)
		r.Actions = o.Results
		for _, a := range o.Results {
			log.Info("action", "control", c.ID, "description", a.Description, "done", a.Done, "error", a.Error)
		}
		if o.Err != nil {
			// Another process may have made the change meanwhile (the same
			// SQS message handled twice at once, a person): when a fresh
			// plan finds nothing left to do, the failure changed nothing
			// that matters.
			again, err := controls.Check(ctx, c, t)
			if err != nil || again.State() != plan.Compliant {
				r.fail(applyStep(o), cause(o.Err))
				return
			}
			r.Notes = append(r.Notes, "compliant after all: another change was made while this one ran ("+awsapi.Brief(o.Err)+")")
			conclude(r, again, done(o.Results))
			return
		}
		again, err := controls.Check(ctx, c, t)
		if err != nil {
			again = &plan.Plan{}
			again.Leave("not verified: planning again failed: " + err.Error())
		}
		conclude(r, again, o.Results)
	}
}

// conclude gives a finding the verdict of a fresh plan, after applying
// the actions done (none when the resource needed no change):
//
//   - compliant (nothing to change, nothing left): RESOLVED, since Security
//     Hub's next check passes;
//   - unresolved (a condition only a person can change, or the fix that did
//     not verify): NOTIFIED with the reason and the steps;
//   - excepted (only exceptions the user configured): SUPPRESSED.
//
// Security Hub moves a RESOLVED finding back to NEW only when its
// compliance changes from PASSED to FAILED, so a finding it still fails
// must never be RESOLVED: it would stay buried. A NOTIFIED one that
// passes is set to RESOLVED by Security Hub itself.
func conclude(r *Result, p *plan.Plan, done []plan.Result) {
	r.Residuals = p.Residuals
	var what, note string
	if done != nil {
		r.Decision = Remediated
		what = fmt.Sprintf("%d action(s) applied", len(done))
		note = "cisguard remediated (%s): " + joinDescriptions(done)
	}
	if p.State() == plan.Changes {
		// The fix did not take: what the plan would still do is left.
		still := strings.Join(descriptions(p), "; ")
		p = &plan.Plan{Residuals: p.Residuals}
		p.Leave("not verified: a fresh plan still has " + still)
	}
	switch p.State() {
	case plan.Compliant:
		if done == nil {
			r.Decision, r.Reason = Skipped, "already compliant: nothing to change"
			if len(r.Notes) > 0 {
				r.Reason = "nothing to change: " + strings.Join(r.Notes, "; ")
			}
			r.update = &hub.Update{Status: shtypes.WorkflowStatusResolved, Note: "cisguard found nothing to change: " + r.Reason,
				Shared: "already compliant, nothing changed"}
			return
		}
		r.Reason = what + ", verified"
		r.update = &hub.Update{Status: shtypes.WorkflowStatusResolved, Note: fmt.Sprintf(note, "verified"),
			Shared: "remediated and verified"}
	case plan.Unresolved:
		left := residualText(p, false)
		if done == nil {
			r.Decision, r.Reason = Notified, "nothing cisguard can change: "+left
			r.update = &hub.Update{Status: shtypes.WorkflowStatusNotified, Note: "cisguard: a person must act: " + left,
				Shared: "nothing cisguard can change, a person must act"}
		} else {
			r.Reason = what + ", not resolved: " + left
			r.update = &hub.Update{Status: shtypes.WorkflowStatusNotified, Note: fmt.Sprintf(note, "not resolved") + ". Left: " + left,
				Shared: "remediated in part, a person must act on the rest"}
		}
		r.Guidance = &controls.Guidance{Summary: left}
		for _, x := range p.Residuals {
			if !x.Accepted {
				r.Guidance.Steps = append(r.Guidance.Steps, x.Steps...)
			}
		}
	case plan.Excepted:
		accepted := residualText(p, true)
		if done == nil {
			r.Decision, r.Reason = Skipped, "accepted exception: "+accepted
			r.update = &hub.Update{Status: shtypes.WorkflowStatusSuppressed, Note: "cisguard left it non-compliant by configuration: " + accepted,
				Shared: "left non-compliant by configuration (an accepted exception)"}
		} else {
			r.Reason = what + ", rest accepted: " + accepted
			r.update = &hub.Update{Status: shtypes.WorkflowStatusSuppressed, Note: fmt.Sprintf(note, "rest accepted by configuration") + ". Accepted: " + accepted,
				Shared: "remediated, the rest accepted by configuration"}
		}
	}
	if done != nil && r.update != nil {
		r.update.Note = withUndo(r.update.Note, done)
	}
}

// sharedNote is the Security Hub note of a call that updates several
// findings of one control with the same outcome: the control and the
// outcome; what was done to each resource is in its notification and in
// the log.
func (e *Engine) sharedNote(r *Result, outcome string) string {
	c := "CIS " + r.CIS
	if r.Control != "" {
		c += " (" + r.Control + ")"
	}
	where := "cisguard's notification and log"
	if e.cfg.Notifications.Disabled {
		where = "cisguard's log"
	}
	return fmt.Sprintf("cisguard, %s: %s. What it found and did for each resource is in %s for the finding.", c, outcome, where)
}

// residualText joins the reasons of the accepted (or the other) residuals.
func residualText(p *plan.Plan, accepted bool) string {
	var out []string
	for _, r := range p.Residuals {
		if r.Accepted == accepted {
			out = append(out, r.Reason)
		}
	}
	return strings.Join(out, "; ")
}

func descriptions(p *plan.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.Description)
	}
	return out
}

// notify sends the message of a handled finding; a failure to notify is
// reported in the result, never turned into a failed remediation.
func (e *Engine) notify(ctx context.Context, log *slog.Logger, r *Result, member awsapi.Clients) {
	if e.cfg.Notifications.Disabled {
		return
	}
	if member == nil && e.sender.TopicARN == "" {
		r.Notification = "not sent: no central topic and no access to the member account's topic"
		return
	}
	rep := notify.Report{Finding: r.Finding, Decision: r.Decision, Reason: r.Reason, Actions: r.Actions, Notes: r.Notes, Revert: revertRecord(r)}
	if r.Guidance != nil {
		rep.Summary, rep.Steps = r.Guidance.Summary, r.Guidance.Steps
	}
	if err := e.sender.Send(ctx, notify.Compose(rep), member); err != nil {
		r.Notification = "not sent: " + err.Error()
		log.Warn("notification not sent", "error", err)
		return
	}
	r.Notification = "sent"
}

// queueUpdate hands the Security Hub update a handled finding earned to
// the flusher. Only a finding Security Hub holds in NEW is updated: a
// status a person set (NOTIFIED, RESOLVED, reached through a custom
// action) is never overwritten, and neither is its note. A failed finding
// earns no update and stays NEW on purpose: Security Hub raises it again
// and cisguard retries; any update, even a note alone, would itself emit
// an Imported event for a NEW finding and loop.
func (e *Engine) queueUpdate(updates *hub.Flusher, log *slog.Logger, r *Result) {
	if r.update == nil || e.opts.DryRun || !e.cfg.SecurityHub.Update() {
		return
	}
	f := r.Finding
	if f.Workflow != string(shtypes.WorkflowStatusNew) {
		r.Workflow = fmt.Sprintf("left %s: a status a person set is never overwritten", f.Workflow)
		return
	}
	u := *r.update
	u.ID, u.ProductARN, u.Group = f.ID, f.ProductARN, f.CIS
	u.Shared = e.sharedNote(r, u.Shared)
	updates.Add(f.HubRegion, u, func(err error) {
		if err != nil {
			r.Workflow = "not updated: " + err.Error()
			log.Warn("finding not updated", "finding", f.ID, "account", f.Account, "hubRegion", f.HubRegion, "error", err)
			return
		}
		r.Workflow = string(u.Status)
	})
}

// done returns the results of the actions that ran, nil when none did.
func done(rs []plan.Result) []plan.Result {
	var out []plan.Result
	for _, r := range rs {
		if r.Done {
			out = append(out, r)
		}
	}
	return out
}

func joinDescriptions(rs []plan.Result) string {
	var d []string
	for _, r := range rs {
		d = append(d, r.Description)
	}
	return strings.Join(d, "; ")
}

// arnRegion returns the region field of an ARN.
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

// Failures counts the failed results.
func Failures(rs []Result) int {
	n := 0
	for _, r := range rs {
		if r.Decision == Failed {
			n++
		}
	}
	return n
}

// MemberPolicy returns the least-privilege policy of the member role for a
// configuration and its resolved settings: what the controls need in their
// modes (writes only for those in auto), and the member topic lookup when
// messages go to it.
func MemberPolicy(cfg *config.Config, s *controls.Settings) perms.Document {
	grants := s.Grants(cfg.ExemptTag)
	if !cfg.Notifications.Disabled && cfg.Notifications.TopicARN == "" {
		grants = append(grants, notify.MemberGrant(cfg.Notifications.MemberTopic))
	}
	if cfg.SecurityHub.ImportFindings {
		grants = append(grants, controls.ImportGrant)
	}
	return perms.Policy(grants...)
}

// declaration is what a control may call for a decision: in notify mode,
// and in a dry run, only its reads, so that no bug there can write.
func declaration(c *controls.Control, action policy.Action, dryRun bool) []string {
	if action == policy.Remediate && !dryRun {
		return c.Permissions
	}
	return perms.Reads(c.Permissions)
}
