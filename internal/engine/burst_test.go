package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

// guard bounds how long a test waits for something that must happen; it
// only turns a hang into a failure, it measures nothing.
const guard = 10 * time.Second

// defaultGroup seeds another default security group in the member
// account, open to the world or without rules, and returns its 5.3
// finding, held by Security Hub.
func defaultGroup(t *testing.T, w *fake.Org, sg string, open bool) finding.Finding {
	t.Helper()
	e := w.Account(member).EC2(region)
	e.AddSecurityGroupWithID(sg, "vpc-"+sg, "default", nil)
	if open {
		e.AddRule(sg, true, types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")})
	}
	return heldVariant(t, w, "imported-standard-5.3.json", func(_ int, f *shtypes.AwsSecurityFinding) {
		f.Id = aws.String("finding-" + sg)
		f.Resources[0].Id = aws.String("arn:aws:ec2:" + region + ":" + member + ":security-group/" + sg)
	})[0]
}

// TestOneAccountsResourcesSideBySide: findings of one account about
// different resources are not handled one after the other: while the
// first is held at its write, the second makes its own.
func TestOneAccountsResourcesSideBySide(t *testing.T) {
	w := fake.NewOrg(admin)
	fs := []finding.Finding{defaultGroup(t, w, "sg-1", true), defaultGroup(t, w, "sg-2", true)}
	log := w.Account(member).Log
	first := log.Pause("EC2/RevokeSecurityGroupEgress")
	second := make(chan struct{})
	log.Before("EC2/RevokeSecurityGroupEgress", func() { close(second) })

	done := make(chan []Result, 1)
	go func() { done <- newEngine(t, w, quiet, false).Run(context.Background(), fs) }()
	select {
	case <-first.Held():
	case rs := <-done:
		t.Fatalf("no fix was held: %+v", rs)
	}
	select {
	case <-second:
	case <-time.After(guard):
		t.Error("the second finding waited for the first: findings of one account were serialized")
	}
	first.Release()
	for _, r := range <-done {
		if r.Decision != Remediated {
			t.Errorf("%s: %s (%s)", r.ID, r.Decision, r.Reason)
		}
	}
}

// TestDeadlineStopsStarting: when the invocation's deadline is nearer than
// the margin a finding may take, no finding starts: those left fail
// untouched (retried later), those done keep their update.
func TestDeadlineStopsStarting(t *testing.T) {
	w := fake.NewOrg(admin)
	fs := scenarios[0].findings(t, w, "100000000001", "100000000002", "100000000003")
	deadline := time.Now().Add(time.Hour)
	now := deadline.Add(-30 * time.Minute)
	e := newEngineOpts(t, w, quiet+"\nconcurrency: 1", Options{Margin: time.Minute})
	e.clock = func() time.Time { return now }
	// While the first finding is handled, the deadline comes near.
	w.Account("100000000001").Log.Before("EC2/RevokeSecurityGroupEgress", func() { now = deadline.Add(-20 * time.Second) })
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	rs := e.Run(ctx, fs)

	if rs[0].Decision != Remediated || w.SecurityHub(region).Finding(rs[0].ID).Workflow != shtypes.WorkflowStatusResolved {
		t.Errorf("first: %s (%s)", rs[0].Decision, rs[0].Reason)
	}
	for _, r := range rs[1:] {
		if r.Decision != Failed || !strings.Contains(r.Reason, "not started: 20s left before the invocation's deadline, less than the 1m0s a finding may take") {
			t.Errorf("%s: %s (%s)", r.Account, r.Decision, r.Reason)
		}
		if w.Assumed(r.Account) != 0 || w.SecurityHub(region).Finding(r.ID).Workflow != shtypes.WorkflowStatusNew {
			t.Errorf("%s was touched", r.Account)
		}
	}
}

// TestRoleMissingInOneAccount: the member role cannot be assumed in one
// account. Its findings fail naming the role, AWS's refusal and the fix,
// at the cost of one AssumeRole per run, and stay NEW; the other
// accounts' findings are handled.
func TestRoleMissingInOneAccount(t *testing.T) {
	w := fake.NewOrg(admin)
	const ok, missing = "100000000001", "100000000002"
	fs := scenarios[0].findings(t, w, ok)
	for _, sg := range []string{"sg-1", "sg-2", "sg-3"} {
		f := fs[0]
		f.ID, f.Account = "finding-"+sg, missing
		f.Resource.ID = "arn:aws:ec2:" + region + ":" + missing + ":security-group/" + sg
		seedHub(w, []finding.Finding{f})
		fs = append(fs, f)
	}
	rs := newEngine(t, w, quiet, false).Run(context.Background(), fs)

	if rs[0].Decision != Remediated {
		t.Errorf("%s: %s (%s)", ok, rs[0].Decision, rs[0].Reason)
	}
	for _, r := range rs[1:] {
		for _, want := range []string{"arn:aws:iam::" + missing + ":role/CIS_Remediator_Role", "AccessDenied", "deploy the member role StackSet there"} {
			if r.Decision != Failed || !strings.Contains(r.Reason, want) {
				t.Errorf("%s: %s (%s), want failed saying %q", r.ID, r.Decision, r.Reason, want)
			}
		}
		if h := w.SecurityHub(region).Finding(r.ID); h.Workflow != shtypes.WorkflowStatusNew {
			t.Errorf("%s: %s, want NEW", r.ID, h.Workflow)
		}
	}
	if n := w.Assumed(missing); n != 1 {
		t.Errorf("%d AssumeRole calls for the account without the role, want 1 per run", n)
	}
}

// TestSharedNoteOneCallPerControlAndOutcome: three findings of 5.3
// remediated alike share one BatchUpdateFindings call and a note naming
// the control and outcome; a finding alone with its control and outcome
// keeps its own note.
func TestSharedNoteOneCallPerControlAndOutcome(t *testing.T) {
	w := fake.NewOrg(admin)
	fs := scenarios[0].findings(t, w, "100000000001", "100000000002", "100000000003")
	fs = append(fs, scenarios[1].findings(t, w, "100000000001")...)
	fs = append(fs, defaultGroup(t, w, "sg-closed", false))
	rs := newEngine(t, w, quiet, false).Run(context.Background(), fs)

	if n := hubUpdates(w, region); n != 3 {
		t.Errorf("%d BatchUpdateFindings calls, want 3 (5.3 remediated, 5.3 compliant, 5.1)", n)
	}
	for _, r := range rs[:3] {
		if n := w.SecurityHub(region).Finding(r.ID).Note; n != "cisguard, CIS 5.3 (EC2.2): remediated and verified. What it found and did for each resource is in cisguard's log for the finding." {
			t.Errorf("%s: note %q", r.ID, n)
		}
		if r.Workflow != "RESOLVED" {
			t.Errorf("%s: workflow %q", r.ID, r.Workflow)
		}
	}
	if n := w.SecurityHub(region).Finding(rs[3].ID).Note; !strings.HasPrefix(n, "cisguard remediated (verified): add network ACL acl-100000000001") {
		t.Errorf("5.1 note %q", n)
	}
	if n := w.SecurityHub(region).Finding(rs[4].ID).Note; !strings.HasPrefix(n, "cisguard found nothing to change") {
		t.Errorf("compliant 5.3 note %q (%s)", n, rs[4].Reason)
	}
}

// TestBurstCosts: the burst of BenchmarkBurst in three accounts, in one
// batch: every finding remediated; the member role assumed once per
// account; one GetFindings per 20 findings; one BatchUpdateFindings per
// control (six controls, 60 findings each at most), each with the shared
// note.
func TestBurstCosts(t *testing.T) {
	w := fake.NewOrg(admin)
	w.Admin.SNS(region).AddTopic("cisguard-notifications")
	fs := burst(w, 3)
	rs := newEngine(t, w, "notifications: {topicArn: "+centralTopic+"}", false).Run(context.Background(), fs)
	for _, r := range rs {
		if r.Decision != Remediated || !strings.HasSuffix(r.Reason, "verified") || r.Workflow != "RESOLVED" || r.Notification != "sent" {
			t.Fatalf("%s %s: %s (%s), workflow %q, notification %q", r.CIS, r.Resource, r.Decision, r.Reason, r.Workflow, r.Notification)
		}
	}
	for i := range 3 {
		if n := w.Assumed(fmt.Sprintf("2000000000%02d", i)); n != 1 {
			t.Errorf("account %d: %d AssumeRole", i, n)
		}
	}
	if n, want := hubCalls(w, region, "GetFindings"), (len(fs)+19)/20; n != want {
		t.Errorf("%d GetFindings for %d findings, want %d", n, len(fs), want)
	}
	if n := hubCalls(w, region, "BatchUpdateFindings"); n != 6 {
		t.Errorf("%d BatchUpdateFindings for %d findings of 6 controls, want 6", n, len(fs))
	}
	if n := w.SecurityHub(region).Finding(rs[0].ID).Note; !strings.HasPrefix(n, "cisguard, CIS 5.3 (EC2.2): remediated and verified.") {
		t.Errorf("note %q", n)
	}
}
