package e2e

// Undo end to end: remediate, save the JSON result, revert from it, and
// read the resource back as it was; a change made in between is left.

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// cisguard runs the binary with the suite's environment.
func cisguard(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runIn(t, env, args...)
}

// remediateToFile seeds and remediates an event and saves the JSON
// result, as a user keeps it for revert.
func remediateToFile(t *testing.T, event []byte) string {
	t.Helper()
	return remediateToFileWith(t, event, quiet)
}

// remediateToFileWith is remediateToFile with a configuration.
func remediateToFileWith(t *testing.T, event []byte, configYAML string) string {
	t.Helper()
	seedFindings(t, event)
	ev, conf := writeFile(t, "event.json", event), writeConfig(t, configYAML)
	code, out, stderr := cisguard(t, "remediate", "--event", ev, "--config", conf, "--output", "json")
	if code != 0 {
		t.Fatalf("remediate exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, `"prior"`) {
		t.Fatalf("the result records nothing:\n%s", out)
	}
	return writeFile(t, "result.json", []byte(out))
}

// revert runs cisguard revert on a result file and checks its exit status.
func revert(t *testing.T, file string, wantExit int, extra ...string) string {
	t.Helper()
	args := append([]string{"revert", "--result", file, "--config", writeConfig(t, quiet)}, extra...)
	code, out, stderr := cisguard(t, args...)
	if code != wantExit {
		t.Fatalf("revert exit %d, want %d\n%s\n%s", code, wantExit, out, stderr)
	}
	return out
}

// sgRules reads a group's rules without their ids, in a stable order.
func sgRules(t *testing.T, sg string) []string {
	t.Helper()
	out, err := ec2.NewFromConfig(cfg).DescribeSecurityGroupRules(context.Background(), &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{sg}}}})
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, r := range out.SecurityGroupRules {
		ref := ""
		if r.ReferencedGroupInfo != nil {
			ref = aws.ToString(r.ReferencedGroupInfo.GroupId)
		}
		rules = append(rules, fmt.Sprintf("egress=%v %s %d-%d %s%s%s%s %q", aws.ToBool(r.IsEgress), aws.ToString(r.IpProtocol), aws.ToInt32(r.FromPort), aws.ToInt32(r.ToPort),
			aws.ToString(r.CidrIpv4), aws.ToString(r.CidrIpv6), aws.ToString(r.PrefixListId), ref, aws.ToString(r.Description)))
	}
	slices.Sort(rules)
	return rules
}

func TestRevertDefaultSecurityGroup(t *testing.T) { // 5.3
	requireEndpoint(t)
	sg := defaultGroup(t, newVPC(t, "10.41.0.0/16"))
	ssh := tcpFrom(22, 22, "0.0.0.0/0")
	ssh.IpRanges[0].Description = aws.String("ssh from anywhere")
	allowIngress(t, sg, ssh, ec2types.IpPermission{IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("2001:db8::/32")}}})
	before := sgRules(t, sg)
	file := remediateToFile(t, defaultGroupEvent(t, sg))
	if n := sgRules(t, sg); len(n) != 0 {
		t.Fatalf("rules left after the fix: %v", n)
	}

	out := revert(t, file, 0, "--dry-run")
	if !strings.Contains(out, "PLANNED 5.3") || len(sgRules(t, sg)) != 0 {
		t.Fatalf("dry run:\n%s", out)
	}
	out = revert(t, file, 0)
	if !strings.Contains(out, "RESTORED 5.3") {
		t.Errorf("revert:\n%s", out)
	}
	if got := sgRules(t, sg); !reflect.DeepEqual(got, before) {
		t.Errorf("rules after revert:\n%v\nwant:\n%v", got, before)
	}
}

func TestRevertNetworkACL(t *testing.T) { // 5.1
	requireEndpoint(t)
	ctx := context.Background()
	api := ec2.NewFromConfig(cfg)
	id := openNetworkACL(t, "10.42.0.0/16")
	entries := func() []string {
		out, err := api.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		var es []string
		for _, e := range out.NetworkAcls[0].Entries {
			s := fmt.Sprintf("%v %d %s %s %s", aws.ToBool(e.Egress), aws.ToInt32(e.RuleNumber), aws.ToString(e.Protocol), e.RuleAction, aws.ToString(e.CidrBlock))
			if e.PortRange != nil {
				s += fmt.Sprintf(" %d-%d", aws.ToInt32(e.PortRange.From), aws.ToInt32(e.PortRange.To))
			}
			es = append(es, s)
		}
		slices.Sort(es)
		return es
	}
	before := entries()
	file := remediateToFile(t, networkACLEvent(t, id))
	if reflect.DeepEqual(entries(), before) {
		t.Fatal("the fix changed nothing")
	}
	out := revert(t, file, 0)
	if got := entries(); !reflect.DeepEqual(got, before) {
		t.Errorf("entries after revert:\n%v\nwant:\n%v\n%s", got, before, out)
	}
}

