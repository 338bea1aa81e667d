// Package controls is what cisguard knows how to do for each CIS
// recommendation: build a remediation Plan from live state, or write the
// resource-specific manual steps, and the IAM actions either needs.
//
// One file per CIS section (iam.go, storage.go, logging.go, monitoring.go,
// networking.go), each a list of Control values. A control talks to AWS
// only through the narrow interfaces of package awsapi, so tests run it on
// the stateful fakes of package fake.
package controls

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// Control is how cisguard handles one CIS recommendation (or part: 2.1.5.1).
type Control struct {
	ID string
	// Permissions are the IAM actions that Plan, the plan's actions and
	// Guide call in the member account (and iam:PassRole, iam:TagRole,
	// kms:TagResource where a call implies them). Calling anything else
	// fails. Those that only read (perms.Write) are all a control may call
	// in notify mode.
	Permissions []string
	// Scopes narrows some of Permissions to resources and conditions in
	// the member policy, given the resolved parameters and the exemption
	// tag; nil allows every action on every resource.
	Scopes func(params any, exempt config.Tag) []perms.Scope
	// Parts are fixes of other controls that Plan runs as its own while
	// those controls are in mode auto (3.1 gives the trail it creates
	// 3.4's log delivery and 3.7's key). Their actions are in Permissions
	// too; the member policy grants them only while the part's control is
	// in auto (or always, for a part marked Always), under that control's
	// scopes and parameters.
	Parts []Part
	// Params is a pointer to the default parameters (a struct with yaml
	// tags); nil when the control has none.
	Params any
	// Plan builds the remediation from live state; nil when there is no
	// automatic fix. A compliant resource yields an empty plan.
	Plan func(ctx context.Context, t *Target) (*plan.Plan, error)
	// Guide writes the manual steps for this resource; when nil, a control
	// with a Plan explains its plan instead.
	Guide func(ctx context.Context, t *Target) (*Guidance, error)
	// Per says whether a scan checks the recommendation once per account
	// or once per region (Unscanned: not at all). See evaluate.go.
	Per Per
	// Evaluate checks the recommendation in an account or region and
	// returns one result per resource it is about. Nil evaluates the
	// account or region itself with the control's plan or guide (Verdict).
	// It calls only reads, declared in Permissions with the rest.
	Evaluate func(ctx context.Context, c *Control, t *Target) ([]Result, error)
	// Calls is the cost of one remediation of the typical non-compliant
	// resource; a test holds the control to it.
	Calls Calls
	// Writes are the singletons of the account its fix writes besides the
	// finding's own resource (see Singleton); the engine never fixes two
	// findings that write the same one at the same time.
	Writes []Singleton
	// Doc says in a sentence or two what cisguard does; docs/controls.md
	// prints it.
	Doc string
}

// Part is another control's fix run within a control's plan.
type Part struct {
	// ID is the control whose fix it is.
	ID string
	// Actions are what the part calls that the control would not call
	// without it.
	Actions []string
	// Always: the control runs the part whatever the mode of the part's
	// control (3.1 logs its new bucket's accesses into 3.6's log bucket),
	// so its actions are always granted, under that control's scopes
	// and parameters.
	Always bool
}

// Calls counts the AWS calls of one remediation: the reads that decide
// and the writes that fix.
type Calls struct {
	Reads, Writes int
	// Case names the situation counted ("default group with rules on both sides").
	Case string
}

func (c Calls) String() string {
	if c.Reads == 0 && c.Writes == 0 {
		return ""
	}
	return fmt.Sprintf("%d reads + %d writes (%s)", c.Reads, c.Writes, c.Case)
}

// Recommendation returns the catalogue entry the control belongs to.
func (c *Control) Recommendation() catalog.Recommendation {
	r, _ := catalog.Lookup(c.ID)
	return r
}

// Guidance is what a person must do by hand.
type Guidance struct {
	// Summary states the problem for this resource in one line.
	Summary string
	// Steps are the instructions, in order.
	Steps []string
}

// Target is what a control works on: one resource in one account and region.
type Target struct {
	Clients awsapi.Clients
	// Resource is the finding's resource; for account-wide findings it is
	// the account.
	Resource finding.Resource
	// Params is the control's resolved parameters (same type as Control.Params).
	Params any
	// ExemptTag marks resources that must not be touched.
	ExemptTag config.Tag
	// Now is the time age thresholds are measured against.
	Now time.Time
	// Settings are the resolved settings of every control: a control that
	// writes a resource other controls share (the password policy) writes
	// what all of them require. Nil knows no other control.
	Settings *Settings
	// Alarms is the administrator account's alarm queue, which section 4
	// subscribes to the alarm topics it sets up; nil when none is
	// configured (notifications.alarmQueueArn).
	Alarms *AlarmQueue
	// Regions are the regions a scan covers, nil outside a scan: a
	// PerAccount check reports only resources that live in one of them.
	Regions []string
}

// Account returns the target's account id.
func (t *Target) Account() string { return t.Clients.Account() }

// Region returns the target's region.
func (t *Target) Region() string { return t.Clients.Region() }

