// Package e2e drives the cisguard binary against an AWS-compatible
// endpoint: it seeds a misconfiguration, runs `cisguard remediate` on an
// event file in the exact shape Security Hub sends, and reads the state
// back through the AWS API.
//
// It runs only when AWS_ENDPOINT_URL names the endpoint (an emulator, or a
// sandbox account's endpoint); without it every test skips. The caller's
// account acts as both the Security Hub administrator and the member
// account; cisguard assumes CIS_Remediator_Role in it, which the suite
// creates.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cisguard/cisguard/test/bridge"
)

const skipMessage = "AWS_ENDPOINT_URL is not set: the end-to-end suite needs an AWS-compatible endpoint (see README, \"End-to-end tests\")"

// endpointHost is the host name cisguard and the suite use in
// AWS_ENDPOINT_URL. It never resolves: every request goes to the test
// bridge as an HTTP proxy (HTTP_PROXY), which forwards it to the emulator
// (see package bridge for what it translates and why).
const endpointHost = "aws.e2e.test"

var (
	binary  string        // the built cisguard
	cfg     aws.Config    // the suite's own AWS configuration, through the bridge
	account string        // the account behind the endpoint
	region  string        //
	proxy   *bridge.Proxy // the test bridge in front of the emulator
	env     []string      // the environment cisguard runs in
)

func TestMain(m *testing.M) {
	if os.Getenv("AWS_ENDPOINT_URL") == "" {
		fmt.Println("e2e: " + skipMessage)
		os.Exit(m.Run())
	}
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(filepath.Dir(binary))
	defer proxy.Close()
	os.Exit(code(m))
}

func setup() (func(*testing.M) int, error) {
	dir, err := os.MkdirTemp("", "cisguard-e2e")
	if err != nil {
		return nil, err
	}
	binary = filepath.Join(dir, "cisguard")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, "../../cmd/cisguard")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build cisguard: %w", err)
	}
	if proxy, err = bridge.New(os.Getenv("AWS_ENDPOINT_URL"), endpointHost); err != nil {
		return nil, err
	}
	proxyURL, err := proxy.Start()
	if err != nil {
		return nil, err
	}
	env = bridgedEnv(proxyURL)
	ctx := context.Background()
	if cfg, err = config.LoadDefaultConfig(ctx); err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	u, _ := url.Parse(proxyURL)
	cfg.BaseEndpoint = aws.String("http://" + endpointHost)
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) { t.Proxy = http.ProxyURL(u) })
	region = cfg.Region
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("the endpoint does not answer sts:GetCallerIdentity: %w", err)
	}
	account = aws.ToString(id.Account)
	if err := ensureMemberRole(ctx, iam.NewFromConfig(cfg)); err != nil {
		return nil, err
	}
	return func(m *testing.M) int { return m.Run() }, nil
}

// bridgedEnv is this process's environment with the AWS endpoint replaced
// by the bridge's: AWS_ENDPOINT_URL names endpointHost and HTTP_PROXY the
// bridge, so that host-prefixed names (S3 Control's account, S3's bucket)
// are never looked up.
func bridgedEnv(proxyURL string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "AWS_ENDPOINT_URL", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "AWS_ENDPOINT_URL=http://"+endpointHost, "HTTP_PROXY="+proxyURL, "http_proxy="+proxyURL)
}

// ensureMemberRole creates CIS_Remediator_Role, trusted by the account.
func ensureMemberRole(ctx context.Context, api *iam.Client) error {
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, account)
	_, err := api.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("CIS_Remediator_Role"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil && !strings.Contains(err.Error(), "EntityAlreadyExists") {
		return fmt.Errorf("create member role: %w", err)
	}
	return nil
}

func requireEndpoint(t *testing.T) {
	t.Helper()
	if os.Getenv("AWS_ENDPOINT_URL") == "" {
		t.Skip(skipMessage)
	}
}

// result is one finding of `remediate --output json`.
type result struct {
	ID, Account, Region, CIS, Control, Resource, Decision, Reason string
	Notification, Workflow                                        string
	Actions                                                       []struct {
		Description string
		Done        bool
		Error       string
	}
}

// remediate runs the binary on an event and returns its exit code and results.
func remediate(t *testing.T, event []byte, configYAML string, extra ...string) (int, []result, string) {
	t.Helper()
	requireSeeded(t, event)
	args := append([]string{"remediate", "--event", writeFile(t, "event.json", event), "--config", writeConfig(t, configYAML), "--output", "json", "--log-level", "info"}, extra...)
	code, stdout, stderr := runIn(t, env, args...)
	var out struct{ Findings []result }
	if code != 2 {
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("output is not JSON (%v):\n%s\nstderr:\n%s", err, stdout, stderr)
		}
	}
	return code, out.Findings, stderr
}

