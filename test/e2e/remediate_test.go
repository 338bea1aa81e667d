package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// quiet is the configuration of tests that do not look at notifications.
const quiet = "notifications: {disabled: true}\n"

func newVPC(t *testing.T, cidr string) string {
	t.Helper()
	return newVPCIn(t, cfg, cidr)
}

// newVPCIn is newVPC with a configuration's credentials (in its account).
func newVPCIn(t *testing.T, c aws.Config, cidr string) string {
	t.Helper()
	out, err := ec2.NewFromConfig(c).CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatalf("create VPC: %v", err)
	}
	return aws.ToString(out.Vpc.VpcId)
}

// groupRuleCount counts a security group's rules, both ways.
func groupRuleCount(t *testing.T, sg string) int {
	t.Helper()
	return len(sgRules(t, sg))
}

func TestDefaultSecurityGroup(t *testing.T) {
	requireEndpoint(t)
	sg := defaultGroup(t, newVPC(t, "10.31.0.0/16"))
	// Seed: the default group also lets SSH in from anywhere.
	allowIngress(t, sg, tcpFrom(22, 22, "0.0.0.0/0"))
	rules := func() int { return groupRuleCount(t, sg) }
	before := rules()
	if before == 0 {
		t.Fatal("seeding left the default group without rules")
	}
	event := defaultGroupEvent(t, sg)
	seedFindings(t, event)

	// Dry run: the plan, and nothing changed.
	code, rs, stderr := remediate(t, event, quiet, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run exit %d: %s", code, stderr)
	}
	expect(t, rs[0], "planned")
	if rules() != before || workflow(t, rs[0].ID) != "NEW" {
		t.Fatal("dry run changed something")
	}

	code, rs, stderr = remediate(t, event, quiet)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	expect(t, rs[0], "remediated")
	if n := rules(); n != 0 {
		t.Errorf("%d rules left in the default group", n)
	}
	if w := workflow(t, rs[0].ID); w != "RESOLVED" {
		t.Errorf("workflow %s, want RESOLVED", w)
	}
	// The same event again: nothing left to do.
	_, rs, _ = remediate(t, event, quiet)
	expect(t, rs[0], "skipped")
}

func TestNetworkACL(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	api := ec2.NewFromConfig(cfg)
	id := openNetworkACL(t, "10.32.0.0/16")
	event := networkACLEvent(t, id)
	seedFindings(t, event)
	code, rs, stderr := remediate(t, event, quiet)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	expect(t, rs[0], "remediated")
	out, err := api.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	var ingress []string
	for _, e := range out.NetworkAcls[0].Entries {
		if aws.ToBool(e.Egress) || aws.ToInt32(e.RuleNumber) >= 32767 {
			continue
		}
		s := fmt.Sprintf("%d %s", aws.ToInt32(e.RuleNumber), aws.ToString(e.Protocol))
		if e.PortRange != nil {
			s += fmt.Sprintf(" %d-%d", aws.ToInt32(e.PortRange.From), aws.ToInt32(e.PortRange.To))
		}
		ingress = append(ingress, s)
		if aws.ToString(e.Protocol) == "-1" {
			t.Errorf("entry %d still allows all traffic", aws.ToInt32(e.RuleNumber))
		}
	}
	if len(ingress) != 7 {
		t.Errorf("ingress entries %v, want the 7-way split", ingress)
	}
}

func TestPasswordPolicy(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	api := iam.NewFromConfig(cfg)
	// Seed: a weak policy that still requires symbols, which must survive.
	if _, err := api.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(8), RequireSymbols: true, MaxPasswordAge: aws.Int32(60)}); err != nil {
		t.Fatal(err)
	}
	event := passwordPolicyEvent(t)
	seedFindings(t, event)
	code, rs, stderr := remediate(t, event, quiet)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if rs[0].CIS != "1.8" || rs[1].CIS != "1.9" {
		t.Fatalf("controls %s, %s", rs[0].CIS, rs[1].CIS)
	}
	// Either fix writes the whole policy for both controls, so the one
	// handled second may find nothing left to change.
	remediated := 0
	for _, r := range rs {
		switch r.Decision {
		case "remediated":
			remediated++
		case "skipped":
		default:
			t.Errorf("%s: %s (%s)", r.CIS, r.Decision, r.Reason)
		}
		if w := workflow(t, r.ID); w != "RESOLVED" {
			t.Errorf("%s: workflow %s, want RESOLVED", r.CIS, w)
		}
	}
	if remediated == 0 {
		t.Errorf("neither 1.8 nor 1.9 changed the password policy: %+v", rs)
	}
	p, err := api.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if err != nil {
		t.Fatal(err)
	}
	pp := p.PasswordPolicy
	if aws.ToInt32(pp.MinimumPasswordLength) < 14 || aws.ToInt32(pp.PasswordReusePrevention) < 24 || !pp.RequireSymbols || aws.ToInt32(pp.MaxPasswordAge) != 60 {
		t.Errorf("password policy %+v", pp)
	}
}

