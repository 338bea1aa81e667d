package controls

// Checks: what a scan asks of a control. A control that can be scanned
// says where its recommendation is evaluated (Per: once per account or
// once per region) and, when the recommendation is about resources, how to
// list them (Evaluate). Where the control has a Plan, the verdict on a
// resource is the plan's own (Verdict): a scan and the engine's
// verification before RESOLVED are one implementation.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// ScanPermissions are what a scan calls itself, beside the controls'
// reads: the regions enabled in each account. The member policy grants
// them (Settings.Grants).
var ScanPermissions = []string{"ec2:DescribeRegions"}

// ImportPermissions are what `scan --import-findings` calls in each
// account: the account's earlier cisguard findings, and imports under the
// account's own default product only (importGrant), the one product an
// account may import its own findings under.
var ImportPermissions = []string{"securityhub:GetFindings", "securityhub:BatchImportFindings"}

// ImportGrant is the member role's permission to import scan results; the
// member policy carries it only when the configuration says
// securityHub.importFindings.
var ImportGrant = perms.Grant{Owner: "import", Actions: ImportPermissions, Scopes: []perms.Scope{{
	Sid: "ImportOwnFindings", Actions: []string{"securityhub:BatchImportFindings"},
	Resources: []string{perms.ARN("securityhub", "*", "product/"+perms.AccountID+"/default")},
}}}

// Status is the verdict of a check on one resource.
type Status string

const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	// Manual: no API can decide; the reason says what a person must look at.
	Manual Status = "MANUAL"
	// NotApplicable: nothing the recommendation is about exists here.
	NotApplicable Status = "NOT_APPLICABLE"
	// Error: the check could not read what it needs; the reason carries
	// the AWS error.
	Error Status = "ERROR"
)

// Statuses lists every status, in the order reports show them.
var Statuses = []Status{Fail, Error, Manual, Pass, NotApplicable}

// Per says how often a control's check runs in a scan.
type Per int

const (
	// Unscanned: the control has no check.
	Unscanned Per = iota
	// PerAccount: once per account (IAM, S3, account settings), with the
	// clients of the scan's first region.
	PerAccount
	// PerRegion: once per enabled region.
	PerRegion
)

// Result is a check's verdict on one resource, or on the account or
// region where the recommendation is about no resource.
type Result struct {
	// Resource is what the result is about, in the form a finding names
	// it (ARN, or AWS::::Account:<id> for account-wide results). Its
	// Region is where the resource lives; a remediation plans on it.
	Resource finding.Resource
	Status   Status
	Reason   string
	// Plan is, for a FAIL of a control with a Plan, what cisguard would
	// do: its actions and what it would leave to a person.
	Plan *plan.Plan
}

// Evaluate runs a control's check in an account or a region: t's
// resource is the account (AccountResource) and its clients those of the
// region (for PerAccount, the scan's first region). The control's reads
// alone are declared, so a check never writes. Results never carry Go
// errors: a failing read is an ERROR result naming what failed.
func Evaluate(ctx context.Context, c *Control, t *Target) []Result {
	ctx = perms.Declare(ctx, c.ID, perms.Reads(c.Permissions))
	if c.Evaluate == nil {
		return []Result{Verdict(ctx, c, t)}
	}
	rs, err := c.Evaluate(ctx, c, t)
	if err != nil {
		rs = append(rs, Errored(t.Resource, err))
	}
	return rs
}

// Verdict plans a control read-only for t's resource (controls.Check, the
// assessment the engine verifies a fix with) and states the result:
// nothing to change and nothing left is PASS; actions to apply, or
// something a person must change, is FAIL, with the plan; a configured
// exception is FAIL too (the recommendation is not met), saying so.
func Verdict(ctx context.Context, c *Control, t *Target) Result {
	r := Result{Resource: t.Resource}
	p, err := Check(ctx, c, t)
	if err != nil {
		return Errored(t.Resource, err)
	}
	switch p.State() {
	case plan.Compliant:
		r.Status, r.Reason = Pass, "compliant: cisguard's plan finds nothing to change"
		if len(p.Notes) > 0 {
			r.Reason = strings.Join(p.Notes, "; ")
		}
	case plan.Changes:
		r.Status, r.Plan = Fail, p
		r.Reason = "cisguard would: " + strings.Join(planSteps(p), "; ")
		if left := residualReasons(p, false); left != "" {
			r.Reason += "; then, by hand: " + left
		}
	case plan.Unresolved:
		r.Status, r.Plan, r.Reason = Fail, p, residualReasons(p, false)
	case plan.Excepted:
		r.Status, r.Plan, r.Reason = Fail, p, "accepted exception: "+residualReasons(p, true)
	}
	return r
}

// Errored states a result for an error. An error from AWS (or a
// cancelled scan, or an undeclared call) means the check could not read
// what it needs: ERROR with the error. Any other error is the plan's own
// conclusion that it cannot make the resource compliant ("no multi-region
// trail", "no room in the ACL"), so the resource fails: FAIL with it.
func Errored(res finding.Resource, err error) Result {
	var undeclared *perms.UndeclaredError
	if awsapi.Code(err) != "" || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &undeclared) {
		return Result{Resource: res, Status: Error, Reason: err.Error()}
	}
	return Result{Resource: res, Status: Fail, Reason: err.Error()}
}

// residualReasons joins the reasons of the accepted (or the other)
// residuals of a plan.
func residualReasons(p *plan.Plan, accepted bool) string {
	var out []string
	for _, r := range p.Residuals {
		if r.Accepted == accepted {
			out = append(out, r.Reason)
		}
	}
	return strings.Join(out, "; ")
}

// AccountResource names an account as findings do, in a region.
func AccountResource(partition, account, region string) finding.Resource {
	return finding.Resource{Type: "AwsAccount", ID: "AWS::::Account:" + account, Partition: partition, Region: region}
}

// arnResource names a resource by its ARN.
func arnResource(t *Target, typ, region, arn string) finding.Resource {
	return finding.Resource{Type: typ, ID: arn, Partition: t.Clients.Partition(), Region: region}
}

// on returns a copy of t aimed at another resource.
func (t *Target) on(res finding.Resource) *Target {
	c := *t
	c.Resource = res
	return &c
}

// pass, fail and notApplicable build results.
func pass(res finding.Resource, format string, args ...any) Result {
	return Result{Resource: res, Status: Pass, Reason: fmt.Sprintf(format, args...)}
}

func fail(res finding.Resource, format string, args ...any) Result {
	return Result{Resource: res, Status: Fail, Reason: fmt.Sprintf(format, args...)}
}

func notApplicable(res finding.Resource, format string, args ...any) Result {
	return Result{Resource: res, Status: NotApplicable, Reason: fmt.Sprintf(format, args...)}
}

// manual builds a MANUAL result: no API can decide; the reason says what
// a person must look at.
func manual(res finding.Resource, format string, args ...any) Result {
	return Result{Resource: res, Status: Manual, Reason: fmt.Sprintf(format, args...)}
}
