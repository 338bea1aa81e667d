package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

// Tests of what cisguard trusts (docs/architecture.md, "Trust model"): a
// finding is acted on only when Security Hub itself produced it, still
// holds it as ACTIVE, FAILED and (for Imported events) NEW, and it is about
// a resource of its own account.

const quiet = "notifications: {disabled: true}"

const sg = "sg-0a1b2c3d4e5f60718"

// untouched fails the test when anything in the member account changed or
// its role was asked for.
func untouched(t *testing.T, w *fake.Org, accounts ...string) {
	t.Helper()
	for _, a := range append(accounts, member) {
		if n := w.Assumed(a); n != 0 {
			t.Errorf("account %s: member clients requested %d times", a, n)
		}
	}
	if n := len(w.Account(member).EC2(region).Rules(sg)); n != 2 {
		t.Errorf("default group has %d rules, want its 2 untouched", n)
	}
}

func hubCalls(w *fake.Org, region, op string) int {
	n := 0
	for _, c := range w.SecurityHub(region).Log.Calls() {
		if c.Operation == op {
			n++
		}
	}
	return n
}

// TestForgedProductIsSkipped: a member account that can only import
// findings imports findings of its own product (product/<account>/default)
// with GeneratorId security-control/EC2.2 (or a custom action on such
// findings, or one claiming company AWS); Security Hub really holds them.
// They are skipped, naming the product, without a single call.
func TestForgedProductIsSkipped(t *testing.T) {
	for _, name := range []string{"deploy/forged-imported-EC2.2.json", "deploy/forged-imported-claims-aws.json", "deploy/forged-custom-action.json"} {
		for _, dryRun := range []bool{false, true} {
			w := fake.NewOrg(admin)
			seedSample5x(w)
			fs := held(t, w, name)
			if fs[0].CIS != "5.3" {
				t.Fatalf("%s names CIS %q; the test needs one that looks like 5.3", name, fs[0].CIS)
			}
			for _, r := range newEngine(t, w, quiet, dryRun).Run(context.Background(), fs) {
				if r.Decision != Skipped || !strings.Contains(r.Reason, "untrusted product arn:aws:securityhub:eu-central-1:444455556666:product/444455556666/default") {
					t.Errorf("%s, dry run %v: %s (%s)", name, dryRun, r.Decision, r.Reason)
				}
			}
			untouched(t, w)
			if w.Account(member).EC2(region).EBSEncryptionByDefault() {
				t.Errorf("%s: EBS default encryption was changed", name)
			}
			if n := len(w.SecurityHub(region).Log.Calls()); n != 0 {
				t.Errorf("%s: %d Security Hub calls for forged findings", name, n)
			}
		}
	}
}

// TestCompanyNotAWSIsSkipped: Security Hub's product ARN with another
// company is not Security Hub's finding either.
func TestCompanyNotAWSIsSkipped(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := heldVariant(t, w, "imported-standard-5.3.json", func(_ int, f *shtypes.AwsSecurityFinding) {
		f.ProductFields["aws/securityhub/CompanyName"] = "Personal"
	})
	r := newEngine(t, w, quiet, false).Run(context.Background(), fs)[0]
	if r.Decision != Skipped || !strings.Contains(r.Reason, `(company "Personal")`) {
		t.Errorf("%s (%s)", r.Decision, r.Reason)
	}
	untouched(t, w)
}