func TestEBSDefaultEncryptionAndNotification(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	if _, err := ec2.NewFromConfig(cfg).DisableEbsEncryptionByDefault(ctx, &ec2.DisableEbsEncryptionByDefaultInput{}); err != nil {
		t.Fatal(err)
	}
	// The central topic, with a queue subscribed to read what was sent.
	topic, queue := subscribedQueue(t, fmt.Sprintf("cisguard-e2e-%d", time.Now().UnixNano()))
	event := sample(t, "custom-action-two-findings.json", func(int, map[string]any) {})
	event = onlySecondFinding(t, event)
	seedFindings(t, event)
	code, rs, stderr := remediate(t, event, "notifications: {topicArn: "+topic+"}\n")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	expect(t, rs[0], "remediated")
	if rs[0].Notification != "sent" {
		t.Errorf("notification %q", rs[0].Notification)
	}
	out, err := ec2.NewFromConfig(cfg).GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil || !aws.ToBool(out.EbsEncryptionByDefault) {
		t.Fatalf("EBS default encryption: %v %v", out, err)
	}
	subject, body := receive(t, queue)
	if !strings.Contains(subject, "CIS 2.2.1 remediated: "+account+" "+region) {
		t.Errorf("subject %q", subject)
	}
	for _, want := range []string{"turn on EBS encryption by default for account " + account + " in " + region, "Result:   remediated"} {
		if !strings.Contains(body, want) {
			t.Errorf("notification lacks %q:\n%s", want, body)
		}
	}
}

func TestBucketPolicyMerge(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	api := s3.NewFromConfig(cfg)
	bucket := newBucket(t)
	if _, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(partnerPolicy(bucket))}); err != nil {
		t.Fatal(err)
	}
	event := tlsPolicyEvent(t, bucket)
	seedFindings(t, event)
	code, rs, stderr := remediate(t, event, quiet)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	expect(t, rs[0], "remediated")
	out, err := api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != 2 || doc.Statement[0]["Sid"] != "Partner" || doc.Statement[1]["Effect"] != "Deny" {
		t.Errorf("policy was not merged: %s", aws.ToString(out.Policy))
	}
}

// subscribedQueue creates an SNS topic with an SQS queue subscribed to it.
func subscribedQueue(t *testing.T, name string) (topicARN, queueURL string) {
	t.Helper()
	ctx := context.Background()
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(cfg)
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	queueARN := fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, account, name)
	if _, err := sns.NewFromConfig(cfg).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN)}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(topic.TopicArn), aws.ToString(queue.QueueUrl)
}

// receive reads one SNS notification (its subject and message) from a queue.
func receive(t *testing.T, queueURL string) (subject, message string) {
	t.Helper()
	out, err := sqs.NewFromConfig(cfg).ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), WaitTimeSeconds: 5, MaxNumberOfMessages: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) == 0 {
		t.Fatal("no notification arrived")
	}
	var n struct{ Subject, Message string }
	if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &n); err != nil {
		t.Fatalf("not an SNS notification: %v", err)
	}
	return n.Subject, n.Message
}

// onlySecondFinding drops the first finding of a two-finding event.
func onlySecondFinding(t *testing.T, event []byte) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatal(err)
	}
	d := ev["detail"].(map[string]any)
	d["findings"] = d["findings"].([]any)[1:]
	out, _ := json.Marshal(ev)
	return out
}
