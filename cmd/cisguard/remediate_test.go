package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

// admin is the samples' Security Hub administrator; member (revert_test)
// their member account.
const (
	admin = "777788889999"
	sg    = "sg-0a1b2c3d4e5f60718"
)

// onFakes makes the commands run against an organization of fakes: the
// environment check passes as the administrator, in region unless the
// command names one.
func onFakes(t *testing.T, w *fake.Org, region string) {
	t.Helper()
	orig := connect
	connect = func(ctx context.Context, o connectOptions) (*session, error) {
		r := o.Region
		if r == "" {
			r = region
		}
		return &session{Cloud: w, Caller: cloud.Identity{Account: w.Caller, ARN: "arn:aws:iam::" + w.Caller + ":user/ana", Partition: "aws"}, Region: r}, nil
	}
	t.Cleanup(func() { connect = orig })
}

// sampleFindings are the findings of a sample event, as Security Hub holds them.
func sampleFindings(t *testing.T, name string) []shtypes.AwsSecurityFinding {
	t.Helper()
	b, err := os.ReadFile(events(name))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := fake.ParseASFF(b)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// backlogOrg is an organization whose Security Hub aggregates into
// us-east-1: NEW FAILED 5.3 findings of the default security group of
// the member in eu-central-1 and eu-west-1, and findings that are not
// backlog (notified, passed, 1.8 of another account), all held in
// us-east-1; eu-west-1's own hub holds its finding too.
func backlogOrg(t *testing.T) *fake.Org {
	w := fake.NewOrg(admin)
	w.Aggregate("us-east-1", "eu-central-1", "eu-west-1")
	for _, region := range []string{"eu-central-1", "eu-west-1"} {
		e := w.Account(member).EC2(region)
		e.AddSecurityGroupWithID(sg, "vpc-0123456789abcdef0", "default", nil)
		e.AddRule(sg, true, ec2types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")})
	}
	base := sampleFindings(t, "imported-standard-5.3.json")[0]
	add := func(id, region string, change func(*shtypes.AwsSecurityFinding)) {
		f := base
		f.Id = aws.String(id)
		f.Region = aws.String(region)
		f.ProductArn = aws.String("arn:aws:securityhub:" + region + "::product/aws/securityhub")
		f.Resources = []shtypes.Resource{{Type: aws.String("AwsEc2SecurityGroup"), Id: aws.String("arn:aws:ec2:" + region + ":" + member + ":security-group/" + sg), Partition: "aws", Region: aws.String(region)}}
		if change != nil {
			change(&f)
		}
		w.SecurityHub("us-east-1").Import(f)
		if region != "us-east-1" {
			w.SecurityHub(region).Import(f)
		}
	}
	add("sg-eu-central-1", "eu-central-1", nil)
	add("sg-eu-west-1", "eu-west-1", nil)
	add("notified", "eu-central-1", func(f *shtypes.AwsSecurityFinding) {
		f.Workflow = &shtypes.Workflow{Status: shtypes.WorkflowStatusNotified}
	})
	add("passed", "eu-central-1", func(f *shtypes.AwsSecurityFinding) {
		c := *f.Compliance
		c.Status = shtypes.ComplianceStatusPassed
		f.Compliance = &c
	})
	add("password-policy", "eu-central-1", func(f *shtypes.AwsSecurityFinding) {
		f.AwsAccountId = aws.String("111122223333")
		f.GeneratorId = aws.String("security-control/IAM.15")
		c := *f.Compliance
		c.SecurityControlId, c.RelatedRequirements = aws.String("IAM.15"), []string{"CIS AWS Foundations Benchmark v1.4.0/1.8"}
		f.Compliance = &c
		f.Resources = []shtypes.Resource{{Type: aws.String("AwsAccount"), Id: aws.String("AWS::::Account:111122223333"), Partition: "aws", Region: aws.String("eu-central-1")}}
	})
	w.Account("111122223333")
	return w
}

type jsonResults struct {
	Findings []struct {
		ID, Account, Region, CIS, Control, Decision, Reason string
		Actions                                             []struct {
			Description string
			Done        bool
		}
	}
}

func parseResults(t *testing.T, out string) jsonResults {
	t.Helper()
	var res jsonResults
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return res
}

func getFindingsCalls(h *fake.SecurityHub) int {
	n := 0
	for _, c := range h.Log.Calls() {
		if c.Operation == "GetFindings" {
			n++
		}
	}
	return n
}

// TestFromHubDryRun is the README's main job: the backlog of the
// aggregation region, planned per finding, nothing changed.
func TestFromHubDryRun(t *testing.T) {
	w := backlogOrg(t)
	onFakes(t, w, "eu-central-1")
	code, out, stderr := cli(t, "", "remediate", "--from-hub", "--dry-run")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{
		"PLANNED 5.3 (EC2.2)  account 444455556666  region eu-central-1",
		"PLANNED 5.3 (EC2.2)  account 444455556666  region eu-west-1",
		"revoke 1 egress rule(s) of default security group " + sg,
		"PLANNED 1.8 (IAM.15)  account 111122223333  region eu-central-1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "notified") || strings.Contains(out, "passed") {
		t.Errorf("findings that are not backlog were read:\n%s", out)
	}
	if stderr != "" {
		t.Errorf("stderr is not a terminal, yet: %q", stderr)
	}
	// The aggregation region was read, the linked regions were not.
	if getFindingsCalls(w.SecurityHub("us-east-1")) == 0 || getFindingsCalls(w.SecurityHub("eu-west-1")) != 0 {
		t.Error("the aggregation region was not the one read")
	}
	if rules := w.Account(member).EC2("eu-central-1").Rules(sg); len(rules) != 1 {
		t.Errorf("a dry run changed the security group: %d rules", len(rules))
	}
	if f := w.SecurityHub("us-east-1").Finding("sg-eu-west-1"); f.Workflow != shtypes.WorkflowStatusNew {
		t.Errorf("a dry run updated Security Hub: %s", f.Workflow)
	}
}

// TestFromHubRemediates applies the backlog of one control, in the regions
// named, and moves the findings to RESOLVED there.
func TestFromHubRemediates(t *testing.T) {
	w := backlogOrg(t)
	onFakes(t, w, "eu-central-1")
	code, out, stderr := cli(t, "", "remediate", "--from-hub", "--region", "eu-west-1", "--controls", "5.*", "--output", "json", "--config", noNotifications(t))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	res := parseResults(t, out)
	if len(res.Findings) != 1 || res.Findings[0].ID != "sg-eu-west-1" || res.Findings[0].Decision != "remediated" {
		t.Fatalf("results %+v", res.Findings)
	}
	if rules := w.Account(member).EC2("eu-west-1").Rules(sg); len(rules) != 0 {
		t.Errorf("%d rules left", len(rules))
	}
	if f := w.SecurityHub("eu-west-1").Finding("sg-eu-west-1"); f.Workflow != shtypes.WorkflowStatusResolved {
		t.Errorf("workflow %s", f.Workflow)
	}
	if getFindingsCalls(w.SecurityHub("us-east-1")) != 0 {
		t.Error("--region was not honoured")
	}
}

func noNotifications(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("notifications: {disabled: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFromHubSelection: --controls, --accounts and --limit narrow what is
// read, several regions are read in turn, and without an aggregator the
// configured region is read.
func TestFromHubSelection(t *testing.T) {
	ids := func(args ...string) string {
		t.Helper()
		code, out, stderr := cli(t, "", append([]string{"remediate", "--from-hub", "--dry-run", "-o", "json"}, args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
		var got []string
		for _, f := range parseResults(t, out).Findings {
			got = append(got, f.ID)
		}
		return fmt.Sprint(got)
	}
	w := backlogOrg(t)
	onFakes(t, w, "eu-central-1")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--controls", "1.8"}, "[password-policy]"},
		{[]string{"--controls", "1"}, "[password-policy]"},
		{[]string{"--accounts", member}, "[sg-eu-central-1 sg-eu-west-1]"},
		{[]string{"--limit", "1"}, "[sg-eu-central-1]"},
		{[]string{"--region", "eu-west-1,eu-central-1"}, "[sg-eu-west-1 sg-eu-central-1 password-policy]"},
		{[]string{"--region", "eu-west-1,us-east-1", "--limit", "2"}, "[sg-eu-west-1 sg-eu-central-1]"},
	} {
		if got := ids(tt.args...); got != tt.want {
			t.Errorf("%v: %s, want %s", tt.args, got, tt.want)
		}
	}

	plain := fake.NewOrg(admin) // no aggregator: the configured region
	plain.SecurityHub("eu-central-1").Import(sampleFindings(t, "imported-standard-5.3.json")...)
	plain.Account(member)
	onFakes(t, plain, "eu-central-1")
	if got := ids(); !strings.Contains(got, "subscription/cis-aws-foundations-benchmark/v/1.4.0/5.3") {
		t.Errorf("configured region: %s", got)
	}
}

// TestFromHubNothingToDo says so and succeeds.
func TestFromHubNothingToDo(t *testing.T) {
	onFakes(t, fake.NewOrg(admin), "eu-central-1")
	code, out, _ := cli(t, "", "remediate", "--from-hub", "--dry-run")
	if code != exitOK || !strings.Contains(out, "Security Hub holds no ACTIVE, FAILED, NEW finding of CIS v1.4.0") {
		t.Errorf("exit %d: %s", code, out)
	}
	if code, out, _ := cli(t, "", "remediate", "--from-hub", "-o", "json"); code != exitOK || strings.TrimSpace(out) != `{
  "findings": []
}` {
		t.Errorf("json: exit %d: %s", code, out)
	}
}

func TestFromHubUnusableFlags(t *testing.T) {
	onFakes(t, fake.NewOrg(admin), "eu-central-1")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--from-hub", "--event", events("imported-standard-5.3.json")}, "--from-hub and --event exclude each other"},
		{[]string{"--event", events("imported-standard-5.3.json"), "--controls", "5.3"}, "go with --from-hub"},
		{[]string{"--from-hub", "--limit", "-1"}, "--limit -1"},
		{[]string{"--from-hub", "--region", "eu-wst-1"}, `--region: "eu-wst-1" (did you mean eu-west-1?) not a region; valid names: af-south-1,`},
		{[]string{"--from-hub", "--controls", "9.9"}, `"9.9" names no CIS v1.4.0 recommendation`},
		{[]string{"--from-hub", "--controls", "1.1"}, "Security Hub checks none of 1.1"},
		{[]string{"--from-hub", "--accounts", "12345"}, `"12345" is not a 12-digit account id`},
		{[]string{}, "--from-hub or --event is required"},
	} {
		code, _, stderr := cli(t, "", append([]string{"remediate"}, tt.args...)...)
		if code != exitBadInput || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr, tt.want)
		}
	}
}

// sixThousand are 6,000 findings of 5.3 in 50 accounts, as Security Hub
// holds them.
func sixThousand(t *testing.T) []shtypes.AwsSecurityFinding {
	base := sampleFindings(t, "imported-standard-5.3.json")[0]
	var all []shtypes.AwsSecurityFinding
	for i := range 6000 {
		f := base
		acct := fmt.Sprintf("1000000000%02d", i%50)
		f.Id = aws.String(fmt.Sprintf("finding-%04d", i))
		f.AwsAccountId = aws.String(acct)
		f.Resources = []shtypes.Resource{{Type: aws.String("AwsEc2SecurityGroup"), Id: aws.String(fmt.Sprintf("arn:aws:ec2:eu-central-1:%s:security-group/sg-%04d", acct, i)), Partition: "aws", Region: aws.String("eu-central-1")}}
		all = append(all, f)
	}
	return all
}

// TestLargeEventFile: a 20 MB file of 6,000 findings is read and decoded
// whole (the bound is 64 MiB). Decoding is one goroutine: under the race
// detector, which multiplies its time by ten and more, a tenth of it runs.
func TestLargeEventFile(t *testing.T) {
	n := 6000
	if raceDetector {
		n = 600
	}
	one := sampleFindings(t, "imported-standard-5.3.json")[0]
	one.Description = aws.String(strings.Repeat("x", 3000))
	b, err := json.Marshal(one)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"Findings": [`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(bytes.Replace(b, []byte(`"Id":"`), []byte(fmt.Sprintf(`"Id":"%d-`, i)), 1))
	}
	buf.WriteString(`]}`)
	if buf.Len() < n*(20<<20)/6000 {
		t.Fatalf("file of %d bytes", buf.Len())
	}
	path := filepath.Join(t.TempDir(), "findings.json")
	os.WriteFile(path, buf.Bytes(), 0o644)
	data, err := readInput(nil, path)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := finding.Decode(data)
	if err != nil || len(fs) != n || fs[n-1].Err != nil || !strings.HasPrefix(fs[n-1].ID, fmt.Sprintf("%d-", n-1)) {
		t.Fatalf("%d findings, %v", len(fs), err)
	}
}

// TestSummaryGroupsFailures: 6,000 findings in 50 accounts that have no
// member role fail as one line with the count and the accounts, not
// 6,000 lines (nor 6,000 log lines).
func TestSummaryGroupsFailures(t *testing.T) {
	w := fake.NewOrg(admin)
	w.SecurityHub("eu-central-1").Import(sixThousand(t)...)
	onFakes(t, w, "eu-central-1")

	code, out, stderr := cli(t, "", "remediate", "--from-hub", "--config", noNotifications(t))
	if code != exitFailed || stderr != "cisguard: 6000 of 6000 finding(s) failed\n" {
		t.Fatalf("exit %d, stderr %q", code, stderr[:min(len(stderr), 2000)])
	}
	want := "  6000 × account <account>, <region>, <resource>: cannot assume the member role arn:aws:iam::<account>:role/CIS_Remediator_Role: AccessDenied: User: arn:aws:sts::777788889999:assumed-role/cisguard/cli is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::<account>:role/CIS_Remediator_Role; deploy the member role StackSet there (cisguard deploy), or check roleName and externalId in the configuration\n" +
		"      50 account(s): 100000000000, 100000000001, 100000000002, 100000000003, 100000000004, 100000000005, 100000000006, 100000000007, 100000000008, 100000000009 and 40 more; 1 region(s): eu-central-1\n"
	if !strings.Contains(out, "failed: 6000 finding(s), 1 reason(s)\n"+want) {
		t.Errorf("output:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n > 10 {
		t.Errorf("%d lines of output", n)
	}
	if !strings.Contains(out, "5.3    EC2.2             0        0         0        0    6000\n") {
		t.Errorf("summary row missing:\n%s", out)
	}
}

// TestSummaryTable: counts per control and decision, the skipped reasons
// grouped (the same reason, other finding: one line with the count).
func TestSummaryTable(t *testing.T) {
	w := backlogOrg(t)
	onFakes(t, w, "eu-central-1")
	w.Account(member).EC2("eu-west-1").Rules(sg) // present
	code, out, _ := cli(t, "", "remediate", "--from-hub", "--dry-run", "--config", offFor18(t))
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	want := "" +
		"CIS    CONTROL  REMEDIATED  PLANNED  NOTIFIED  SKIPPED  FAILED\n" +
		"1.8    IAM.15            0        0         0        1       0\n" +
		"5.3    EC2.2             0        2         0        0       0\n" +
		"total                    0        2         0        1       0\n" +
		"\n" +
		"skipped: 1 finding(s), 1 reason(s)\n" +
		"  1.8 AWS::::Account:111122223333: controls.1.8.mode is off\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("output ends:\n%s\nwant:\n%s", out[max(0, len(out)-len(want)-200):], want)
	}
}

func offFor18(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(p, []byte("controls: {\"1.8\": {mode: off}}\n"), 0o644)
	return p
}

// TestProgressOnlyOnATerminal: nothing on a pipe or a file, a bar on a
// terminal.
func TestProgressOnlyOnATerminal(t *testing.T) {
	w := backlogOrg(t)
	onFakes(t, w, "eu-central-1")
	if _, _, stderr := cli(t, "", "remediate", "--from-hub", "--dry-run"); stderr != "" {
		t.Errorf("stderr off a terminal: %q", stderr)
	}
	orig := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = orig }()
	_, out, stderr := cli(t, "", "remediate", "--from-hub", "--dry-run")
	if !strings.Contains(stderr, "handling findings") || strings.Contains(out, "handling findings") {
		t.Errorf("on a terminal, stderr %q", stderr)
	}
}

// TestEventTooLarge: a file above the documented bound is refused before
// it is read whole.
func TestEventTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Truncate(path, maxEventBytes+1); err != nil { // sparse
		t.Fatal(err)
	}
	code, _, stderr := cli(t, "", "remediate", "--event", path)
	if code != exitBadInput || !strings.Contains(stderr, "is larger than 64 MiB: split the findings into several files, or read them with --from-hub") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestNoCredentials runs the real environment check with nothing
// configured and no instance metadata service: exit 2 and one line that
// says what to do, before any finding.
func TestNoCredentials(t *testing.T) {
	withoutCredentials(t)
	code, out, stderr := cli(t, "", "remediate", "--event", events("imported-standard-5.3.json"), "--dry-run")
	want := "cisguard: no AWS credentials found; set AWS_PROFILE to a configured profile, export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure sso` then `aws sso login`\n"
	if code != exitBadInput || stderr != want || out != "" {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, stderr, want)
	}
	// --from-hub has no event to take a region from: a machine never set
	// up for AWS hears of both, in one line.
	code, _, stderr = cli(t, "", "remediate", "--from-hub", "--dry-run")
	want = "cisguard: no AWS credentials found and no AWS region configured; set AWS_PROFILE to a configured profile (with its region), export AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION, or run `aws configure sso` then `aws sso login`\n"
	if code != exitBadInput || stderr != want {
		t.Errorf("no credentials, no region: exit %d\nstderr %q\nwant   %q", code, stderr, want)
	}
	// Credentials but no region: the region alone.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	code, _, stderr = cli(t, "", "remediate", "--from-hub", "--dry-run")
	if code != exitBadInput || stderr != "cisguard: no AWS region is configured; set AWS_REGION (or a region in your AWS profile), or pass --region\n" {
		t.Errorf("no region: exit %d %q", code, stderr)
	}
}

// withoutCredentials leaves the SDK nothing to find: no variables, no
// files, an instance metadata service that does not answer, no region.
func withoutCredentials(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://"+l.Addr().String())
	l.Close() // nothing answers there
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
}