// TestResourceMustBeTheFindingsOwn: a genuine finding whose resource is in
// another account, another partition or a region that does not exist is
// skipped, and no account is touched.
func TestResourceMustBeTheFindingsOwn(t *testing.T) {
	const other = "111122223333"
	tests := []struct {
		name   string
		change func(r *shtypes.Resource)
		reason string
	}{
		{"foreign account", func(r *shtypes.Resource) {
			r.Id = aws.String("arn:aws:ec2:eu-central-1:" + other + ":security-group/" + sg)
		},
			"belongs to account 111122223333, the finding is of account 444455556666"},
		{"partition mismatch", func(r *shtypes.Resource) {
			r.Id = aws.String("arn:aws-us-gov:ec2:us-gov-west-1:" + member + ":security-group/" + sg)
		}, "is in partition aws-us-gov, the finding in aws"},
		{"bogus region", func(r *shtypes.Resource) { r.Region = aws.String("moon-base-1") }, `region "moon-base-1" of resource`},
		{"bogus region in ARN", func(r *shtypes.Resource) {
			r.Id = aws.String("arn:aws:ec2:eu-moon:" + member + ":security-group/" + sg)
		}, `names region "eu-moon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := fake.NewOrg(admin)
			seedSample5x(w)
			w.Account(other)
			fs := heldVariant(t, w, "imported-standard-5.3.json", func(_ int, f *shtypes.AwsSecurityFinding) { tt.change(&f.Resources[0]) })
			r := newEngine(t, w, quiet, false).Run(context.Background(), fs)[0]
			if r.Decision != Skipped || !strings.Contains(r.Reason, tt.reason) || !strings.Contains(r.Reason, "nothing touched") {
				t.Errorf("%s (%s)", r.Decision, r.Reason)
			}
			untouched(t, w, other)
			if h := w.SecurityHub(region).Finding(fs[0].ID); h.Workflow != shtypes.WorkflowStatusNew {
				t.Errorf("workflow %s", h.Workflow)
			}
		})
	}
}

// TestNoAssumeRoleActsOnlyInCallersAccount: with the caller's own
// credentials, a finding of another account is skipped (it would change
// the caller's account), and the caller is looked up once.
func TestNoAssumeRoleActsOnlyInCallersAccount(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	w.Caller = "111122223333"
	fs := held(t, w, "custom-action-two-findings.json")
	e := newEngineOpts(t, w, quiet, Options{NoAssumeRole: true})
	for _, r := range e.Run(context.Background(), fs) {
		if r.Decision != Skipped || !strings.Contains(r.Reason, "--no-assume-role: the finding is of account 444455556666, the credentials are of account 111122223333") {
			t.Errorf("%s: %s (%s)", r.CIS, r.Decision, r.Reason)
		}
	}
	untouched(t, w)
	if n := len(w.Log.Calls()); n != 1 { // GetCallerIdentity; the management account is never needed
		t.Errorf("%d organization calls: %v", n, w.Log.Calls())
	}

	w.Caller = member
	rs := newEngineOpts(t, w, quiet, Options{NoAssumeRole: true}).Run(context.Background(), fs)
	if rs[0].Decision != Remediated {
		t.Errorf("own account: %s (%s)", rs[0].Decision, rs[0].Reason)
	}
}

// TestManagementLookupFailsClosed: while DescribeOrganization fails the
// findings are not acted on (failed: they stay NEW and SQS retries); the
// next run asks again, and once known the answer is kept.
func TestManagementLookupFailsClosed(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	w.Management = "999988887777"
	fs := held(t, w, "custom-action-two-findings.json")
	w.Log.Fail("Organizations/DescribeOrganization", fake.APIError("TooManyRequestsException", "AWS Organizations can't complete your request because another request is already in progress"))
	e := newEngine(t, w, quiet, false)

	for _, r := range e.Run(context.Background(), fs) {
		if r.Decision != Failed || !strings.Contains(r.Reason, "cannot tell whether account 444455556666 is the organization's management account") ||
			!strings.Contains(r.Reason, "TooManyRequestsException") {
			t.Errorf("%s: %s (%s)", r.CIS, r.Decision, r.Reason)
		}
		if h := w.SecurityHub(region).Finding(r.ID); h.Workflow != shtypes.WorkflowStatusNew {
			t.Errorf("%s: workflow %s, want NEW", r.CIS, h.Workflow)
		}
	}
	untouched(t, w)
	if n := len(w.Log.Calls()); n != 1 {
		t.Errorf("%d DescribeOrganization calls in one run, want 1", n)
	}

	for _, r := range e.Run(context.Background(), fs) {
		if r.Decision != Remediated {
			t.Errorf("second run %s: %s (%s)", r.CIS, r.Decision, r.Reason)
		}
	}
	e.Run(context.Background(), fs)
	// The scheduled scans ask the engine too (cmd/lambda): the same answer.
	if m, err := e.ManagementAccount(context.Background()); m != "999988887777" || err != nil {
		t.Errorf("ManagementAccount: %q, %v", m, err)
	}
	if n := len(w.Log.Calls()); n != 2 {
		t.Errorf("%d DescribeOrganization calls after three runs and a scan's question, want 2 (known answers are kept)", n)
	}
}

// TestNotInOrganization: AWS saying the account is in no organization is
// an answer (nothing to exclude), not a failure.
func TestNotInOrganization(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "imported-standard-5.3.json")
	if r := newEngine(t, w, quiet, false).Run(context.Background(), fs)[0]; r.Decision != Remediated {
		t.Errorf("%s (%s)", r.Decision, r.Reason)
	}
}

// TestReplayedEventChangesNothing: the event says NEW, FAILED, ACTIVE, but
// Security Hub holds the finding otherwise: its copy decides, and an
// analyst's status and note stay as they are.
func TestReplayedEventChangesNothing(t *testing.T) {
	tests := []struct {
		name   string
		change func(*shtypes.AwsSecurityFinding)
		reason string
	}{
		{"resolved", func(f *shtypes.AwsSecurityFinding) { f.Workflow.Status = shtypes.WorkflowStatusResolved }, "Security Hub holds it as workflow RESOLVED"},
		{"notified", func(f *shtypes.AwsSecurityFinding) { f.Workflow.Status = shtypes.WorkflowStatusNotified }, "Security Hub holds it as workflow NOTIFIED"},
		{"suppressed", func(f *shtypes.AwsSecurityFinding) { f.Workflow.Status = shtypes.WorkflowStatusSuppressed }, "SUPPRESSED: an analyst accepted it"},
		{"archived", func(f *shtypes.AwsSecurityFinding) { f.RecordState = shtypes.RecordStateArchived }, `Security Hub holds it as record state "ARCHIVED"`},
		{"passed", func(f *shtypes.AwsSecurityFinding) { f.Compliance.Status = shtypes.ComplianceStatusPassed }, `Security Hub holds it as compliance "PASSED"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := fake.NewOrg(admin)
			seedSample5x(w)
			fs := held(t, w, "imported-standard-5.3.json") // the event: NEW, FAILED, ACTIVE
			w.SecurityHub(region).Update(fs[0].ID, func(f *shtypes.AwsSecurityFinding) {
				tt.change(f)
				f.Note = &shtypes.Note{Text: aws.String("analyst: handled in CHG-1234"), UpdatedBy: aws.String("alice")}
			})
			before := *w.SecurityHub(region).Finding(fs[0].ID)
			r := newEngine(t, w, quiet, false).Run(context.Background(), fs)[0]
			if r.Decision != Skipped || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("%s (%s)", r.Decision, r.Reason)
			}
			untouched(t, w)
			if after := *w.SecurityHub(region).Finding(fs[0].ID); after != before {
				t.Errorf("Security Hub finding changed: %+v -> %+v", before, after)
			}
		})
	}
}

