package e2e

// Setup the cases share: seeded resources, the events about them, running
// the binary, and accounts of a test's own.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// runIn runs the binary in an environment and returns its exit code and
// output.
func runIn(t *testing.T, environ []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = environ
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run cisguard %s: %v", args[0], err)
	}
	return code, out.String(), errOut.String()
}

// writeFile writes content to a file of the test's own and returns its path.
func writeFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeConfig writes a configuration file for one test.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	return writeFile(t, "cisguard.yaml", []byte(yaml))
}

// Security groups.

// defaultGroup returns a VPC's default security group.
func defaultGroup(t *testing.T, vpc string) string {
	t.Helper()
	return defaultGroupIn(t, cfg, vpc)
}

// defaultGroupIn is defaultGroup with a configuration's credentials (in its account).
func defaultGroupIn(t *testing.T, c aws.Config, vpc string) string {
	t.Helper()
	out, err := ec2.NewFromConfig(c).DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("group-name"), Values: []string{"default"}}}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("default group of %s: %v", vpc, err)
	}
	return aws.ToString(out.SecurityGroups[0].GroupId)
}

// tcpFrom is an ingress permission for TCP ports from a CIDR (IPv4 or IPv6).
func tcpFrom(from, to int32, cidr string) ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
	if strings.Contains(cidr, ":") {
		p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(cidr)}}
	} else {
		p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(cidr)}}
	}
	return p
}

// allowIngress adds ingress permissions to a security group.
func allowIngress(t *testing.T, sg string, perms ...ec2types.IpPermission) {
	t.Helper()
	if _, err := ec2.NewFromConfig(cfg).AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: perms}); err != nil {
		t.Fatalf("authorize ingress on %s: %v", sg, err)
	}
}

func groupARN(sg string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", region, account, sg)
}

// defaultGroupEvent is Security Hub's 5.3 (EC2.2) finding about a default
// security group.
func defaultGroupEvent(t *testing.T, sg string) []byte {
	t.Helper()
	return sample(t, "imported-standard-5.3.json", func(_ int, f map[string]any) { setResource(f, groupARN(sg)) })
}

// Network ACLs.

// openNetworkACL creates a VPC and a network ACL of it that lets every
// protocol in from anywhere (rule 100), and returns the ACL.
func openNetworkACL(t *testing.T, cidr string) string {
	t.Helper()
	ctx := context.Background()
	api := ec2.NewFromConfig(cfg)
	acl, err := api.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(newVPC(t, cidr))})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(acl.NetworkAcl.NetworkAclId)
	if _, err := api.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(id), RuleNumber: aws.Int32(100), Egress: aws.Bool(false),
		Protocol: aws.String("-1"), RuleAction: ec2types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	return id
}

// networkACLEvent is Security Hub's 5.1 (EC2.21) finding about a network ACL.
func networkACLEvent(t *testing.T, acl string) []byte {
	t.Helper()
	return sample(t, "imported-control-EC2.21.json", func(_ int, f map[string]any) {
		setResource(f, fmt.Sprintf("arn:aws:ec2:%s:%s:network-acl/%s", region, account, acl))
	})
}

// Buckets and account settings.

