package controls

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/fake"
)

func init() { reportPoll = time.Millisecond }

func days(n int) time.Time { return ago(float64(n)) }

func TestCheckUsersWithCredentialReport(t *testing.T) {
	h := newHarness(t)
	h.acct.AddUser(fake.User{Name: "console-mfa", Password: agoPtr(10), PasswordLastUsed: agoPtr(1), MFA: []string{"arn:aws:iam::111122223333:mfa/console-mfa"}})
	h.acct.AddUser(fake.User{Name: "console-no-mfa", Password: agoPtr(10), PasswordLastUsed: agoPtr(1)})
	h.acct.AddUser(fake.User{Name: "api", AccessKeys: []fake.AccessKey{{Created: days(30), LastUsed: agoPtr(1)}}})
	h.acct.AddUser(fake.User{Name: "never-used-key", AccessKeys: []fake.AccessKey{{Created: days(60)}}})
	h.acct.AddUser(fake.User{Name: "old-key", AccessKeys: []fake.AccessKey{{Created: days(120), LastUsed: agoPtr(1)}}})
	h.acct.AddUser(fake.User{Name: "idle-password", Password: agoPtr(200), PasswordLastUsed: agoPtr(100)})
	h.acct.AddUser(fake.User{Name: "inactive-old-key", AccessKeys: []fake.AccessKey{{Created: days(400), Status: "Inactive"}}})
	h.acct.AddUser(fake.User{Name: "exempt", Tags: map[string]string{"cisguard:exempt": "true"}, AccessKeys: []fake.AccessKey{{Created: days(400)}}})

	want(t, h.scan("1.10", ""), map[string]Status{"console-mfa": Pass, "console-no-mfa": Fail, "api": Pass, "never-used-key": Pass, "old-key": Pass, "idle-password": Fail, "inactive-old-key": Pass, "exempt": Pass})
	rs := h.scan("1.12", "")
	want(t, rs, map[string]Status{"console-mfa": Pass, "console-no-mfa": Pass, "api": Pass, "never-used-key": Fail, "old-key": Pass, "idle-password": Fail, "inactive-old-key": Pass, "exempt": Fail})
	if r := result(t, rs, "never-used-key"); !strings.Contains(r.Reason, "never used") {
		t.Errorf("never-used key: %q", r.Reason)
	}
	if r := result(t, rs, "exempt"); !strings.HasPrefix(r.Reason, "accepted exception") {
		t.Errorf("exempt user: %q", r.Reason)
	}
	want(t, h.scan("1.14", ""), map[string]Status{"console-mfa": Pass, "console-no-mfa": Pass, "api": Pass, "never-used-key": Pass, "old-key": Fail, "idle-password": Pass, "inactive-old-key": Pass, "exempt": Fail})

	// The report is generated once per account however many checks read
	// it (the memo shares it); here each scan has its own, and IAM's
	// report of under four hours is reused: no second generation.
	h.acct.Log.Reset()
	h.scan("1.14", "")
	gen := 0
	for _, c := range h.acct.Log.Calls() {
		if c.Operation == "GenerateCredentialReport" {
			gen++
		}
	}
	if gen != 1 {
		t.Errorf("%d GenerateCredentialReport calls for a report IAM has, want 1 (COMPLETE at once)", gen)
	}
}

// A credential report older than the state: the screen fails a user the
// report still shows with an old key, the plan finds it gone, and the
// result is the plan's PASS.
func TestCheckUsersStaleReportDefersToThePlan(t *testing.T) {
	h := newHarness(t)
	h.acct.AddUser(fake.User{Name: "rotated", AccessKeys: []fake.AccessKey{{Created: days(120), LastUsed: agoPtr(1)}}})
	want(t, h.scan("1.14", ""), map[string]Status{"rotated": Fail})
	h.remediate("1.14", resource("AwsIamUser", "arn:aws:iam::"+testAccount+":user/rotated"), "")
	want(t, h.scan("1.14", ""), map[string]Status{"rotated": Pass})
}