// sample loads a sample event and lets the test rewrite its findings for
// the endpoint's account, region and resources. Every finding gets an id
// of its own, so runs and tests never share a finding in Security Hub.
func sample(t *testing.T, name string, rewrite func(i int, f map[string]any)) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	// Same account and region everywhere the sample names them.
	s := strings.ReplaceAll(string(b), "444455556666", account)
	s = strings.ReplaceAll(s, "777788889999", account)
	s = strings.ReplaceAll(s, "eu-central-1", region)
	var ev map[string]any
	if err := json.Unmarshal([]byte(s), &ev); err != nil {
		t.Fatal(err)
	}
	for i, f := range eventFindings(t, ev) {
		f["Id"] = fmt.Sprintf("%s/%s-%d", f["Id"], t.Name(), time.Now().UnixNano())
		rewrite(i, f)
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// eventFindings returns the findings of an EventBridge event, as maps
// that alias the event's.
func eventFindings(t *testing.T, ev map[string]any) []map[string]any {
	t.Helper()
	detail, _ := ev["detail"].(map[string]any)
	list, ok := detail["findings"].([]any)
	if !ok {
		t.Fatal("not a Security Hub event: no detail.findings")
	}
	out := make([]map[string]any, len(list))
	for i, f := range list {
		out[i] = f.(map[string]any)
	}
	return out
}

// setResource points a finding at a resource.
func setResource(f map[string]any, arn string) {
	r := f["Resources"].([]any)[0].(map[string]any)
	r["Id"] = arn
	delete(r, "Details")
}

// seedFindings puts the findings of an event into the emulator's Security
// Hub (in the suite's account and region, the administrator's), where
// Security Hub itself would have created them before sending the event:
// cisguard confirms each finding there and updates its workflow.
//
// This is a test-only bridge. In AWS only Security Hub creates findings of
// product/aws/securityhub (BatchImportFindings refuses them from anyone
// else); moto accepts them, so the suite can build the state an event
// presupposes.
func seedFindings(t *testing.T, event []byte) {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(eventFindings(t, ev))
	if err != nil {
		t.Fatal(err)
	}
	var asff []shtypes.AwsSecurityFinding
	if err := json.Unmarshal(b, &asff); err != nil {
		t.Fatalf("event finding is not ASFF: %v", err)
	}
	out, err := securityhub.NewFromConfig(cfg).BatchImportFindings(context.Background(), &securityhub.BatchImportFindingsInput{Findings: asff})
	if err != nil {
		t.Fatalf("seed findings: %v", err)
	}
	if n := aws.ToInt32(out.FailedCount); n > 0 {
		t.Fatalf("%d findings not seeded: %+v", n, out.FailedFindings)
	}
}

// requireSeeded fails a test that runs cisguard on an event whose
// findings are not in Security Hub: cisguard would rightly refuse them.
func requireSeeded(t *testing.T, event []byte) {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return // not an event: cisguard's own input checks are under test
	}
	detail, _ := ev["detail"].(map[string]any)
	list, _ := detail["findings"].([]any)
	for _, f := range list {
		id, _ := f.(map[string]any)["Id"].(string)
		if id != "" && len(hubFindings(t, id)) == 0 {
			t.Fatalf("finding %s is not in Security Hub: call seedFindings(t, event) before running cisguard", id)
		}
	}
}

// hubFindings reads the findings with an id from Security Hub.
func hubFindings(t *testing.T, id string) []shtypes.AwsSecurityFinding {
	t.Helper()
	out, err := securityhub.NewFromConfig(cfg).GetFindings(context.Background(), &securityhub.GetFindingsInput{
		Filters: &shtypes.AwsSecurityFindingFilters{Id: []shtypes.StringFilter{{Value: aws.String(id), Comparison: shtypes.StringFilterComparisonEquals}}},
	})
	if err != nil {
		t.Fatalf("get finding: %v", err)
	}
	return out.Findings
}

// workflow reads a finding's workflow status from Security Hub.
func workflow(t *testing.T, id string) string {
	t.Helper()
	fs := hubFindings(t, id)
	if len(fs) != 1 || fs[0].Workflow == nil {
		t.Fatalf("finding %s: %d found", id, len(fs))
	}
	return string(fs[0].Workflow.Status)
}

func expect(t *testing.T, r result, decision string) {
	t.Helper()
	if r.Decision != decision {
		t.Fatalf("%s: decision %s (%s), want %s; actions %+v", r.CIS, r.Decision, r.Reason, decision, r.Actions)
	}
}
