package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/perms"
)

// A remediation scenario: the typical non-compliant resource of a control
// in an account, and its finding, held by Security Hub.
type scenario struct {
	cis, control string
	seed         func(w *fake.Org, acct string) (typ, resource string)
	// heavy marks the heaviest case measured, not one of the five
	// compared before and after.
	heavy bool
}

var scenarios = []scenario{
	{"5.3", "EC2.2", func(w *fake.Org, acct string) (string, string) {
		e := w.Account(acct).EC2(region)
		sg := "sg-" + acct
		e.AddSecurityGroupWithID(sg, "vpc-1", "default", nil)
		e.AddRule(sg, false, types.SecurityGroupRule{IpProtocol: aws.String("-1"), ReferencedGroupInfo: &types.ReferencedSecurityGroup{GroupId: aws.String(sg)}})
		e.AddRule(sg, true, types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")})
		return "AwsEc2SecurityGroup", "arn:aws:ec2:" + region + ":" + acct + ":security-group/" + sg
	}, false},
	{"5.1", "EC2.21", func(w *fake.Org, acct string) (string, string) {
		acl := "acl-" + acct
		w.Account(acct).EC2(region).AddNetworkACLWithID(acl, "vpc-1", nil, types.NetworkAclEntry{
			RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0")})
		return "AwsEc2NetworkAcl", "arn:aws:ec2:" + region + ":" + acct + ":network-acl/" + acl
	}, false},
	{"1.14", "IAM.3", func(w *fake.Org, acct string) (string, string) {
		w.Account(acct).AddUser(fake.User{Name: "ci-" + acct, AccessKeys: []fake.AccessKey{{Created: testNow.Add(-120 * 24 * time.Hour)}}})
		return "AwsIamUser", "arn:aws:iam::" + acct + ":user/ci-" + acct
	}, false},
	{"3.4", "CloudTrail.5", func(w *fake.Org, acct string) (string, string) {
		a := w.Account(acct)
		a.AddPolicy(perms.BoundaryName, perms.Boundary().Resolve(a.Partition, a.ID, "CIS_Remediator_Role").JSON())
		a.CloudTrail(region).AddTrail(fake.Trail{Logging: true, Trail: cttypes.Trail{Name: aws.String("main"), S3BucketName: aws.String("trail-bucket"), IsMultiRegionTrail: aws.Bool(true)}})
		return "AwsCloudTrailTrail", "arn:aws:cloudtrail:" + region + ":" + acct + ":trail/main"
	}, false},
	{"4.3", "CloudWatch.1", func(w *fake.Org, acct string) (string, string) {
		loggedTrailIn(w, acct)
		return "AwsAccount", "AWS::::Account:" + acct
	}, false},
	// The longest remediation: 4.3 on an account whose trail delivers to
	// no log group yet (3.4's fix first), alarm topic created.
	{"4.3", "CloudWatch.1", func(w *fake.Org, acct string) (string, string) {
		a := w.Account(acct)
		a.AddPolicy(perms.BoundaryName, perms.Boundary().Resolve(a.Partition, a.ID, "CIS_Remediator_Role").JSON())
		a.CloudTrail(region).AddTrail(fake.Trail{Logging: true, Trail: cttypes.Trail{Name: aws.String("main"), S3BucketName: aws.String("trail-bucket"), IsMultiRegionTrail: aws.Bool(true)}})
		return "AwsAccount", "AWS::::Account:" + acct
	}, true},
}

// findings seeds the scenario in each account and returns its findings,
// held by Security Hub.
func (s scenario) findings(t testing.TB, w *fake.Org, accounts ...string) []finding.Finding {
	t.Helper()
	sample := event(t, "imported-standard-5.3.json")[0]
	var fs []finding.Finding
	for _, acct := range accounts {
		typ, res := s.seed(w, acct)
		f := sample
		f.ID = fmt.Sprintf("arn:aws:securityhub:%s:%s:security-control/%s/finding/%s", region, acct, s.control, acct)
		f.Account, f.CIS, f.SecurityControl = acct, s.cis, s.control
		f.Resource = finding.Resource{Type: typ, ID: res, Partition: "aws", Region: region}
		fs = append(fs, f)
	}
	seedHub(w, fs)
	return fs
}

// testNow is the engine tests' clock (newEngineOpts).
var testNow = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// deployed is the configuration the admin stack gives the function:
// messages to the central topic, alarms to the administrator's queue.
const deployed = "notifications: {topicArn: " + centralTopic + ", alarmQueueArn: " + alarmQueue + "}"

// costs counts the AWS calls of one run by what they are for.
type costs struct {
	GetFindings, BatchUpdateFindings, DescribeOrganization, AssumeRole int
	Decide, Writes, Verify                                             int // member account: reads before the first write, writes, reads after it
	Publish, AdminOther                                                int // administrator account: messages, other calls (alarm queue subscriptions)
}

func (c costs) total() int {
	return c.GetFindings + c.BatchUpdateFindings + c.DescribeOrganization + c.AssumeRole + c.Decide + c.Writes + c.Verify + c.Publish + c.AdminOther
}

func (c costs) String() string {
	return fmt.Sprintf("%d = GetFindings %d + BatchUpdateFindings %d + DescribeOrganization %d + AssumeRole %d + decide %d + writes %d + verify %d + Publish %d + other admin %d",
		c.total(), c.GetFindings, c.BatchUpdateFindings, c.DescribeOrganization, c.AssumeRole, c.Decide, c.Writes, c.Verify, c.Publish, c.AdminOther)
}

// measure counts the calls of the runs since the logs were last reset.
func measure(w *fake.Org, accounts ...string) costs {
	var c costs
	for _, call := range w.SecurityHub(region).Log.Calls() {
		switch call.Operation {
		case "GetFindings":
			c.GetFindings++
		case "BatchUpdateFindings":
			c.BatchUpdateFindings++
		}
	}
	c.DescribeOrganization = len(w.Log.Calls())
	for _, call := range w.Admin.Log.Calls() {
		if call.Operation == "Publish" {
			c.Publish++
		} else {
			c.AdminOther++
		}
	}
	for _, a := range accounts {
		c.AssumeRole += w.Assumed(a)
		wrote := false
		for _, call := range w.Account(a).Log.Calls() {
			switch {
			case call.Write():
				wrote = true
				c.Writes++
			case wrote:
				c.Verify++
			default:
				c.Decide++
			}
		}
	}
	return c
}

// TestCallsPerRemediation checks and prints what one finding of each measured control
// costs, alone in its invocation (go test -run CallsPerRemediation -v).
func TestCallsPerRemediation(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.cis, func(t *testing.T) {
			w := fake.NewOrg(admin)
			w.Admin.SNS(region).AddTopic("cisguard-notifications")
			fs := s.findings(t, w, member)
			rs := newEngine(t, w, deployed, false).Run(context.Background(), fs)
			if rs[0].Decision != Remediated || !strings.HasSuffix(rs[0].Reason, "verified") {
				t.Fatalf("%s: %s (%s)", s.cis, rs[0].Decision, rs[0].Reason)
			}
			c := measure(w, member)
			t.Logf("%s: %v", s.cis, c)
			if c.GetFindings != 1 || c.BatchUpdateFindings != 1 || c.DescribeOrganization != 1 || c.AssumeRole != 1 {
				t.Errorf("%s: %v; want one GetFindings, BatchUpdateFindings, DescribeOrganization and AssumeRole", s.cis, c)
			}
		})
	}
}

// TestCallsPerRemediationInABurst checks and prints what a finding of each measured
// control costs in a batch of 100 (10 accounts, 10 findings each in
// different regions' hubs is not modelled: one hub region), on a warm
// engine (go test -run CallsPerRemediationInABurst -v).
func TestCallsPerRemediationInABurst(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.cis, func(t *testing.T) {
			w := fake.NewOrg(admin)
			w.Admin.SNS(region).AddTopic("cisguard-notifications")
			var accounts []string
			for i := range 100 {
				accounts = append(accounts, fmt.Sprintf("1000000001%02d", i))
			}
			fs := s.findings(t, w, accounts...)
			rs := newEngine(t, w, deployed, false).Run(context.Background(), fs)
			for _, r := range rs {
				if r.Decision != Remediated {
					t.Fatalf("%s: %s (%s)", s.cis, r.Decision, r.Reason)
				}
			}
			c := measure(w, accounts...)
			t.Logf("%s: 100 findings in 100 accounts: %v; per finding %.2f", s.cis, c, float64(c.total())/100)
			// Asked once per batch, not per finding: GetFindings per 20
			// findings, one update call per control and outcome, the
			// organization once, each account's role once.
			if c.GetFindings != 5 || c.BatchUpdateFindings != 1 || c.DescribeOrganization != 1 || c.AssumeRole != 100 {
				t.Errorf("%s: %v; want GetFindings 5, BatchUpdateFindings 1, DescribeOrganization 1, AssumeRole 100", s.cis, c)
			}
		})
	}
}
