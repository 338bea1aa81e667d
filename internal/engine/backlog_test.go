package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

// confirmed returns Security Hub's copies of a sample's findings as
// `remediate --from-hub` reads them (GetFindings), after changing them.
func confirmed(t *testing.T, w *fake.Org, name string, change func(int, *shtypes.AwsSecurityFinding)) []finding.Finding {
	t.Helper()
	b := variant(t, name, change)
	asff, err := fake.ParseASFF(b)
	if err != nil {
		t.Fatal(err)
	}
	var fs []finding.Finding
	for _, a := range asff {
		w.SecurityHub(region).Import(a)
		f, err := finding.FromSecurityHub(a, region)
		if err != nil {
			t.Fatal(err)
		}
		f.Trigger = finding.Imported
		fs = append(fs, f)
	}
	return fs
}

// TestConfirmedFindingsAreNotAskedAgain: Security Hub's own copies are
// acted on without a second GetFindings, as events would be.
func TestConfirmedFindingsAreNotAskedAgain(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := confirmed(t, w, "imported-standard-5.3.json", func(int, *shtypes.AwsSecurityFinding) {})
	rs := newEngine(t, w, "notifications: {disabled: true}", false).Run(context.Background(), fs)
	if rs[0].Decision != Remediated {
		t.Fatalf("result %+v", rs[0])
	}
	for _, c := range w.SecurityHub(region).Log.Calls() {
		if c.Operation == "GetFindings" {
			t.Error("a finding read from Security Hub was confirmed again")
		}
	}
	if h := w.SecurityHub(region).Finding(fs[0].ID); h.Workflow != shtypes.WorkflowStatusResolved {
		t.Errorf("workflow %s", h.Workflow)
	}
}

// TestConfirmedFindingsKeepTheTrustRules: a copy Security Hub holds is
// still judged on provenance and ownership: another product's finding
// and a finding about another account's resource change nothing.
func TestConfirmedFindingsKeepTheTrustRules(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	forged := confirmed(t, w, "imported-standard-5.3.json", func(_ int, f *shtypes.AwsSecurityFinding) {
		f.Id = aws.String("forged")
		f.ProductArn = aws.String("arn:aws:securityhub:eu-central-1:444455556666:product/444455556666/default")
	})
	foreign := confirmed(t, w, "imported-standard-5.3.json", func(_ int, f *shtypes.AwsSecurityFinding) {
		f.Id = aws.String("foreign")
		f.Resources[0].Id = aws.String("arn:aws:ec2:eu-central-1:999999999999:security-group/sg-0a1b2c3d4e5f60718")
	})
	rs := newEngine(t, w, "notifications: {disabled: true}", false).Run(context.Background(), append(forged, foreign...))
	for _, r := range rs {
		if r.Decision != Skipped {
			t.Errorf("%s: %s (%s), want skipped", r.ID, r.Decision, r.Reason)
		}
	}
	if !strings.Contains(rs[0].Reason, "product/444455556666/default") {
		t.Errorf("forged: %s", rs[0].Reason)
	}
	if w.Assumed(member) != 0 {
		t.Error("a member role was assumed")
	}
}
