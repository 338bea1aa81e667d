package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

const (
	member = "444455556666" // the sample events' member account
	admin  = "777788889999" // the sample events' Security Hub administrator
	region = "eu-central-1"
)

func raw(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func event(t testing.TB, name string) []finding.Finding {
	t.Helper()
	fs, err := finding.Decode(raw(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// variant returns a sample event with its findings changed.
func variant(t testing.TB, name string, change func(int, *shtypes.AwsSecurityFinding)) []byte {
	t.Helper()
	b, err := fake.RewriteEvent(raw(t, name), change)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// heldVariant is a variant that Security Hub holds, decoded.
func heldVariant(t testing.TB, w *fake.Org, name string, change func(int, *shtypes.AwsSecurityFinding)) []finding.Finding {
	t.Helper()
	b := variant(t, name, change)
	if err := w.ImportEvent(b); err != nil {
		t.Fatal(err)
	}
	fs, err := finding.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// seedHub makes Security Hub hold findings built in Go, as they are.
func seedHub(w *fake.Org, fs []finding.Finding) { w.Hold(fs...) }

// held returns the findings of a sample event after putting them into the
// organization's Security Hub, as Security Hub holds the findings it sends.
func held(t testing.TB, w *fake.Org, name string) []finding.Finding {
	t.Helper()
	if err := w.ImportEvent(raw(t, name)); err != nil {
		t.Fatal(err)
	}
	return event(t, name)
}

func newEngine(t testing.TB, w *fake.Org, yaml string, dryRun bool) *Engine {
	t.Helper()
	return newEngineOpts(t, w, yaml, Options{DryRun: dryRun})
}

func newEngineOpts(t testing.TB, w *fake.Org, yaml string, opts Options) *Engine {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	set, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts.Now = func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }
	return New(cfg, set, w, opts)
}

// seedSample5x builds the resources the sample 5.3 and 5.1 events name.
func seedSample5x(w *fake.Org) {
	e := w.Account(member).EC2(region)
	e.AddSecurityGroupWithID("sg-0a1b2c3d4e5f60718", "vpc-0123456789abcdef0", "default", nil)
	e.AddRule("sg-0a1b2c3d4e5f60718", false, types.SecurityGroupRule{IpProtocol: aws.String("-1"), ReferencedGroupInfo: &types.ReferencedSecurityGroup{GroupId: aws.String("sg-0a1b2c3d4e5f60718")}})
	e.AddRule("sg-0a1b2c3d4e5f60718", true, types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")})
	e.AddNetworkACLWithID("acl-0fedcba9876543210", "vpc-0123456789abcdef0", nil, types.NetworkAclEntry{
		RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("6"), RuleAction: types.RuleActionAllow,
		CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(22), To: aws.Int32(22)}})
}

// hubUpdates counts the BatchUpdateFindings calls of a region's hub.
func hubUpdates(w *fake.Org, region string) int {
	n := 0
	for _, c := range w.SecurityHub(region).Log.Calls() {
		if c.Operation == "BatchUpdateFindings" {
			n++
		}
	}
	return n
}

const centralTopic = "arn:aws:sns:eu-central-1:777788889999:cisguard-notifications"

func TestRemediatesSampleEvent(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	w.Admin.SNS(region).AddTopic("cisguard-notifications")
	fs := held(t, w, "imported-standard-5.3.json")

	rs := newEngine(t, w, "notifications: {topicArn: "+centralTopic+"}", false).Run(context.Background(), fs)
	r := rs[0]
	if r.Decision != Remediated || r.Reason != "2 action(s) applied, verified" {
		t.Fatalf("result %+v", r)
	}
	if got := w.Account(member).EC2(region).Rules("sg-0a1b2c3d4e5f60718"); len(got) != 0 {
		t.Errorf("rules left: %v", got)
	}
	h := w.SecurityHub(region).Finding(fs[0].ID)
	if h.Workflow != shtypes.WorkflowStatusResolved || !strings.HasPrefix(h.Note, "cisguard remediated (verified): revoke 1 ingress rule(s) of default security group sg-0a1b2c3d4e5f60718") {
		t.Errorf("hub finding %+v", h)
	}
	msgs := w.Admin.SNS(region).Published(centralTopic)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "CIS 5.3 remediated: 444455556666 eu-central-1") ||
		!strings.Contains(msgs[0].Body, "revoke 1 egress rule(s) of default security group sg-0a1b2c3d4e5f60718") {
		t.Errorf("messages %+v", msgs)
	}
	if r.Notification != "sent" || r.Workflow != "RESOLVED" {
		t.Errorf("notification %q workflow %q", r.Notification, r.Workflow)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	w.Admin.SNS(region).AddTopic("cisguard-notifications")
	fs := append(held(t, w, "imported-standard-5.3.json"), held(t, w, "imported-control-EC2.21.json")...)
	before := len(w.Account(member).EC2(region).Rules("sg-0a1b2c3d4e5f60718"))

	rs := newEngine(t, w, "notifications: {topicArn: "+centralTopic+"}", true).Run(context.Background(), fs)
	for _, r := range rs {
		if r.Decision != Planned || len(r.Actions) == 0 {
			t.Errorf("result %+v", r)
		}
		for _, a := range r.Actions {
			if a.Done {
				t.Errorf("dry run marked %q done", a.Description)
			}
		}
	}
	if n := len(w.Account(member).EC2(region).Rules("sg-0a1b2c3d4e5f60718")); n != before {
		t.Errorf("dry run changed rules: %d -> %d", before, n)
	}
	if _, writes := w.Account(member).Log.Counts(); writes != 0 {
		t.Errorf("dry run made %d writes", writes)
	}
	if len(w.Admin.SNS(region).Published(centralTopic)) != 0 || hubUpdates(w, region) != 0 {
		t.Error("dry run notified or updated Security Hub")
	}
}

func TestEveryFindingOfACustomAction(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	w.Admin.SNS(region).AddTopic("cisguard-notifications")
	fs := held(t, w, "custom-action-two-findings.json")
	rs := newEngine(t, w, "notifications: {topicArn: "+centralTopic+"}", false).Run(context.Background(), fs)
	if len(rs) != 2 || rs[0].CIS != "5.3" || rs[1].CIS != "2.2.1" {
		t.Fatalf("results %+v", rs)
	}
	for _, r := range rs {
		if r.Decision != Remediated {
			t.Errorf("%s: %s (%s)", r.CIS, r.Decision, r.Reason)
		}
	}
	if !w.Account(member).EC2(region).EBSEncryptionByDefault() {
		t.Error("2.2.1 not remediated")
	}
	if n := len(w.Admin.SNS(region).Published(centralTopic)); n != 2 {
		t.Errorf("%d messages, want one per finding", n)
	}
	// Both updates share the hub region; each has its own note.
	if n := hubUpdates(w, region); n != 2 {
		t.Errorf("%d BatchUpdateFindings calls", n)
	}
	if w.Assumed(member) != 1 { // once per account
		t.Errorf("member clients requested %d times", w.Assumed(member))
	}
}

func TestSkipsAndFailures(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "imported-mixed-states.json")
	rs := newEngine(t, w, "notifications: {disabled: true}", false).Run(context.Background(), fs)
	want := []struct{ decision, reason string }{
		{Remediated, "1 action(s) applied, verified"},
		{Skipped, `the event says compliance "PASSED", not FAILED`},
		{Skipped, `the event says record state "ARCHIVED", not ACTIVE`},
		{Skipped, "the event says workflow NOTIFIED: already handled"},
		{Failed, "not a 12-digit account id"},
		{Skipped, "sg-0a1b2c3d4e5f60718 is exempt: tag cisguard:exempt=true"},
	}
	for i, w := range want {
		if rs[i].Decision != w.decision || !strings.Contains(rs[i].Reason, w.reason) {
			t.Errorf("finding %d: %s (%s), want %s (%s)", i, rs[i].Decision, rs[i].Reason, w.decision, w.reason)
		}
	}
	if Failures(rs) != 1 {
		t.Errorf("Failures = %d", Failures(rs))
	}
	// Only the handled finding is updated; skipped and failed ones are not.
	if n := hubUpdates(w, region); n != 1 {
		t.Errorf("%d hub calls", n)
	}
}

func TestExclusions(t *testing.T) {
	tests := []struct {
		name, yaml, mgmt, reason string
		decision                 string
	}{
		{"excluded account", "excludedAccounts: ['444455556666']", "", "excluded by configuration", Skipped},
		{"management account", "", member, "management account", Skipped},
		{"management account included", "includeManagementAccount: true", member, "", Remediated},
		{"mode off", "controls: {'5.3': {mode: off}}", "", "controls.5.3.mode is off", Skipped},
		{"section off", "controls: {'5': {mode: off}}", "", "mode is off", Skipped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := fake.NewOrg(admin)
			w.Management = tt.mgmt
			seedSample5x(w)
			fs := held(t, w, "imported-standard-5.3.json")
			rs := newEngine(t, w, tt.yaml+"\nnotifications: {disabled: true}", false).Run(context.Background(), fs)
			if rs[0].Decision != tt.decision || !strings.Contains(rs[0].Reason, tt.reason) {
				t.Errorf("%s (%s)", rs[0].Decision, rs[0].Reason)
			}
		})
	}
}

func TestNotifyModeSendsSteps(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	topic := w.Account(member).SNS(region).AddTopic("CIS_Remediation-CISRemediationSNSTopic-1A2B3C")
	fs := held(t, w, "imported-control-EC2.21.json")
	rs := newEngine(t, w, "controls: {'5.1': {mode: notify}}", false).Run(context.Background(), fs)
	r := rs[0]
	if r.Decision != Notified || r.Guidance == nil || len(r.Guidance.Steps) != 1 {
		t.Fatalf("result %+v", r)
	}
	if _, writes := w.Account(member).Log.Counts(); writes != 1 { // the Publish only
		t.Errorf("notify mode made %d writes", writes)
	}
	msgs := w.Account(member).SNS(region).Published(topic)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "What to do:") || !strings.Contains(msgs[0].Body, "delete network ACL acl-0fedcba9876543210 ingress entry 100") {
		t.Errorf("member topic messages %+v", msgs)
	}
	if h := w.SecurityHub(region).Finding(fs[0].ID); h.Workflow != shtypes.WorkflowStatusNotified {
		t.Errorf("workflow %s", h.Workflow)
	}
}

func TestNoTopicIsReportedNotFatal(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "imported-standard-5.3.json")
	rs := newEngine(t, w, "", false).Run(context.Background(), fs)
	if rs[0].Decision != Remediated || !strings.Contains(rs[0].Notification, "no topic named *CISRemediationSNSTopic*") {
		t.Errorf("result %+v", rs[0])
	}
}

func TestUnreachableAccountFails(t *testing.T) {
	w := fake.NewOrg(admin) // no member account: the role cannot be assumed
	fs := held(t, w, "imported-standard-5.3.json")
	rs := newEngine(t, w, "notifications: {disabled: true}", false).Run(context.Background(), fs)
	want := "account 444455556666, eu-central-1, " + fs[0].Resource.ID + ": cannot assume the member role arn:aws:iam::444455556666:role/CIS_Remediator_Role: AccessDenied: "
	if r := rs[0]; r.Decision != Failed || !strings.HasPrefix(r.Reason, want) || !strings.HasSuffix(r.Reason, "deploy the member role StackSet there (cisguard deploy), or check roleName and externalId in the configuration") {
		t.Errorf("reason %q\nwant prefix %q and the fix", r.Reason, want)
	}
	if h := w.SecurityHub(region).Finding(fs[0].ID); h.Workflow != shtypes.WorkflowStatusNew {
		t.Errorf("a failed finding must stay NEW, is %s", h.Workflow)
	}
}

func TestApplyFailureSaysWhatRan(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	w.Account(member).Log.Fail("EC2/RevokeSecurityGroupEgress", fake.APIError("UnauthorizedOperation", "You are not authorized"))
	fs := held(t, w, "imported-standard-5.3.json")
	rs := newEngine(t, w, "notifications: {disabled: true}", false).Run(context.Background(), fs)
	r := rs[0]
	if r.Decision != Failed || len(r.Actions) != 2 || !r.Actions[0].Done || !strings.Contains(r.Actions[1].Error, "UnauthorizedOperation") {
		t.Fatalf("result %+v", r)
	}
	// The reason names where, the action it stopped at, and AWS's answer.
	want := fmt.Sprintf("account 444455556666, eu-central-1, %s: apply %q (1 of 2 actions done before it): UnauthorizedOperation: You are not authorized", fs[0].Resource.ID, r.Actions[1].Description)
	if r.Reason != want {
		t.Errorf("reason %q\nwant   %q", r.Reason, want)
	}
}

// TestProgressCountsEveryFinding: Progress sees every finding settled,
// those settled at intake and those handled, ending at the total.
func TestProgressCountsEveryFinding(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "imported-standard-5.3.json")
	passed := fs[0]
	passed.ID, passed.Compliance = "passed", "PASSED" // settled at intake, no call
	fs = append(fs, passed)
	var calls [][2]int
	e := newEngineOpts(t, w, "notifications: {disabled: true}", Options{DryRun: true, Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	e.Run(context.Background(), fs)
	if want := [][2]int{{1, 2}, {2, 2}}; fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("progress calls %v, want %v", calls, want)
	}
}

func TestHubFailureDoesNotFailRemediation(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	fs := held(t, w, "imported-standard-5.3.json")
	w.SecurityHub(region).Log.Fail("SecurityHub/BatchUpdateFindings", fake.APIError("AccessDeniedException", "not allowed"))
	rs := newEngine(t, w, "notifications: {disabled: true}", false).Run(context.Background(), fs)
	if rs[0].Decision != Remediated || !strings.Contains(rs[0].Workflow, "not updated") || Failures(rs) != 0 {
		t.Errorf("result %+v", rs[0])
	}
}

// TestManyAccountsConcurrently runs a batch across accounts under the race
// detector and checks results keep input order.
func TestManyAccountsConcurrently(t *testing.T) {
	w := fake.NewOrg(admin)
	var fs []finding.Finding
	for i := range 60 {
		acct := fmt.Sprintf("1000000000%02d", i%20)
		e := w.Account(acct).EC2(region)
		sg := e.AddSecurityGroup("vpc-1", "default", nil)
		e.AddRule(sg, true, types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")})
		fs = append(fs, heldVariant(t, w, "imported-standard-5.3.json", func(_ int, f *shtypes.AwsSecurityFinding) {
			f.Id = aws.String(fmt.Sprintf("finding-%02d", i))
			f.AwsAccountId = aws.String(acct)
			f.Resources[0].Id = aws.String("arn:aws:ec2:eu-central-1:" + acct + ":security-group/" + sg)
		})...)
	}
	rs := newEngine(t, w, "notifications: {disabled: true}", false).Run(context.Background(), fs)
	for i, r := range rs {
		if r.ID != fs[i].ID || r.Decision != Remediated {
			t.Fatalf("result %d: %s %s (%s)", i, r.ID, r.Decision, r.Reason)
		}
	}
}