func TestRevertBucketPolicy(t *testing.T) { // 2.1.2, and the refusal when the policy changed since
	requireEndpoint(t)
	ctx := context.Background()
	api := s3.NewFromConfig(cfg)
	bucket := newBucket(t)
	existing := partnerPolicy(bucket)
	if _, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(existing)}); err != nil {
		t.Fatal(err)
	}
	policy := func() string {
		out, err := api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Policy)
	}
	file := remediateToFile(t, tlsPolicyEvent(t, bucket))
	fixed := policy()
	if sameDoc(fixed, existing) {
		t.Fatal("the fix did not change the policy")
	}

	// Someone edits the policy after the fix: revert leaves it and says so.
	edited := strings.Replace(fixed, `"Partner"`, `"PartnerRenamed"`, 1)
	if _, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(edited)}); err != nil {
		t.Fatal(err)
	}
	out := revert(t, file, 1)
	if !strings.Contains(out, "NOT RESTORED 2.1.2") || !strings.Contains(out, "its policy is not the one cisguard wrote") || !sameDoc(policy(), edited) {
		t.Fatalf("revert over a changed policy:\n%s\npolicy now %s", out, policy())
	}

	// Put cisguard's policy back: now the revert restores the original.
	if _, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(fixed)}); err != nil {
		t.Fatal(err)
	}
	out = revert(t, file, 0)
	if !strings.Contains(out, "RESTORED 2.1.2") || !sameDoc(policy(), existing) {
		t.Fatalf("revert:\n%s\npolicy now %s", out, policy())
	}
}

func sameDoc(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

func TestRevertPasswordPolicy(t *testing.T) { // 1.8 and 1.9 on one policy
	requireEndpoint(t)
	ctx := context.Background()
	api := iam.NewFromConfig(cfg)
	if _, err := api.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(9), RequireSymbols: true, MaxPasswordAge: aws.Int32(60)}); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		out, err := api.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
		if err != nil {
			t.Fatal(err)
		}
		p := out.PasswordPolicy
		return fmt.Sprintf("len %d reuse %d symbols %v numbers %v age %d", aws.ToInt32(p.MinimumPasswordLength), aws.ToInt32(p.PasswordReusePrevention), p.RequireSymbols, p.RequireNumbers, aws.ToInt32(p.MaxPasswordAge))
	}
	before := read()
	file := remediateToFile(t, passwordPolicyEvent(t))
	if read() == before {
		t.Fatal("the fix changed nothing")
	}
	out := revert(t, file, 0)
	if !strings.Contains(out, "RESTORED 1.") {
		t.Errorf("revert:\n%s", out)
	}
	if got := read(); got != before {
		t.Errorf("policy after revert %s, want %s\n%s", got, before, out)
	}
}

// TestRevertAlarm is section 4 undone: from a trail without log group, 4.3
// sets up the trail's delivery, the metric filter, the alarm, the topic's
// statement and the alarm queue's subscription; revert deletes the alarm
// and the filter, unsubscribes the queue, removes the statement, stops the
// delivery and keeps the topic and the log group. The namespace is the
// test's own, so the alarm (whose name is fixed) is this test's.
func TestRevertAlarm(t *testing.T) { // 4.3
	requireEndpoint(t)
	ctx := context.Background()
	name, arn, _ := newTrail(t, true)
	topic, ns := unique("cis-alarms"), unique("CIS")
	_, queue := newAlarmQueue(t, topic)
	conf := "notifications: {disabled: true, alarmQueueArn: " + queue + "}\n" + `controls: {"4": {trail: ` + name + `, topic: ` + topic + `, namespace: ` + ns + `}}` + "\n"
	file := remediateToFileWith(t, controlEvent(t, finding{Control: "CloudWatch.1", CIS: "4.3", ResourceType: "AwsAccount"}), conf)

	group := logGroupName(aws.ToString(trail(t, name).CloudWatchLogsLogGroupArn))
	topicARN := fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, account, topic)
	state := func() string {
		filters, err := cloudwatchlogs.NewFromConfig(cfg).DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String(group)})
		if err != nil {
			t.Fatal(err)
		}
		alarms, err := cloudwatch.NewFromConfig(cfg).DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{MetricName: aws.String("RootAccountUsage"), Namespace: aws.String(ns)})
		if err != nil {
			t.Fatal(err)
		}
		subs, err := sns.NewFromConfig(cfg).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN)})
		if err != nil {
			t.Fatal(err)
		}
		attrs, err := sns.NewFromConfig(cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topicARN)})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("filters %d alarms %d subscriptions %d statement %v delivers %v", len(filters.MetricFilters), len(alarms.MetricAlarms), len(subs.Subscriptions),
			strings.Contains(attrs.Attributes["Policy"], "CISGuardAlarmQueueSubscribe"), aws.ToString(trail(t, name).CloudWatchLogsLogGroupArn) != "")
	}
	if got := state(); got != "filters 1 alarms 1 subscriptions 1 statement true delivers true" {
		t.Fatalf("after the fix: %s", got)
	}

	out := revert(t, file, 0, "--dry-run")
	if !strings.Contains(out, "PLANNED 4.3") || strings.Contains(out, "NOT RESTORED") || state() != "filters 1 alarms 1 subscriptions 1 statement true delivers true" {
		t.Fatalf("dry run:\n%s\n%s", out, state())
	}
	out = revert(t, file, 0)
	if !strings.Contains(out, "RESTORED 4.3") || !strings.Contains(out, "KEPT 4.3") {
		t.Errorf("revert:\n%s", out)
	}
	if got := state(); got != "filters 0 alarms 0 subscriptions 0 statement false delivers false" {
		t.Errorf("after revert: %s\n%s", got, out)
	}
	if tr := trail(t, name); aws.ToString(tr.TrailARN) != arn {
		t.Errorf("trail %+v", tr)
	}
	if out := revert(t, file, 0); strings.Contains(out, "RESTORED") {
		t.Errorf("second revert restores again:\n%s", out)
	}
}