// TestCustomActionRespectsAnalyst: a custom action (an analyst's explicit
// request) acts on a NOTIFIED finding but leaves its status and note; it
// never touches a SUPPRESSED one.
func TestCustomActionRespectsAnalyst(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "custom-action-two-findings.json")
	note := &shtypes.Note{Text: aws.String("analyst: owner notified"), UpdatedBy: aws.String("alice")}
	w.SecurityHub(region).Update(fs[0].ID, func(f *shtypes.AwsSecurityFinding) { f.Workflow.Status = shtypes.WorkflowStatusNotified; f.Note = note })
	w.SecurityHub(region).Update(fs[1].ID, func(f *shtypes.AwsSecurityFinding) {
		f.Workflow.Status = shtypes.WorkflowStatusSuppressed
		f.Note = note
	})
	rs := newEngine(t, w, quiet, false).Run(context.Background(), fs)

	if r := rs[0]; r.Decision != Remediated || !strings.Contains(r.Workflow, "left NOTIFIED") {
		t.Errorf("notified: %s (%s), workflow %q", r.Decision, r.Reason, r.Workflow)
	}
	if h := w.SecurityHub(region).Finding(fs[0].ID); h.Workflow != shtypes.WorkflowStatusNotified || h.Note != "analyst: owner notified" {
		t.Errorf("notified finding became %+v", h)
	}
	if r := rs[1]; r.Decision != Skipped || !strings.Contains(r.Reason, "SUPPRESSED") {
		t.Errorf("suppressed: %s (%s)", r.Decision, r.Reason)
	}
	if w.Account(member).EC2(region).EBSEncryptionByDefault() {
		t.Error("the suppressed 2.2.1 finding was remediated")
	}
	if n := hubUpdates(w, region); n != 0 {
		t.Errorf("%d BatchUpdateFindings calls", n)
	}
}

