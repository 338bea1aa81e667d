// Package policy decides what cisguard does with a finding, before any
// change: skip it (and why), send manual steps, remediate, or retry later
// when a fact the decision needs (the management account, the caller's
// account) cannot be had now. trust.go holds the checks that a finding is
// Security Hub's own and about a resource of its own account.
package policy

import (
	"fmt"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/finding"
)

// Action is the outcome of a decision.
type Action string

const (
	Skip      Action = "skip"
	Notify    Action = "notify"
	Remediate Action = "remediate"
	// Retry: cisguard cannot tell now whether it may act (a lookup
	// failed). Nothing is done; the finding stays NEW and is retried.
	Retry Action = "retry"
)

// Decision is what to do with a finding and why.
type Decision struct {
	Action Action
	Reason string
	// Setting is the control's setting (for Notify and Remediate).
	Setting controls.Setting
}

// Policy holds what decisions depend on.
type Policy struct {
	Config   *config.Config
	Settings *controls.Settings
	// Management returns the organization's management account, "" when
	// the engine's account is in no organization. It is called only when
	// the answer matters; an error means "unknown", and the exclusion then
	// fails closed (Retry). nil means no organization.
	Management func() (string, error)
	// Caller, when set (--no-assume-role), returns the account of the
	// credentials in use: findings of any other account are skipped, since
	// acting on them would change the caller's account instead.
	Caller func() (string, error)
}

// Decide returns the decision for a finding, from the finding, the
// configuration and the two lookups above; live tags are checked again by
// the control. The checks run from the cheapest and most fundamental
// (is this Security Hub's own finding, about a resource of its account?)
// to the configuration.
func (p *Policy) Decide(f finding.Finding) Decision {
	skip := func(format string, args ...any) Decision {
		return Decision{Action: Skip, Reason: fmt.Sprintf(format, args...)}
	}
	if err := Genuine(f); err != nil {
		return skip("%v", err)
	}
	if f.CIS == "" {
		return skip("not about a CIS v1.4.0 recommendation (generator %s, control %q)", f.GeneratorID, f.SecurityControl)
	}
	if why := state(f); why != "" {
		return skip("%s", why)
	}
	if err := Owned(f); err != nil {
		return skip("%v", err)
	}
	if p.Caller != nil {
		caller, err := p.Caller()
		if err != nil {
			return Decision{Action: Retry, Reason: fmt.Sprintf("--no-assume-role: cannot tell the caller's account (%v); nothing done", err)}
		}
		if caller != f.Account {
			return skip("--no-assume-role: the finding is of account %s, the credentials are of account %s; nothing done", f.Account, caller)
		}
	}
	return p.configured(f)
}

// configured decides from the configuration alone: excluded accounts,
// the exemption tag the finding reports, the control's mode and the
// management account. Findings and scan results (DecideScan) share it.
func (p *Policy) configured(f finding.Finding) Decision {
	skip := func(format string, args ...any) Decision {
		return Decision{Action: Skip, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case p.Config.Excluded(f.Account):
		return skip("account %s is excluded by configuration", f.Account)
	case p.Config.ExemptTag.Matches(f.Resource.Tags):
		return skip("%s is exempt: tag %s=%s", f.Resource.Name(), p.Config.ExemptTag.Key, p.Config.ExemptTag.Value)
	}
	st, ok := p.Settings.For(f.CIS)
	if !ok {
		return skip("cisguard has no remediation or guidance for %s", f.CIS)
	}
	if st.Mode == controls.Off {
		return Decision{Action: Skip, Reason: fmt.Sprintf("controls.%s.mode is off", f.CIS), Setting: st}
	}
	if !p.Config.IncludeManagementAccount && p.Management != nil {
		mgmt, err := p.Management()
		if err != nil {
			return Decision{Action: Retry, Reason: fmt.Sprintf("cannot tell whether account %s is the organization's management account (%v): not acted on until it is known", f.Account, err)}
		}
		if f.Account == mgmt {
			return skip("account %s is the organization's management account (set includeManagementAccount to act on it)", f.Account)
		}
	}
	if st.Mode == controls.Notify {
		return Decision{Action: Notify, Reason: fmt.Sprintf("controls.%s.mode is notify", f.CIS), Setting: st}
	}
	return Decision{Action: Remediate, Setting: st}
}

// state returns why the finding's state forbids acting, "" when it allows
// it. Only an active, failed finding is acted on. Security Hub's automatic
// Imported events are acted on only in workflow NEW: anything else was
// handled by cisguard or a person already. A custom action (or a finding
// given on the command line) is a person's explicit request and may act
// on NEW, NOTIFIED or RESOLVED; cisguard then sets the workflow only if it
// was NEW (see engine). SUPPRESSED is an analyst's accepted risk: never
// touched.
func state(f finding.Finding) string {
	where := "the event says"
	if f.Confirmed {
		where = "Security Hub holds it as"
	}
	switch {
	case f.Compliance != "FAILED":
		return fmt.Sprintf("%s compliance %q, not FAILED", where, f.Compliance)
	case f.RecordState != "ACTIVE":
		return fmt.Sprintf("%s record state %q, not ACTIVE", where, f.RecordState)
	case f.Workflow == "SUPPRESSED":
		return fmt.Sprintf("%s workflow SUPPRESSED: an analyst accepted it, never touched", where)
	case f.Trigger == finding.Imported && f.Workflow != "NEW":
		return fmt.Sprintf("%s workflow %s: already handled (only a custom action acts on it now)", where, f.Workflow)
	case f.Workflow != "NEW" && f.Workflow != "NOTIFIED" && f.Workflow != "RESOLVED":
		return fmt.Sprintf("%s workflow %q: not acted on", where, f.Workflow)
	}
	return ""
}
