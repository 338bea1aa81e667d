package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// scanResult is one result of `cisguard scan --output json`.
type scanResult struct {
	CIS, Account, Region, Resource, Status, Reason string
}

// scanIn runs `cisguard scan` with args in an environment (the
// credentials of an account) and returns its exit code, results and
// standard error.
func scanIn(t *testing.T, environ []string, configYAML string, args ...string) (int, []scanResult, string) {
	t.Helper()
	code, stdout, stderr := runIn(t, environ, append([]string{"scan", "--config", writeConfig(t, configYAML), "--output", "json", "--log-level", "info"}, args...)...)
	var out struct {
		Results []scanResult
		Summary map[string]any
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("scan output is not JSON (%v):\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	return code, out.Results, stderr
}

// TestScanThenRemediate seeds known misconfigurations, scans, expects
// exactly those FAILs among the seeded resources (and PASS for the
// compliant ones), remediates with scan --remediate (no Security Hub
// finding exists for them), and scans again: all PASS. It runs in an
// account of its own, so its scan --remediate touches no other case's
// resources.
func TestScanThenRemediate(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	a := newAccount(t)
	s3api, ec2api := s3.NewFromConfig(a.Cfg), ec2.NewFromConfig(a.Cfg)

	// A bucket that is fine: Block Public Access on, TLS-only policy.
	good := newBucketIn(t, a.Cfg)
	if _, err := s3api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(good), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::%s","arn:aws:s3:::%s/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, good, good)
	if _, err := s3api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(good), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	// A bucket with neither.
	bad := newBucketIn(t, a.Cfg)
	// AWS encrypts every bucket with SSE-S3 by default since January 2023;
	// moto leaves new buckets without a configuration, so the suite writes
	// AWS's default.
	for _, b := range []string{good, bad} {
		if _, err := s3api.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(b), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}}); err != nil {
			t.Fatal(err)
		}
	}
	// A VPC: its default group allows traffic (5.3), its default ACL
	// allows everything in (5.1); an extra ACL allows only HTTPS (fine).
	vpc := newVPCIn(t, a.Cfg, "10.47.0.0/16")
	sg := defaultGroupIn(t, a.Cfg, vpc)
	acls, err := ec2api.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}})
	if err != nil || len(acls.NetworkAcls) != 1 {
		t.Fatalf("default ACL of %s: %v", vpc, err)
	}
	defACL := aws.ToString(acls.NetworkAcls[0].NetworkAclId)
	web, err := ec2api.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	webACL := aws.ToString(web.NetworkAcl.NetworkAclId)
	if _, err := ec2api.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(webACL), RuleNumber: aws.Int32(100), Protocol: aws.String("6"),
		RuleAction: ec2types.RuleActionAllow, Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0"), PortRange: &ec2types.PortRange{From: aws.Int32(443), To: aws.Int32(443)}}); err != nil {
		t.Fatal(err)
	}

	arn := func(kind, id string) string { return fmt.Sprintf("arn:aws:ec2:%s:%s:%s/%s", region, a.ID, kind, id) }
	want := map[string]string{
		"2.1.1 arn:aws:s3:::" + good:        "PASS",
		"2.1.1 arn:aws:s3:::" + bad:         "PASS", // S3 encrypts every bucket (SSE-S3) by default
		"2.1.2 arn:aws:s3:::" + good:        "PASS",
		"2.1.2 arn:aws:s3:::" + bad:         "FAIL",
		"2.1.5.2 arn:aws:s3:::" + good:      "PASS",
		"2.1.5.2 arn:aws:s3:::" + bad:       "FAIL",
		"5.1 " + arn("network-acl", defACL): "FAIL",
		"5.1 " + arn("network-acl", webACL): "PASS",
		"5.3 " + arn("security-group", sg):  "FAIL",
	}
	controls := "2.1.1,2.1.2,2.1.5.2,5.1,5.3"
	check := func(results []scanResult, stage string, want map[string]string) {
		t.Helper()
		got := map[string]string{}
		for _, r := range results {
			if r.Account != a.ID {
				t.Errorf("%s: result of account %s", stage, r.Account)
			}
			key := r.CIS + " " + r.Resource
			if _, ok := want[key]; ok {
				got[key] = r.Status
				if r.Status != want[key] {
					t.Errorf("%s: %s is %s (%s), want %s", stage, key, r.Status, r.Reason, want[key])
				}
			}
		}
		for key := range want {
			if _, ok := got[key]; !ok {
				t.Errorf("%s: no result for %s", stage, key)
			}
		}
	}

	code, results, stderr := scanIn(t, a.Env, quiet, "--regions", region, "--controls", controls)
	if code != 1 {
		t.Fatalf("exit %d with FAIL results, want 1\n%s", code, stderr)
	}
	check(results, "first scan", want)

	// Remediate what the scan found, without any Security Hub finding.
	resultFile := filepath.Join(t.TempDir(), "scan-remediation.json")
	code, _, remErr := runIn(t, a.Env, "scan", "--regions", region, "--controls", controls, "--remediate", "--result", resultFile, "--output", "json", "--config", writeConfig(t, quiet))
	if code != 0 {
		t.Fatalf("scan --remediate: exit %d\n%s", code, remErr)
	}

	_, results, stderr = scanIn(t, a.Env, quiet, "--regions", region, "--controls", controls)
	fixed := map[string]string{}
	for key := range want {
		fixed[key] = "PASS"
	}
	check(results, "after scan --remediate", fixed)
	if t.Failed() {
		t.Fatalf("remediation:\n%s\nsecond scan stderr:\n%s", remErr, stderr)
	}

	// Everything scan --remediate changed is undone from its --result file:
	// a third scan finds the seeded misconfigurations again.
	if code, out, stderr := runIn(t, a.Env, "revert", "--result", resultFile, "--no-assume-role", "--config", writeConfig(t, quiet)); code != 0 {
		t.Fatalf("revert: exit %d\n%s\n%s", code, out, stderr)
	}
	_, results, stderr = scanIn(t, a.Env, quiet, "--regions", region, "--controls", controls)
	check(results, "after revert", want)
	if t.Failed() {
		t.Logf("third scan stderr:\n%s", stderr)
	}
}