// TestUnknownFindingIsSkipped: an event (or a message put on the queue)
// for a finding Security Hub does not hold changes nothing, even when
// Security Hub holds a finding of that Id under another product.
func TestUnknownFindingIsSkipped(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := event(t, "imported-standard-5.3.json")
	// Someone imported a finding with the genuine finding's Id under their own product.
	if err := w.ImportEvent(variant(t, "imported-standard-5.3.json", func(_ int, f *shtypes.AwsSecurityFinding) {
		f.ProductArn = aws.String("arn:aws:securityhub:eu-central-1:444455556666:product/444455556666/default")
	})); err != nil {
		t.Fatal(err)
	}
	r := newEngine(t, w, quiet, false).Run(context.Background(), fs)[0]
	if r.Decision != Skipped || !strings.Contains(r.Reason, "Security Hub in eu-central-1 holds no finding "+fs[0].ID) {
		t.Errorf("%s (%s)", r.Decision, r.Reason)
	}
	untouched(t, w)
	if Failures([]Result{r}) != 0 {
		t.Error("an unknown finding must not be retried")
	}
}

// TestDryRunOfUnheldEventSaysSo: a dry run still plans an event Security
// Hub does not hold, and says so; nothing is changed.
func TestDryRunOfUnheldEventSaysSo(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := event(t, "imported-standard-5.3.json")
	r := newEngine(t, w, quiet, true).Run(context.Background(), fs)[0]
	if r.Decision != Planned || len(r.Actions) != 2 || !strings.Contains(r.Reason, "Security Hub in eu-central-1 holds no such finding: planned from the event alone, a real run would skip it") {
		t.Errorf("%s (%s) %d actions", r.Decision, r.Reason, len(r.Actions))
	}
	if _, writes := w.Account(member).Log.Counts(); writes != 0 {
		t.Errorf("%d writes", writes)
	}
}

// TestConfirmationFailure: when Security Hub cannot be asked, a real run
// does nothing and retries; a dry run plans from the event, saying why.
func TestConfirmationFailure(t *testing.T) {
	denied := fake.APIError("AccessDeniedException", "not authorized to perform: securityhub:GetFindings")
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "imported-standard-5.3.json")
	w.SecurityHub(region).Log.Fail("SecurityHub/GetFindings", denied, denied)
	r := newEngine(t, w, quiet, false).Run(context.Background(), fs)[0]
	if r.Decision != Failed || !strings.Contains(r.Reason, "cannot confirm the finding with Security Hub in eu-central-1") || !strings.Contains(r.Reason, "AccessDeniedException") {
		t.Errorf("real run: %s (%s)", r.Decision, r.Reason)
	}
	untouched(t, w)
	r = newEngine(t, w, quiet, true).Run(context.Background(), fs)[0]
	if r.Decision != Planned || !strings.Contains(r.Reason, "not confirmed with Security Hub") {
		t.Errorf("dry run: %s (%s)", r.Decision, r.Reason)
	}
}

// TestActsOnSecurityHubsCopy: an event naming another resource of the same
// finding changes what Security Hub's copy names, not what the event says.
func TestActsOnSecurityHubsCopy(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "imported-standard-5.3.json")
	decoy := w.Account(member).EC2(region).AddSecurityGroup("vpc-2", "default", nil)
	fs[0].Resource.ID = "arn:aws:ec2:eu-central-1:444455556666:security-group/" + decoy
	r := newEngine(t, w, quiet, false).Run(context.Background(), fs)[0]
	if r.Decision != Remediated || r.Resource != "arn:aws:ec2:eu-central-1:444455556666:security-group/"+sg {
		t.Errorf("%s on %s (%s)", r.Decision, r.Resource, r.Reason)
	}
}