func TestCheckUsersNone(t *testing.T) {
	h := newHarness(t)
	want(t, h.scan("1.10", ""), map[string]Status{testAccount: NotApplicable})
	h.acct.Log.Fail("IAM/GetCredentialReport", fake.APIError("AccessDenied", "no"))
	h.acct.ExpireCredentialReport()
	rs := h.scan("1.12", "")
	if len(rs) != 1 || rs[0].Status != Error || !strings.Contains(rs[0].Reason, "credential report of account "+testAccount) {
		t.Fatalf("%+v", rs)
	}
}

func TestCheckAdminPolicies(t *testing.T) {
	h := newHarness(t)
	admin := h.acct.AddPolicy("admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	narrow := h.acct.AddPolicy("narrow", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	h.acct.AddPolicy("unattached-admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*:*","Resource":"*"}]}`)
	h.acct.AddUser(fake.User{Name: "bob", Attached: []string{admin, narrow}})
	want(t, h.scan("1.16", ""), map[string]Status{"admin": Fail, "narrow": Pass})
	// AWS managed AdministratorAccess attached to a role fails too (CIS
	// audits every attached policy), with steps to detach it, since AWS
	// managed policies cannot be changed.
	full := h.acct.AddAWSManagedPolicy("AdministratorAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	h.acct.AddAWSManagedPolicy("ReadOnlyAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","ec2:Describe*"],"Resource":"*"}]}`)
	h.acct.AddRole("ops", `{"Version":"2012-10-17","Statement":[]}`, full)
	rs := h.scan("1.16", "")
	want(t, rs, map[string]Status{"admin": Fail, "narrow": Pass, "AdministratorAccess": Fail})
	r := result(t, rs, "AdministratorAccess")
	if !strings.Contains(r.Reason, "role ops") {
		t.Errorf("reason %q", r.Reason)
	}
	g, err := h.guide("1.16", r.Resource, "")
	if err != nil || !strings.Contains(strings.Join(g.Steps, "\n"), "managed by AWS and cannot be changed") || strings.Contains(strings.Join(g.Steps, "\n"), "create-policy-version") {
		t.Errorf("steps for an AWS managed policy: %v %v", g, err)
	}
}

func TestCheckRootAccount(t *testing.T) {
	h := newHarness(t)
	h.acct.SetRootCredentials(true, false)
	want(t, h.scan("1.4", ""), map[string]Status{testAccount: Fail})
	want(t, h.scan("1.5", ""), map[string]Status{testAccount: Fail})
	want(t, h.scan("1.6", ""), map[string]Status{testAccount: Fail})
	h.acct.SetRootCredentials(false, true)
	want(t, h.scan("1.4", ""), map[string]Status{testAccount: Pass})
	want(t, h.scan("1.5", ""), map[string]Status{testAccount: Pass})
	want(t, h.scan("1.6", ""), map[string]Status{testAccount: Pass})
	h.acct.AddVirtualMFADevice("arn:aws:iam::111122223333:mfa/root-account-mfa-device", "root")
	want(t, h.scan("1.6", ""), map[string]Status{testAccount: Fail})
}

func TestCheckSupportRole(t *testing.T) {
	h := newHarness(t)
	want(t, h.scan("1.17", ""), map[string]Status{testAccount: Fail})
	h.remediate("1.17", accountResource(), "")
	want(t, h.scan("1.17", ""), map[string]Status{testAccount: Pass})
}

func TestCheckDBInstances(t *testing.T) {
	h := newHarness(t)
	want(t, h.scan("2.3.1", ""), map[string]Status{testAccount: NotApplicable})
	h.acct.RDS(testRegion).AddDBInstance(postgres("orders"))
	enc := postgres("billing")
	enc.StorageEncrypted = aws.Bool(true)
	h.acct.RDS(testRegion).AddDBInstance(enc)
	rs := h.scan("2.3.1", "")
	want(t, rs, map[string]Status{"orders": Fail, "billing": Pass})
	if r := result(t, rs, "orders"); !strings.Contains(r.Reason, "unencrypted") {
		t.Errorf("reason %q", r.Reason)
	}
}

// Trails: each trail homed in the region, planned as its control plans it.
func TestCheckTrails(t *testing.T) {
	h := newHarness(t)
	want(t, h.scan("3.2", ""), map[string]Status{testAccount: NotApplicable})
	main := addTrail(h, testRegion, "main", nil)
	addTrail(h, testRegion, "validated", func(tr *fake.Trail) {
		tr.LogFileValidationEnabled = aws.Bool(true)
		tr.IsMultiRegionTrail = aws.Bool(false)
	})
	addTrail(h, "us-east-1", "elsewhere", func(tr *fake.Trail) { tr.IsMultiRegionTrail = aws.Bool(true) })
	want(t, h.scan("3.2", ""), map[string]Status{"main": Fail, "validated": Pass})
	h.remediate("3.2", trailRes(testRegion, "main"), "")
	want(t, h.scan("3.2", ""), map[string]Status{"main": Pass, "validated": Pass})
	if r := result(t, h.scan("3.2", ""), "main"); r.Resource.ID != main || r.Resource.Type != "AwsCloudTrailTrail" {
		t.Errorf("resource %+v", r.Resource)
	}
	want(t, h.scan("3.7", ""), map[string]Status{"main": Fail, "validated": Fail})
	want(t, h.scan("3.4", ""), map[string]Status{"main": Fail, "validated": Fail})
	h.remediate("3.4", trailRes(testRegion, "main"), "")
	want(t, h.scan("3.4", ""), map[string]Status{"main": Pass, "validated": Fail})
	// One bucket for both trails: one result for it.
	rs := h.scan("3.3", "")
	want(t, rs, map[string]Status{trailBucketName: Fail})
	h.remediate("3.3", resource("AwsS3Bucket", "arn:aws:s3:::"+trailBucketName), "")
	want(t, h.scan("3.3", ""), map[string]Status{trailBucketName: Pass})
	want(t, h.scan("3.6", ""), map[string]Status{trailBucketName: Fail})
}

// An organization trail of the management account is the management
// account's to check.
func TestCheckTrailsSkipsOrganizationTrails(t *testing.T) {
	h := newHarness(t)
	addTrail(h, testRegion, "org", func(tr *fake.Trail) {
		tr.TrailARN = aws.String("arn:aws:cloudtrail:" + testRegion + ":999999999999:trail/org")
		tr.IsOrganizationTrail = aws.Bool(true)
	})
	want(t, h.scan("3.2", ""), map[string]Status{testAccount: NotApplicable})
}

func TestCheckKeys(t *testing.T) {
	h := newHarness(t)
	k := h.acct.KMS(testRegion)
	plain := k.AddKey(fake.Key{Description: "app"})
	rotated := k.AddKey(fake.Key{Description: "rotated", Rotation: true})
	k.AddKey(fake.Key{Description: "aws", Manager: "AWS"})
	k.AddKey(fake.Key{Description: "rsa", Spec: "RSA_2048", Usage: "SIGN_VERIFY"})
	excluded := k.AddKey(fake.Key{Description: "do-not-rotate legacy"})
	h.configure("3.8", "excludeKeywords: [do-not-rotate]")
	rs := h.scan("3.8", "excludeKeywords: [do-not-rotate]")
	name := func(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
	want(t, rs, map[string]Status{name(plain): Fail, name(rotated): Pass, name(excluded): Fail})
	if r := result(t, rs, name(excluded)); !strings.HasPrefix(r.Reason, "accepted exception") {
		t.Errorf("excluded key: %q", r.Reason)
	}
}

func TestCheckVPCs(t *testing.T) {
	h := newHarness(t)
	want(t, h.scan("3.9", ""), map[string]Status{testAccount: NotApplicable})
	vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
	other, _, _ := h.acct.EC2(testRegion).AddVPC("10.1.0.0/16")
	want(t, h.scan("3.9", ""), map[string]Status{vpc: Fail, other: Fail})
	h.remediate("3.9", vpcRes(vpc), "")
	want(t, h.scan("3.9", ""), map[string]Status{vpc: Pass, other: Fail})
	if fl := h.acct.EC2(testRegion).FlowLogs(); len(fl) != 1 || fl[0].TrafficType != ec2types.TrafficTypeReject {
		t.Fatalf("flow logs %+v", fl)
	}
}

func TestCheckDefaultSecurityGroupPass(t *testing.T) {
	h := newHarness(t)
	_, def, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
	want(t, h.scan("5.3", ""), map[string]Status{def: Fail})
	h.remediate("5.3", sgRes(def), "")
	want(t, h.scan("5.3", ""), map[string]Status{def: Pass})
}

// Section 4 on the account: the trail must be multi-region and logging,
// the filter on its log group, the alarm's topic confirmed.
func TestCheckMonitoring(t *testing.T) {
	h, _ := newOrgHarness(t)
	arn := loggedTrail(h, testRegion)
	want(t, h.scan("4.3", ""), map[string]Status{testAccount: Fail})
	h.remediate("4.3", accountResource(), "")
	want(t, h.scan("4.3", ""), map[string]Status{testAccount: Pass})
	want(t, h.scan("1.7", ""), map[string]Status{testAccount: Pass})
	want(t, h.scan("4.4", ""), map[string]Status{testAccount: Fail})

	_ = arn
}

// A trail that is not logging does not qualify, whatever its filters.
func TestCheckMonitoringTrailNotLogging(t *testing.T) {
	h, _ := newOrgHarness(t)
	h.acct.Logs(testRegion).AddLogGroup(watchedGroup)
	addTrail(h, testRegion, "main", func(tr *fake.Trail) {
		tr.Logging = false
		tr.CloudWatchLogsLogGroupArn = aws.String("arn:aws:logs:" + testRegion + ":" + testAccount + ":log-group:" + watchedGroup + ":*")
	})
	rs := h.scan("4.3", "")
	want(t, rs, map[string]Status{testAccount: Fail})
	if !strings.Contains(rs[0].Reason, "logging") {
		t.Errorf("reason %q", rs[0].Reason)
	}
}

func TestCheckMonitoringUnconfirmedSubscriber(t *testing.T) {
	h := newHarness(t) // no alarm queue: the topic gets no confirmed subscription
	loggedTrail(h, testRegion)
	h.remediate("4.5", accountResource(), "")
	rs := h.scan("4.5", "")
	want(t, rs, map[string]Status{testAccount: Fail})
	if !strings.Contains(rs[0].Reason, "no confirmed subscription") {
		t.Errorf("reason %q", rs[0].Reason)
	}
}

// Patterns in another order: CIS counts them (4.1 has no Security Hub
// control); where Security Hub checks (4.4), it wants the CIS text.
func TestCheckMonitoringPatternInAnotherOrder(t *testing.T) {
	for _, c := range []struct {
		id   string
		want Status
	}{{"4.1", Pass}, {"4.4", Fail}} {
		t.Run(c.id, func(t *testing.T) {
			h, _ := newOrgHarness(t)
			loggedTrail(h, testRegion)
			m := checkOf(t, c.id)
			h.remediate(c.id, accountResource(), "")
			// Replace the filter by the same terms in reverse order.
			g := h.acct.Logs(testRegion).LogGroup(watchedGroup)
			h.acct.Logs(testRegion).DeleteLogGroup(watchedGroup)
			h.acct.Logs(testRegion).AddLogGroup(watchedGroup)
			seedFilter(h, testRegion, m.metric, reversed(t, m.pattern), aws.ToString(g.Filters[0].MetricTransformations[0].MetricNamespace), m.metric)
			want(t, h.scan(c.id, ""), map[string]Status{testAccount: c.want})
		})
	}
}

// reversed writes a pattern's top-level terms in reverse order.
func reversed(t *testing.T, pattern string) string {
	inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(pattern), "{"), "}"))
	for _, op := range []string{" || ", "||"} {
		if parts := strings.Split(inner, op); len(parts) > 1 {
			for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
				parts[i], parts[j] = parts[j], parts[i]
			}
			return "{ " + strings.Join(parts, " || ") + " }"
		}
	}
	t.Fatalf("cannot reverse %s", pattern)
	return ""
}
