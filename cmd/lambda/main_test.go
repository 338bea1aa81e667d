package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/alarms"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/fake"
)

const member, region = "444455556666", "eu-central-1"

func testHandler(t *testing.T, org *fake.Org) *handler {
	t.Helper()
	cfg := config.Default()
	cfg.Notifications.Disabled = true
	set, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	return &handler{engine: engine.New(cfg, set, org, engine.Options{Logger: log}), log: log}
}

// seed builds the resources of the sample events in the member account.
func seed(org *fake.Org) {
	e := org.Account(member).EC2(region)
	e.AddSecurityGroupWithID("sg-0a1b2c3d4e5f60718", "vpc-0123456789abcdef0", "default", nil)
	e.AddRule("sg-0a1b2c3d4e5f60718", true, types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")})
	e.AddNetworkACLWithID("acl-0fedcba9876543210", "vpc-0123456789abcdef0", nil, types.NetworkAclEntry{
		RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("6"), RuleAction: types.RuleActionAllow,
		CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(22), To: aws.Int32(22)}})
}

func read(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hold puts a sample's findings into the organization's Security Hub, as
// Security Hub holds the findings it sends.
func hold(t *testing.T, org *fake.Org, name string) {
	t.Helper()
	if err := org.ImportEvent(read(t, name)); err != nil {
		t.Fatal(err)
	}
}

func TestSQSPartialBatchFailure(t *testing.T) {
	org := fake.NewOrg("777788889999")
	seed(org)
	// The second message's 2.2.1 finding fails; its 5.3 finding succeeds.
	org.Account(member).Log.Fail("EC2/EnableEbsEncryptionByDefault", fake.APIError("UnauthorizedOperation", "not authorized"))
	hold(t, org, "sqs-batch.json")
	out, err := testHandler(t, org).handle(context.Background(), read(t, "sqs-batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := out.(events.SQSEventResponse)
	if !ok {
		t.Fatalf("response %T", out)
	}
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	want := []string{"2e1424d4-f796-459a-8184-9c92662be6da", "c4bd1f2a-0000-4d1e-9c3a-5f1ab2e0aa01"}
	if !slices.Equal(ids, want) {
		t.Errorf("batch item failures %v, want %v", ids, want)
	}
	if n := len(org.Account(member).EC2(region).NetworkACL("acl-0fedcba9876543210")); n != 4 {
		t.Errorf("first message not remediated: %d entries", n)
	}
}

func TestEventBridge(t *testing.T) {
	org := fake.NewOrg("777788889999")
	seed(org)
	h := testHandler(t, org)
	hold(t, org, "imported-standard-5.3.json")
	out, err := h.handle(context.Background(), read(t, "imported-standard-5.3.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(map[string]int); got[engine.Remediated] != 1 {
		t.Errorf("summary %v", got)
	}
	if _, err := h.handle(context.Background(), read(t, "not-securityhub.json")); err == nil {
		t.Error("an unusable event must fail the invocation")
	}
}

func TestLoadConfigOverrides(t *testing.T) {
	t.Setenv("CISGUARD_CONFIG", filepath.Join(t.TempDir(), "missing.yaml"))
	if _, err := loadConfig(); err == nil {
		t.Error("a missing configuration file must fail")
	}
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("roleName: FromFile\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CISGUARD_CONFIG", p)
	t.Setenv("CISGUARD_ROLE_NAME", "FromEnv")
	t.Setenv("CISGUARD_NOTIFY_TOPIC_ARN", "arn:aws:sns:eu-central-1:777788889999:cisguard")
	t.Setenv("CISGUARD_ALARM_QUEUE_ARN", "arn:aws:sqs:eu-central-1:777788889999:cisguard-remediator-alarms")
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RoleName != "FromEnv" || cfg.Notifications.TopicARN != "arn:aws:sns:eu-central-1:777788889999:cisguard" ||
		cfg.Notifications.AlarmQueueARN != "arn:aws:sqs:eu-central-1:777788889999:cisguard-remediator-alarms" {
		t.Errorf("config %+v", cfg)
	}
	t.Setenv("CISGUARD_NOTIFY_TOPIC_ARN", "not-an-arn")
	if _, err := loadConfig(); err == nil {
		t.Error("a bad override must fail")
	}
}

// sqsOf wraps an event in an SQS batch of one message.
func sqsOf(t *testing.T, id string, event json.RawMessage) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: id, EventSource: "aws:sqs", Body: string(event)}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSQSUntrustedMessageChangesNothing: a forged finding, or a genuine
// one Security Hub does not hold, put on the queue changes nothing and is
// not retried.
func TestSQSUntrustedMessageChangesNothing(t *testing.T) {
	org := fake.NewOrg("777788889999")
	seed(org)
	hold(t, org, "deploy/forged-imported-EC2.2.json") // the member imported it: Security Hub holds it
	h := testHandler(t, org)
	for _, name := range []string{"deploy/forged-imported-EC2.2.json", "imported-standard-5.3.json"} {
		out, err := h.handle(context.Background(), sqsOf(t, "m-"+name, read(t, name)))
		if err != nil {
			t.Fatal(err)
		}
		if resp := out.(events.SQSEventResponse); len(resp.BatchItemFailures) != 0 {
			t.Errorf("%s: retried: %+v", name, resp.BatchItemFailures)
		}
	}
	if org.Assumed(member) != 0 || len(org.Account(member).EC2(region).Rules("sg-0a1b2c3d4e5f60718")) != 1 {
		t.Error("the member account was touched")
	}
}

// TestSQSRetriesWhileManagementUnknown: the management account cannot be
// told, so the message fails (SQS retries) and nothing is done.
func TestSQSRetriesWhileManagementUnknown(t *testing.T) {
	org := fake.NewOrg("777788889999")
	seed(org)
	hold(t, org, "imported-standard-5.3.json")
	org.Log.Fail("Organizations/DescribeOrganization", fake.APIError("AccessDeniedException", "not authorized to perform organizations:DescribeOrganization"))
	out, err := testHandler(t, org).handle(context.Background(), sqsOf(t, "m-1", read(t, "imported-standard-5.3.json")))
	if err != nil {
		t.Fatal(err)
	}
	if resp := out.(events.SQSEventResponse); len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m-1" {
		t.Errorf("batch item failures %+v", resp.BatchItemFailures)
	}
	if org.Assumed(member) != 0 {
		t.Error("the member account was touched")
	}
}

// TestAlarmQueueBatchIsForwarded: a batch of the alarm queue goes to the
// forwarder (the central topic), never to the engine as findings.
func TestAlarmQueueBatchIsForwarded(t *testing.T) {
	org := fake.NewOrg("777788889999")
	central := org.Admin.SNS(region).AddTopic("cisguard-notifications")
	h := testHandler(t, org)
	queue := "arn:aws:sqs:" + region + ":777788889999:cisguard-remediator-alarms"
	h.alarms = alarms.New(queue, central, org.SNS, h.log)
	body, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:eu-west-1:" + member + ":cisguard-cis-alarms",
		"Message": `{"AlarmName":"CIS-4.3-RootAccountUsage","NewStateValue":"ALARM","AWSAccountId":"` + member + `"}`})
	raw, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m", EventSource: "aws:sqs", EventSourceARN: queue, Body: string(body)}}})
	out, err := h.handle(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if resp, ok := out.(events.SQSEventResponse); !ok || len(resp.BatchItemFailures) != 0 {
		t.Errorf("response %+v", out)
	}
	if msgs := org.Admin.SNS(region).Published(central); len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "ALARM CIS-4.3-RootAccountUsage: "+member+" eu-west-1") {
		t.Errorf("published %+v", msgs)
	}
}

