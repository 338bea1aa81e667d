package policy

import (
	"github.com/cisguard/cisguard/internal/finding"
)

// DecideScan decides on a resource cisguard's own scan found failing
// (finding.Scan): there is no Security Hub finding to vouch for, since the
// scan read the live state itself and the plan reads it again before any
// change, so only the configuration decides (excluded and management
// accounts, mode), and the caller's account with --no-assume-role. The
// resource must be the result's account's own (Owned), as a finding's
// must: a report names the account and the resource separately.
func (p *Policy) DecideScan(f finding.Finding) Decision {
	if f.Trigger != finding.Scan {
		return Decision{Action: Skip, Reason: "not a scan result: findings go through Decide"}
	}
	if f.CIS == "" {
		return Decision{Action: Skip, Reason: "no recommendation"}
	}
	if err := Owned(f); err != nil {
		return Decision{Action: Skip, Reason: err.Error()}
	}
	if p.Caller != nil {
		caller, err := p.Caller()
		if err != nil {
			return Decision{Action: Retry, Reason: "--no-assume-role: cannot tell the caller's account (" + err.Error() + "); nothing done"}
		}
		if caller != f.Account {
			return Decision{Action: Skip, Reason: "the result is of account " + f.Account + ", the credentials are of account " + caller + "; nothing done"}
		}
	}
	return p.configured(f)
}
