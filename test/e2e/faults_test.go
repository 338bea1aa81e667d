package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cisguard/cisguard/test/bridge"
)

// Faults the emulator (or the bridge in front of it) can produce.

// TestThrottlingAndServerErrors: AWS throttles and fails with 5xx; the
// SDK's retries carry the finding through, and nothing that succeeded on
// retry is reported as failed.
func TestThrottlingAndServerErrors(t *testing.T) {
	requireEndpoint(t)
	sg := defaultGroup(t, newVPC(t, "10.41.0.0/16"))
	allowIngress(t, sg, tcpFrom(3389, 3389, "0.0.0.0/0"))
	event := defaultGroupEvent(t, sg)
	seedFindings(t, event)

	faults := []bridge.Fault{
		{Service: "ec2", Operation: "DescribeSecurityGroupRules", Code: "RequestLimitExceeded", Status: 503, Times: 2},
		{Service: "ec2", Operation: "RevokeSecurityGroupEgress", Code: "InternalError", Status: 500, Times: 1},
		{Service: "ec2", Operation: "RevokeSecurityGroupIngress", Code: "ServiceUnavailable", Status: 503, Times: 1},
		{Service: "securityhub", Operation: "BatchUpdateFindings", Code: "TooManyRequestsException", Status: 429, Times: 1},
	}
	for _, f := range faults {
		proxy.Inject(f)
	}
	t.Cleanup(func() { proxy.ClearFaults() })
	before := len(proxy.Calls())

	code, rs, stderr := remediate(t, event, quiet)
	if code != 0 {
		t.Fatalf("exit %d: %+v\n%s", code, rs, stderr)
	}
	resolved(t, rs[0])
	if n := groupRuleCount(t, sg); n != 0 {
		t.Errorf("%d rules left in the default group", n)
	}
	// Every injected fault was met (the test would prove nothing otherwise).
	injected := map[string]int{}
	for _, c := range proxy.Calls()[before:] {
		if c.Injected != "" {
			injected[c.Operation]++
		}
	}
	for _, f := range faults {
		if injected[f.Operation] != f.Times {
			t.Errorf("%s: %d injected errors met, want %d (calls: %v)", f.Operation, injected[f.Operation], f.Times, injected)
		}
	}
}

// asAccount returns the suite's configuration acting as another account
// of the emulator (moto's x-moto-account-id header), to set up member
// accounts the way an organization would have them.
func asAccount(id string) aws.Config {
	c := cfg.Copy()
	c.APIOptions = append(c.APIOptions, func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("MotoAccount", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				req.Header.Set("X-Moto-Account-Id", id)
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
	})
	return c
}

// TestMemberRoleMissing: one account of the event has no member role.
// Its finding fails naming the role, and stays NEW so Security Hub raises
// it again; the findings of the other accounts are handled.
func TestMemberRoleMissing(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	const withRole, withoutRole = "210987654321", "111122223333"
	member := asAccount(withRole)
	if err := ensureMemberRole(ctx, iam.NewFromConfig(member)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []aws.Config{cfg, member} {
		if _, err := ec2.NewFromConfig(c).DisableEbsEncryptionByDefault(ctx, &ec2.DisableEbsEncryptionByDefaultInput{}); err != nil {
			t.Fatal(err)
		}
	}
	event := controlEvent(t,
		finding{Control: "EC2.7", CIS: "2.2.1", ResourceType: "AwsAccount"},
		finding{Control: "EC2.7", CIS: "2.2.1", ResourceType: "AwsAccount", Account: withoutRole},
		finding{Control: "EC2.7", CIS: "2.2.1", ResourceType: "AwsAccount", Account: withRole},
	)
	rs := run(t, event, quiet, 1)
	byAccount := map[string]result{}
	for _, r := range rs {
		byAccount[r.Account] = r
	}
	failed := byAccount[withoutRole]
	expect(t, failed, "failed")
	role := "arn:aws:iam::" + withoutRole + ":role/CIS_Remediator_Role"
	if !strings.Contains(failed.Reason, role) || !strings.Contains(failed.Reason, "AccessDenied") {
		t.Errorf("the failure does not name the role and AWS's refusal: %q", failed.Reason)
	}
	if w := workflow(t, failed.ID); w != "NEW" {
		t.Errorf("the failed finding is %s, want NEW (Security Hub raises it again)", w)
	}
	for _, acct := range []string{account, withRole} {
		resolved(t, byAccount[acct])
	}
	for acct, c := range map[string]aws.Config{account: cfg, withRole: member} {
		out, err := ec2.NewFromConfig(c).GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
		if err != nil || !aws.ToBool(out.EbsEncryptionByDefault) {
			t.Errorf("account %s: EBS encryption by default is off (%v)", acct, err)
		}
	}
}

// TestResourceDeletedBeforeFix: the bucket of a finding is deleted before
// cisguard gets to it. Nothing to do, said so, not a failure, and nothing
// created in its place.
func TestResourceDeletedBeforeFix(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	bucket := newBucket(t)
	event := controlEvent(t, finding{Control: "S3.8", CIS: "2.1.5.2", ResourceType: "AwsS3Bucket", ResourceID: "arn:aws:s3:::" + bucket})
	seedFindings(t, event)
	api := s3.NewFromConfig(cfg)
	if _, err := api.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	code, rs, stderr := remediate(t, event, quiet)
	if code != 0 {
		t.Fatalf("exit %d: %+v\n%s", code, rs, stderr)
	}
	expect(t, rs[0], "skipped")
	if rs[0].Reason == "" || len(rs[0].Actions) != 0 {
		t.Errorf("skipped without saying why, or with actions: %+v", rs[0])
	}
	if _, err := api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err == nil {
		t.Errorf("bucket %s exists again", bucket)
	}
	t.Logf("2.1.5.2 on a deleted bucket: %s", rs[0].Reason)
}