// TestOversizeInputLogsBounded: a 20 MB input of 6,000 findings, half of
// them malformed and half not Security Hub's own, handled without a wall
// of identical records: a few of each kind, then a count.
func TestOversizeInputLogsBounded(t *testing.T) {
	var f map[string]any
	if err := json.Unmarshal(read(t, "deploy/forged-imported-EC2.2.json"), &struct {
		Detail *struct{ Findings []*map[string]any } `json:"detail"`
	}{Detail: &struct{ Findings []*map[string]any }{Findings: []*map[string]any{&f}}}); err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 3300)
	var fs []map[string]any
	for i := range 6000 {
		g := maps.Clone(f)
		g["Id"] = fmt.Sprintf("%s-%d", f["Id"], i)
		g["Description"] = pad
		if i%2 == 0 {
			delete(g, "Region")
			g["Resources"] = []any{}
		}
		fs = append(fs, g)
	}
	event, err := json.Marshal(map[string]any{"detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub", "region": "eu-central-1", "detail": map[string]any{"findings": fs}})
	if err != nil {
		t.Fatal(err)
	}
	if len(event) < 20<<20 {
		t.Fatalf("event of %d bytes, want 20 MB", len(event))
	}
	var out bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	h := &handler{engine: engine.New(config.Default(), mustConfigure(t), fake.NewOrg("777788889999"), engine.Options{Logger: log}), log: log}
	res, err := h.handle(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.(map[string]int); got[engine.Failed] != 3000 || got[engine.Skipped] != 3000 {
		t.Errorf("summary %v", got)
	}
	lines := strings.Count(out.String(), "\n")
	if lines > 40 {
		t.Errorf("%d log records for 6,000 findings of two kinds:\n%s", lines, out.String()[:min(out.Len(), 4000)])
	}
	if !strings.Contains(out.String(), "2995 more like the above") {
		t.Errorf("no count of the records left out:\n%s", out.String())
	}
}

func mustConfigure(t *testing.T) *controls.Settings {
	t.Helper()
	s, err := controls.Configure(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSQSDeadlineNearReturnsMessages: an invocation with less time left
// than a finding may take starts none: every message is reported failed,
// so SQS delivers it again, and nothing is touched.
func TestSQSDeadlineNearReturnsMessages(t *testing.T) {
	org := fake.NewOrg("777788889999")
	seed(org)
	hold(t, org, "sqs-batch.json")
	cfg := config.Default()
	cfg.Notifications.Disabled = true
	log := slog.New(slog.DiscardHandler)
	h := &handler{engine: engine.New(cfg, mustConfigure(t), org, engine.Options{Logger: log, Margin: margin, Reserve: reserve}), log: log}
	ctx, cancel := context.WithTimeout(context.Background(), reserve+margin/2)
	defer cancel()
	out, err := h.handle(ctx, read(t, "sqs-batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range out.(events.SQSEventResponse).BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	if want := []string{"059f36b4-87a3-44ab-83d2-661975830a7d", "2e1424d4-f796-459a-8184-9c92662be6da", "c4bd1f2a-0000-4d1e-9c3a-5f1ab2e0aa01"}; !slices.Equal(ids, want) {
		t.Errorf("batch item failures %v, want every message %v", ids, want)
	}
	if _, writes := org.Account(member).Log.Counts(); writes != 0 || org.Assumed(member) != 0 {
		t.Errorf("%d writes, %d AssumeRole: the member account was touched", writes, org.Assumed(member))
	}
}