// ARN builds an ARN in the target's partition and account.
func (t *Target) ARN(service, region, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", t.Clients.Partition(), service, region, t.Account(), resource)
}

// Exempt returns an ExemptError when live tags carry the exemption tag.
// Controls call it with the tags they read anyway, so a tag added after
// the finding was raised still protects the resource.
func (t *Target) Exempt(resource string, tags map[string]string) error {
	if t.ExemptTag.Key != "" && t.ExemptTag.Matches(tags) {
		return &ExemptError{Resource: resource, Tag: t.ExemptTag}
	}
	return nil
}

// ExemptError says that a resource carries the exemption tag.
type ExemptError struct {
	Resource string
	Tag      config.Tag
}

func (e *ExemptError) Error() string {
	return fmt.Sprintf("%s is exempt: tag %s=%s", e.Resource, e.Tag.Key, e.Tag.Value)
}

// IsExempt reports whether err is an ExemptError.
func IsExempt(err error) bool {
	var e *ExemptError
	return errors.As(err, &e)
}

// params returns the target's parameters as the control's type.
func params[T any](t *Target) *T {
	p, ok := t.Params.(*T)
	if !ok {
		panic(fmt.Sprintf("controls: target parameters are %T, want *%T", t.Params, *new(T)))
	}
	return p
}

var (
	allOnce sync.Once
	all     []*Control
)

// All returns every control, in benchmark order.
func All() []*Control {
	allOnce.Do(func() {
		for _, section := range [][]*Control{iamControls(), storageControls(), loggingControls(), monitoringControls(), networkingControls()} {
			all = append(all, section...)
		}
		slices.SortFunc(all, func(a, b *Control) int { return catalog.Compare(a.ID, b.ID) })
	})
	return all
}

// Lookup returns the control for a CIS id.
func Lookup(id string) (*Control, bool) {
	for _, c := range All() {
		if c.ID == id {
			return c, true
		}
	}
	return nil, false
}

// Check plans a control for a target: the one assessment behind every
// verdict, after a fix, for a resource found compliant, and for a scan. A
// control without a plan contributes its manual steps as a residual, and
// the exemption tag found while planning becomes an accepted residual
// (the user's configured exception), not an error.
func Check(ctx context.Context, c *Control, t *Target) (*plan.Plan, error) {
	var p *plan.Plan
	var err error
	switch {
	case c.Plan != nil:
		p, err = c.Plan(ctx, t)
	case c.Guide != nil:
		var g *Guidance
		if g, err = c.Guide(ctx, t); err == nil {
			p = &plan.Plan{}
			if g != nil {
				p.Leave(g.Summary, g.Steps...)
			}
		}
	default:
		return nil, fmt.Errorf("%s has neither guidance nor a plan", c.ID)
	}
	var ex *ExemptError
	if errors.As(err, &ex) {
		p = &plan.Plan{}
		p.Accept(ex.Error()+" (a configured exception: cisguard leaves it non-compliant)",
			fmt.Sprintf("to have cisguard remediate it, remove the tag %s=%s from %s", ex.Tag.Key, ex.Tag.Value, ex.Resource))
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if p == nil {
		p = &plan.Plan{}
	}
	return p, nil
}

// PlanGuidance returns what a person must do for a plan: its actions (which
// cisguard makes itself when the control's mode is auto) and what it
// leaves to a person. It returns nil when the plan has neither.
func PlanGuidance(c *Control, t *Target, p *plan.Plan) *Guidance {
	var left []plan.Residual
	for _, r := range p.Residuals {
		if !r.Accepted {
			left = append(left, r)
		}
	}
	g := &Guidance{}
	switch {
	case !p.Empty():
		g.Summary = fmt.Sprintf("%s needs %d change(s); cisguard makes them when controls.%s.mode is auto, or do them by hand:", t.Resource.Name(), len(p.Actions), c.ID)
		for _, a := range p.Actions {
			g.Steps = append(g.Steps, a.Description)
		}
	case len(left) == 0:
		return nil
	}
	var reasons []string
	for _, r := range left {
		if g.Summary == "" {
			reasons = append(reasons, r.Reason)
			g.Steps = append(g.Steps, r.Steps...)
			continue
		}
		g.Steps = append(g.Steps, strings.Join(append([]string{"then, by hand: " + r.Reason}, r.Steps...), "; "))
	}
	if g.Summary == "" {
		g.Summary = strings.Join(reasons, "; ")
	}
	return g
}

// Explain returns the manual steps for a target: the control's Guide, or,
// for a control that has only a Plan, the plan's actions, what it leaves
// to a person and its notes as steps. It returns nil when there is nothing
// to do, and an ExemptError for an exempt resource.
func Explain(ctx context.Context, c *Control, t *Target) (*Guidance, error) {
	if c.Guide != nil {
		return c.Guide(ctx, t)
	}
	if c.Plan == nil {
		return nil, fmt.Errorf("%s has neither guidance nor a plan", c.ID)
	}
	p, err := c.Plan(ctx, t)
	if err != nil {
		return nil, err
	}
	g := PlanGuidance(c, t, p)
	if g != nil {
		g.Steps = append(g.Steps, p.Notes...)
	}
	return g, nil
}