// TestConfirmationCallsPerBatch: one GetFindings per 20 findings of a hub
// region, none for findings the event alone rules out.
func TestConfirmationCallsPerBatch(t *testing.T) {
	w := fake.NewOrg(admin)
	var fs []finding.Finding
	for i := range 25 {
		fs = append(fs, heldVariant(t, w, "imported-standard-5.3.json", func(_ int, f *shtypes.AwsSecurityFinding) {
			f.Id = aws.String(fmt.Sprintf("finding-%02d", i))
		})...)
	}
	fs = append(fs, event(t, "deploy/forged-imported-EC2.2.json")...)
	newEngine(t, w, quiet, true).Run(context.Background(), fs)
	if n := hubCalls(w, region, "GetFindings"); n != 2 {
		t.Errorf("%d GetFindings calls for 25 findings, want 2", n)
	}
}

// cancelling cancels the run when the second finding asks for its member
// clients: the first has been handled by then (findings of one account run
// one after another).
// TestUpdatesSentWhenRunIsCancelled: an invocation cut short still sends
// the update the finding it completed earned, before Run returns. Two
// findings of one control, one at a time: the run is cancelled while the
// second is handled, so the first's update still waits for its group.
func TestUpdatesSentWhenRunIsCancelled(t *testing.T) {
	w := fake.NewOrg(admin)
	const first, second = "100000000001", "100000000002"
	fs := scenarios[0].findings(t, w, first, second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.Account(second).Log.Before("EC2/DescribeSecurityGroups", cancel)
	rs := newEngine(t, w, quiet+"\nconcurrency: 1", false).Run(ctx, fs)

	if r := rs[0]; r.Decision != Remediated || r.Workflow != "RESOLVED" || w.SecurityHub(region).Finding(r.ID).Workflow != shtypes.WorkflowStatusResolved {
		t.Errorf("first: %s (%s), workflow %q", r.Decision, r.Reason, r.Workflow)
	}
	if r := rs[1]; r.Decision != Failed || w.SecurityHub(region).Finding(r.ID).Workflow != shtypes.WorkflowStatusNew {
		t.Errorf("second: %s (%s), want failed and NEW", r.Decision, r.Reason)
	}
}

// TestRedeliveredInOneBatch: the same finding twice in one batch (an SQS
// redelivery beside the original) is handled once, and the "remediated"
// note it earned is not overwritten by a "nothing to change" one.
func TestRedeliveredInOneBatch(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "imported-standard-5.3.json")
	rs := newEngine(t, w, quiet, false).Run(context.Background(), append(fs, fs[0]))
	if rs[0].Decision != Remediated || rs[1].Decision != Skipped || !strings.Contains(rs[1].Reason, "finding 1 of this batch") {
		t.Errorf("%s (%s); %s (%s)", rs[0].Decision, rs[0].Reason, rs[1].Decision, rs[1].Reason)
	}
	if h := w.SecurityHub(region).Finding(fs[0].ID); !strings.HasPrefix(h.Note, "cisguard remediated") {
		t.Errorf("note %q", h.Note)
	}
}

// TestRedeliveredLater: the same event again after it was handled finds
// the finding RESOLVED in Security Hub and leaves it, note and all.
func TestRedeliveredLater(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "imported-standard-5.3.json")
	e := newEngine(t, w, quiet, false)
	e.Run(context.Background(), fs)
	note := w.SecurityHub(region).Finding(fs[0].ID).Note
	r := e.Run(context.Background(), fs)[0]
	if r.Decision != Skipped || !strings.Contains(r.Reason, "Security Hub holds it as workflow RESOLVED") {
		t.Errorf("%s (%s)", r.Decision, r.Reason)
	}
	if h := w.SecurityHub(region).Finding(fs[0].ID); h.Note != note || !strings.HasPrefix(note, "cisguard remediated") {
		t.Errorf("note %q, was %q", h.Note, note)
	}
}
