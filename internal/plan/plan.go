// Package plan holds the unit of work of a remediation: a Plan is an
// ordered list of Actions, each a one-line description and the call that
// performs it. Dry-run output, notifications, the Security Hub note and the
// tests all read the same Plan, so what a user is told is what is done.
package plan

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Action is one change to one resource.
type Action struct {
	// Description says exactly what the action changes, in one line:
	// "revoke ingress rule sgr-0abc (tcp 22 from 0.0.0.0/0) of sg-0123".
	Description string
	// Do performs the change.
	Do func(ctx context.Context) error
	// Prior records what the change replaces, for a revert; nil for an
	// action that replaces nothing worth recording. Do may update it
	// (Prior.Update, Prior.Drop) from what it reads just before writing.
	Prior *Prior
}

// Plan is what a control will do to make one finding compliant, and what
// will still be non-compliant once it is done. A plan without actions or
// residuals means the resource is compliant (or gone): nothing to do.
type Plan struct {
	Actions []Action
	// Notes are facts found while planning that the user should read
	// (a resource that vanished, a default that was assumed).
	Notes []string
	// Residuals are what the plan leaves non-compliant: conditions
	// Security Hub's next check will still fail after the plan is applied.
	Residuals []Residual
}

// Residual is a condition a plan leaves non-compliant, on purpose or
// because only a person can change it.
type Residual struct {
	// Reason says what stays non-compliant and why.
	Reason string `json:"reason"`
	// Steps say what a person must do about it.
	Steps []string `json:"steps,omitempty"`
	// Accepted marks an exception the user configured (an exclusion
	// keyword, the exemption tag): a deliberate, documented accepted risk.
	Accepted bool `json:"accepted,omitempty"`
}

// State is what a plan says about its resource.
type State int

const (
	// Compliant: nothing to change and nothing left; Security Hub's next
	// check passes.
	Compliant State = iota
	// Changes: the plan has actions to apply.
	Changes
	// Unresolved: nothing cisguard can change, but something stays
	// non-compliant until a person acts.
	Unresolved
	// Excepted: what stays non-compliant is an exception the user
	// configured, and nothing else.
	Excepted
)

func (s State) String() string {
	return [...]string{"compliant", "changes", "unresolved", "excepted"}[s]
}

// State returns what the plan says about its resource: actions come
// first, then residuals a person must act on, then accepted ones.
func (p *Plan) State() State {
	switch {
	case !p.Empty():
		return Changes
	case p == nil || len(p.Residuals) == 0:
		return Compliant
	case slices.ContainsFunc(p.Residuals, func(r Residual) bool { return !r.Accepted }):
		return Unresolved
	}
	return Excepted
}

// Leave records a condition the plan leaves non-compliant and the steps
// a person must take about it.
func (p *Plan) Leave(reason string, steps ...string) {
	p.Residuals = append(p.Residuals, Residual{Reason: reason, Steps: steps})
}

// Accept records a condition left non-compliant by an exception the user
// configured, and how to lift it.
func (p *Plan) Accept(reason string, steps ...string) {
	p.Residuals = append(p.Residuals, Residual{Reason: reason, Steps: steps, Accepted: true})
}

// Add appends an action and returns it, to attach its Prior; the pointer
// is valid until the next action is added.
func (p *Plan) Add(description string, do func(ctx context.Context) error) *Action {
	p.Actions = append(p.Actions, Action{Description: description, Do: do})
	return &p.Actions[len(p.Actions)-1]
}

// Addf appends an action with a formatted description and returns it.
func (p *Plan) Addf(do func(ctx context.Context) error, format string, args ...any) *Action {
	return p.Add(fmt.Sprintf(format, args...), do)
}

// Note records a fact found while planning.
func (p *Plan) Note(format string, args ...any) {
	p.Notes = append(p.Notes, fmt.Sprintf(format, args...))
}

// Empty reports whether the plan changes nothing (it may still leave
// residuals: see State).
func (p *Plan) Empty() bool { return p == nil || len(p.Actions) == 0 }

// Merge appends the actions and notes of q.
func (p *Plan) Merge(q *Plan) {
	if q == nil {
		return
	}
	p.Actions = append(p.Actions, q.Actions...)
	p.Notes = append(p.Notes, q.Notes...)
	p.Residuals = append(p.Residuals, q.Residuals...)
}

// Result is what happened to one action.
type Result struct {
	Description string `json:"description"`
	Done        bool   `json:"done"`
	Error       string `json:"error,omitempty"`
	// Prior is what a done action replaced (see Prior): what
	// `cisguard revert` restores.
	Prior *Prior `json:"prior,omitempty"`
}

// Outcome is the result of applying (or rendering) a plan.
type Outcome struct {
	Results []Result
	// Err is the first error; the actions after it did not run.
	Err error
}

// Apply performs the actions in order and stops at the first failure, so
// that later actions never run on top of a half-made change. Every action
// appears in the outcome: done, failed, or not run.
func Apply(ctx context.Context, p *Plan) Outcome {
	var o Outcome
	for _, a := range p.Actions {
		r := Result{Description: a.Description}
		switch {
		case o.Err != nil:
			r.Error = "not run: an earlier action failed"
		case ctx.Err() != nil:
			o.Err = ctx.Err()
			r.Error = "not run: " + ctx.Err().Error()
		default:
			if err := a.Do(ctx); err != nil {
				o.Err = fmt.Errorf("%s: %w", a.Description, err)
				r.Error = err.Error()
			} else {
				r.Done = true
				if a.Prior != nil && a.Prior.Kind != "" {
					a.Prior.At = time.Now().UTC()
					r.Prior = a.Prior
				}
			}
		}
		o.Results = append(o.Results, r)
	}
	return o
}

// Pending returns the outcome of a plan that is shown but not applied.
func Pending(p *Plan) Outcome {
	var o Outcome
	for _, a := range p.Actions {
		o.Results = append(o.Results, Result{Description: a.Description})
	}
	return o
}

// Render writes the plan as an indented list.
func Render(w io.Writer, p *Plan) {
	if p.Empty() {
		fmt.Fprintln(w, "  nothing to change")
	}
	for i, a := range p.Actions {
		fmt.Fprintf(w, "  %d. %s\n", i+1, a.Description)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	for _, r := range p.Residuals {
		label := "left"
		if r.Accepted {
			label = "accepted"
		}
		fmt.Fprintf(w, "  %s: %s\n", label, r.Reason)
		for _, s := range r.Steps {
			fmt.Fprintf(w, "    - %s\n", s)
		}
	}
}

// String renders the plan.
func (p *Plan) String() string {
	var b strings.Builder
	Render(&b, p)
	return b.String()
}