// partnerPolicy is a bucket policy granting another party reads, which a
// fix must keep.
func partnerPolicy(bucket string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}`, account, bucket)
}

// tlsPolicyEvent is Security Hub's 2.1.2 (S3.5) finding about a bucket.
func tlsPolicyEvent(t *testing.T, bucket string) []byte {
	t.Helper()
	return controlEvent(t, finding{Control: "S3.5", CIS: "2.1.2", ResourceType: "AwsS3Bucket", ResourceID: "arn:aws:s3:::" + bucket})
}

// passwordPolicyEvent is a custom action carrying the account's IAM.15
// (1.8) and IAM.16 (1.9) findings.
func passwordPolicyEvent(t *testing.T) []byte {
	t.Helper()
	return sample(t, "custom-action-two-findings.json", func(i int, f map[string]any) {
		control := []string{"IAM.15", "IAM.16"}[i]
		f["GeneratorId"] = "security-control/" + control
		f["Compliance"].(map[string]any)["SecurityControlId"] = control
		f["Compliance"].(map[string]any)["RelatedRequirements"] = []string{}
		setResource(f, "AWS::::Account:"+account)
	})
}

// Accounts of a test's own.

// ownAccount is an account of the emulator that one test alone uses, so
// that a scan of it sees exactly what the test seeded. cisguard runs as an
// IAM user of it: moto tells accounts apart by access key.
type ownAccount struct {
	ID  string
	Cfg aws.Config // the suite's clients, as the account
	Env []string   // the environment cisguard runs in, as the account
}

var ownAccounts int

// newAccount makes an account of the test's own, with an IAM user whose
// access key cisguard and the suite's clients use.
func newAccount(t *testing.T) ownAccount {
	t.Helper()
	ctx := context.Background()
	ownAccounts++
	id := fmt.Sprintf("6%05d%06d", time.Now().Unix()%100000, ownAccounts) // fresh on every run against a long-lived emulator
	api := iam.NewFromConfig(asAccount(id))
	user := "e2e-scanner"
	if _, err := api.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatalf("account %s: create user: %v", id, err)
	}
	key, err := api.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("account %s: create access key: %v", id, err)
	}
	keyID, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	a := ownAccount{ID: id, Cfg: cfg.Copy()}
	a.Cfg.Credentials = credentials.NewStaticCredentialsProvider(keyID, secret, "")
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != "AWS_ACCESS_KEY_ID" && k != "AWS_SECRET_ACCESS_KEY" {
			a.Env = append(a.Env, kv)
		}
	}
	a.Env = append(a.Env, "AWS_ACCESS_KEY_ID="+keyID, "AWS_SECRET_ACCESS_KEY="+secret)
	return a
}

// scan runs `cisguard scan --output json` in the suite's region on some
// controls and returns its exit code, results by "CIS resource", and
// standard error.
func (a ownAccount) scan(t *testing.T, configYAML, controls string) (int, map[string]scanResult, string) {
	t.Helper()
	code, rs, stderr := scanIn(t, a.Env, configYAML, "--regions", region, "--controls", controls)
	byKey := map[string]scanResult{}
	for _, r := range rs {
		if r.Account != a.ID {
			t.Errorf("result of account %s in a scan of %s: %+v", r.Account, a.ID, r)
		}
		byKey[r.CIS+" "+r.Resource] = r
	}
	return code, byKey, stderr
}

// remediate runs `cisguard scan --remediate` on some controls, expects
// success, and returns the remediation results (the --result file).
func (a ownAccount) remediate(t *testing.T, configYAML, controls string) []result {
	t.Helper()
	file := filepath.Join(t.TempDir(), "result.json")
	code, stdout, stderr := runIn(t, a.Env, "scan", "--regions", region, "--controls", controls, "--remediate", "--result", file,
		"--output", "json", "--config", writeConfig(t, configYAML))
	if code != 0 {
		t.Fatalf("scan --remediate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("scan --remediate wrote no result: %v\n%s", err, stderr)
	}
	var out struct{ Findings []result }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("result file: %v\n%s", err, b)
	}
	return out.Findings
}

// wantStatus checks the status of scan results by "CIS resource".
func wantStatus(t *testing.T, stage string, got map[string]scanResult, want map[string]string) {
	t.Helper()
	for key, status := range want {
		r, ok := got[key]
		switch {
		case !ok:
			t.Errorf("%s: no result for %s (results: %v)", stage, key, keys(got))
		case r.Status != status:
			t.Errorf("%s: %s is %s (%s), want %s", stage, key, r.Status, r.Reason, status)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// withMemberRole gives the account the member role, so that cisguard,
// running as the suite's account, can remediate findings of it.
func (a ownAccount) withMemberRole(t *testing.T) ownAccount {
	t.Helper()
	if err := ensureMemberRole(context.Background(), iam.NewFromConfig(asAccount(a.ID))); err != nil {
		t.Fatal(err)
	}
	return a
}
