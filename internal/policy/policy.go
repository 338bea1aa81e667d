// Package policy decides what cisguard does with a finding, before any AWS
// call: skip it (and why), send manual steps, or remediate.
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
	// ManagementAccount is the organization's management account, excluded
	// unless the configuration includes it; "" when unknown.
	ManagementAccount string
}

// Decide returns the decision for a finding. It reads only the finding
// and the configuration; live tags are checked again by the control.
func (p *Policy) Decide(f finding.Finding) Decision {
	skip := func(format string, args ...any) Decision {
		return Decision{Action: Skip, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case f.CIS == "":
		return skip("not about a CIS v1.4.0 recommendation (generator %s, control %q)", f.GeneratorID, f.SecurityControl)
	case f.Compliance != "FAILED":
		return skip("compliance status is %q, not FAILED", f.Compliance)
	case f.RecordState == "ARCHIVED":
		return skip("finding is archived")
	case f.Trigger == finding.Imported && f.Workflow != "NEW":
		return skip("workflow status is %s: already handled (a custom action forces it)", f.Workflow)
	case p.Config.Excluded(f.Account):
		return skip("account %s is excluded by configuration", f.Account)
	case f.Account == p.ManagementAccount && !p.Config.IncludeManagementAccount:
		return skip("account %s is the organization's management account (set includeManagementAccount to act on it)", f.Account)
	case p.Config.ExemptTag.Matches(f.Resource.Tags):
		return skip("%s is exempt: tag %s=%s", f.Resource.Name(), p.Config.ExemptTag.Key, p.Config.ExemptTag.Value)
	}
	st, ok := p.Settings.For(f.CIS)
	if !ok {
		return skip("cisguard has no remediation or guidance for %s", f.CIS)
	}
	switch st.Mode {
	case controls.Off:
		return Decision{Action: Skip, Reason: fmt.Sprintf("controls.%s.mode is off", f.CIS), Setting: st}
	case controls.Notify:
		return Decision{Action: Notify, Reason: fmt.Sprintf("controls.%s.mode is notify", f.CIS), Setting: st}
	}
	return Decision{Action: Remediate, Setting: st}
}
