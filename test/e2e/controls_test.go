package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
)

// One case per automatic control that the earlier files do not cover.
// Each seeds the misconfiguration, runs cisguard on a Security Hub event
// and reads the state back.

func newUserWithKey(t *testing.T) (user, key string) {
	t.Helper()
	ctx := context.Background()
	api := iam.NewFromConfig(cfg)
	user = unique("e2e-user")
	if _, err := api.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatal(err)
	}
	out, err := api.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	return user, aws.ToString(out.AccessKey.AccessKeyId)
}

func keyStatus(t *testing.T, user, key string) iamtypes.StatusType {
	t.Helper()
	out, err := iam.NewFromConfig(cfg).ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range out.AccessKeyMetadata {
		if aws.ToString(k.AccessKeyId) == key {
			return k.Status
		}
	}
	t.Fatalf("key %s of %s is gone", key, user)
	return ""
}

func TestUnusedCredentials(t *testing.T) { // 1.12
	requireEndpoint(t)
	user, key := newUserWithKey(t)
	backdateKey(t, key, 60) // never used, created 60 days ago
	rs := run(t, controlEvent(t, finding{Control: "IAM.22", CIS: "1.12", ResourceType: "AwsIamUser",
		ResourceID: fmt.Sprintf("arn:aws:iam::%s:user/%s", account, user)}), quiet, 0)
	resolved(t, rs[0])
	if s := keyStatus(t, user, key); s != iamtypes.StatusTypeInactive {
		t.Errorf("unused key is %s, want Inactive", s)
	}
}

func TestAccessKeyRotation(t *testing.T) { // 1.14
	requireEndpoint(t)
	user, old := newUserWithKey(t)
	fresh, err := iam.NewFromConfig(cfg).CreateAccessKey(context.Background(), &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	backdateKey(t, old, 120)
	rs := run(t, controlEvent(t, finding{Control: "IAM.3", CIS: "1.14", ResourceType: "AwsIamUser",
		ResourceID: fmt.Sprintf("arn:aws:iam::%s:user/%s", account, user)}), quiet, 0)
	resolved(t, rs[0])
	if s := keyStatus(t, user, old); s != iamtypes.StatusTypeInactive {
		t.Errorf("120-day-old key is %s, want Inactive", s)
	}
	if s := keyStatus(t, user, aws.ToString(fresh.AccessKey.AccessKeyId)); s != iamtypes.StatusTypeActive {
		t.Errorf("new key is %s, want Active", s)
	}
}

func TestSupportRole(t *testing.T) { // 1.17
	requireEndpoint(t)
	ctx := context.Background()
	api := iam.NewFromConfig(cfg)
	// Seed: no role has AWSSupportAccess (an earlier run may have left one).
	policy := aws.String("arn:aws:iam::aws:policy/AWSSupportAccess")
	holders, err := api.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: policy})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range holders.PolicyRoles {
		if _, err := api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: r.RoleName, PolicyArn: policy}); err != nil {
			t.Fatal(err)
		}
	}
	role := unique("e2e-support")
	rs := run(t, controlEvent(t, finding{Control: "IAM.18", CIS: "1.17", ResourceType: "AwsAccount"}),
		quiet+`controls: {"1.17": {roleName: `+role+`}}`+"\n", 0)
	resolved(t, rs[0])
	out, err := api.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		t.Fatalf("support role %s: %v", role, err)
	}
	if len(out.AttachedPolicies) != 1 || aws.ToString(out.AttachedPolicies[0].PolicyName) != "AWSSupportAccess" {
		t.Errorf("role %s has %+v, want AWSSupportAccess", role, out.AttachedPolicies)
	}
}

func TestAccountBlockPublicAccess(t *testing.T) { // 2.1.5.1, through S3 Control's host-prefixed endpoint
	requireEndpoint(t)
	ctx := context.Background()
	api := s3control.NewFromConfig(cfg)
	api.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: aws.String(account)})
	rs := run(t, controlEvent(t, finding{Control: "S3.1", CIS: "2.1.5.1", ResourceType: "AwsAccount"}), quiet, 0)
	resolved(t, rs[0])
	out, err := api.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(account)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.PublicAccessBlockConfiguration
	if !aws.ToBool(c.BlockPublicAcls) || !aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.BlockPublicPolicy) || !aws.ToBool(c.RestrictPublicBuckets) {
		t.Errorf("account Block Public Access %+v", c)
	}
}

func bucketBlocksPublicAccess(t *testing.T, bucket string) bool {
	t.Helper()
	return bucketBlocksPublicAccessIn(t, cfg, bucket)
}

func bucketBlocksPublicAccessIn(t *testing.T, conf aws.Config, bucket string) bool {
	t.Helper()
	out, err := s3.NewFromConfig(conf).GetPublicAccessBlock(context.Background(), &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Logf("bucket %s: %v", bucket, err)
		return false
	}
	c := out.PublicAccessBlockConfiguration
	return aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.IgnorePublicAcls) && aws.ToBool(c.BlockPublicPolicy) && aws.ToBool(c.RestrictPublicBuckets)
}

func TestBucketBlockPublicAccess(t *testing.T) { // 2.1.5.2
	requireEndpoint(t)
	bucket := newBucket(t)
	rs := run(t, controlEvent(t, finding{Control: "S3.8", CIS: "2.1.5.2", ResourceType: "AwsS3Bucket", ResourceID: "arn:aws:s3:::" + bucket}), quiet, 0)
	resolved(t, rs[0])
	if !bucketBlocksPublicAccess(t, bucket) {
		t.Errorf("bucket %s does not block public access", bucket)
	}
}

func TestTrailLogFileValidation(t *testing.T) { // 3.2
	requireEndpoint(t)
	name, arn, _ := newTrail(t, false)
	rs := run(t, controlEvent(t, finding{Control: "CloudTrail.4", CIS: "3.2", ResourceType: "AwsCloudTrailTrail", ResourceID: arn}), quiet, 0)
	resolved(t, rs[0])
	if !aws.ToBool(trail(t, name).LogFileValidationEnabled) {
		t.Errorf("trail %s has no log file validation", name)
	}
}

func TestTrailBucketNotPublic(t *testing.T) { // 3.3
	requireEndpoint(t)
	_, arn, bucket := newTrail(t, false)
	rs := run(t, controlEvent(t, finding{Control: "CloudTrail.6", CIS: "3.3", ResourceType: "AwsS3Bucket", ResourceID: "arn:aws:s3:::" + bucket}),
		quiet+`controls: {"3.3": {trail: "`+arn+`"}}`+"\n", 0)
	resolved(t, rs[0])
	if !bucketBlocksPublicAccess(t, bucket) {
		t.Errorf("trail bucket %s does not block public access", bucket)
	}
}

func TestTrailToCloudWatchLogs(t *testing.T) { // 3.4
	requireEndpoint(t)
	name, arn, _ := newTrail(t, false)
	rs := run(t, controlEvent(t, finding{Control: "CloudTrail.5", CIS: "3.4", ResourceType: "AwsCloudTrailTrail", ResourceID: arn}), quiet, 0)
	resolved(t, rs[0])
	tr := trail(t, name)
	if aws.ToString(tr.CloudWatchLogsLogGroupArn) == "" || aws.ToString(tr.CloudWatchLogsRoleArn) == "" {
		t.Fatalf("trail %s does not deliver to CloudWatch Logs: %+v", name, tr)
	}
	group := logGroupName(aws.ToString(tr.CloudWatchLogsLogGroupArn))
	out, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
	if err != nil || len(out.LogGroups) == 0 {
		t.Fatalf("log group %s: %v", group, err)
	}
	if aws.ToInt32(out.LogGroups[0].RetentionInDays) != 365 {
		t.Errorf("log group %s keeps logs %d days, want 365", group, aws.ToInt32(out.LogGroups[0].RetentionInDays))
	}
}

func logGroupName(arn string) string {
	_, g, _ := strings.Cut(arn, ":log-group:")
	return strings.TrimSuffix(g, ":*")
}

func TestTrailBucketAccessLogging(t *testing.T) { // 3.6
	requireEndpoint(t)
	_, arn, bucket := newTrail(t, false)
	logs := unique("e2e-access-logs")
	rs := run(t, controlEvent(t, finding{Control: "CloudTrail.7", CIS: "3.6", ResourceType: "AwsS3Bucket", ResourceID: "arn:aws:s3:::" + bucket}),
		quiet+`controls: {"3.6": {trail: "`+arn+`", logBucket: `+logs+`}}`+"\n", 0)
	resolved(t, rs[0])
	out, err := s3.NewFromConfig(cfg).GetBucketLogging(context.Background(), &s3.GetBucketLoggingInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if out.LoggingEnabled == nil || aws.ToString(out.LoggingEnabled.TargetBucket) != logs {
		t.Errorf("trail bucket %s logs to %+v, want %s", bucket, out.LoggingEnabled, logs)
	}
}

func TestTrailEncryption(t *testing.T) { // 3.7
	requireEndpoint(t)
	name, arn, _ := newTrail(t, false)
	alias := "alias/" + unique("e2e-trail-key")
	rs := run(t, controlEvent(t, finding{Control: "CloudTrail.2", CIS: "3.7", ResourceType: "AwsCloudTrailTrail", ResourceID: arn}),
		quiet+`controls: {"3.7": {kmsKey: `+alias+`}}`+"\n", 0)
	resolved(t, rs[0])
	keyID := aws.ToString(trail(t, name).KmsKeyId)
	if keyID == "" {
		t.Fatalf("trail %s is not encrypted", name)
	}
	ctx := context.Background()
	k, err := kms.NewFromConfig(cfg).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	if err != nil {
		t.Fatalf("key %s: %v", alias, err)
	}
	if !strings.HasSuffix(keyID, aws.ToString(k.KeyMetadata.KeyId)) {
		t.Errorf("trail key %s is not %s (%s)", keyID, alias, aws.ToString(k.KeyMetadata.KeyId))
	}
	rot, err := kms.NewFromConfig(cfg).GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: k.KeyMetadata.KeyId})
	if err != nil || !rot.KeyRotationEnabled {
		t.Errorf("new trail key does not rotate: %v", err)
	}
}

func TestKeyRotation(t *testing.T) { // 3.8
	requireEndpoint(t)
	ctx := context.Background()
	api := kms.NewFromConfig(cfg)
	k, err := api.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("e2e")})
	if err != nil {
		t.Fatal(err)
	}
	rs := run(t, controlEvent(t, finding{Control: "KMS.4", CIS: "3.8", ResourceType: "AwsKmsKey", ResourceID: aws.ToString(k.KeyMetadata.Arn)}), quiet, 0)
	resolved(t, rs[0])
	rot, err := api.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: k.KeyMetadata.KeyId})
	if err != nil || !rot.KeyRotationEnabled {
		t.Errorf("key %s does not rotate: %v", aws.ToString(k.KeyMetadata.KeyId), err)
	}
}

func TestVPCFlowLogs(t *testing.T) { // 3.9
	requireEndpoint(t)
	ctx := context.Background()
	vpc := newVPC(t, "10.39.0.0/16")
	rs := run(t, controlEvent(t, finding{Control: "EC2.6", CIS: "3.9", ResourceType: "AwsEc2Vpc",
		ResourceID: fmt.Sprintf("arn:aws:ec2:%s:%s:vpc/%s", region, account, vpc)}), quiet, 0)
	resolved(t, rs[0])
	out, err := ec2.NewFromConfig(cfg).DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{vpc}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FlowLogs) != 1 || (out.FlowLogs[0].TrafficType != ec2types.TrafficTypeReject && out.FlowLogs[0].TrafficType != ec2types.TrafficTypeAll) {
		t.Errorf("flow logs of %s: %+v", vpc, out.FlowLogs)
	}
}

// TestMonitoringChain sends the findings of 4.4 to 4.14 in one event, as
// Security Hub does when an account without alarms joins: each gets its
// metric filter on the trail's log group and an alarm on its metric.
func TestMonitoringChain(t *testing.T) { // 4.4–4.14
	requireEndpoint(t)
	ctx := context.Background()
	name, _, _ := newTrail(t, true)
	var specs []finding
	for n := 4; n <= 14; n++ {
		specs = append(specs, finding{Control: fmt.Sprintf("CloudWatch.%d", n), CIS: fmt.Sprintf("4.%d", n), ResourceType: "AwsAccount"})
	}
	// Only this trail may be the one the controls discover; the alarm
	// queue is the subscriber the deployment configures (alarms_test.go).
	topic := unique("cis-alarms")
	_, queue := newAlarmQueue(t, topic)
	rs := run(t, controlEvent(t, specs...), "notifications: {disabled: true, alarmQueueArn: "+queue+"}\n"+`controls: {"4": {trail: `+name+`, topic: `+topic+`}}`+"\n", 0)
	if len(rs) != len(specs) {
		t.Fatalf("%d results for %d findings", len(rs), len(specs))
	}
	for _, r := range rs {
		resolved(t, r)
	}
	group := logGroupName(aws.ToString(trail(t, name).CloudWatchLogsLogGroupArn))
	if group == "" {
		t.Fatalf("trail %s has no log group", name)
	}
	filters, err := cloudwatchlogs.NewFromConfig(cfg).DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	if len(filters.MetricFilters) != len(specs) {
		t.Errorf("%d metric filters on %s, want %d", len(filters.MetricFilters), group, len(specs))
	}
	for _, f := range filters.MetricFilters {
		m := f.MetricTransformations[0]
		alarms, err := cloudwatch.NewFromConfig(cfg).DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{MetricName: m.MetricName, Namespace: m.MetricNamespace})
		if err != nil {
			t.Fatal(err)
		}
		if len(alarms.MetricAlarms) == 0 || len(alarms.MetricAlarms[0].AlarmActions) == 0 {
			t.Errorf("no alarm with an action on %s/%s", aws.ToString(m.MetricNamespace), aws.ToString(m.MetricName))
		}
	}
}

func TestConfigRecorder(t *testing.T) { // 3.5, opt-in
	requireEndpoint(t)
	ctx := context.Background()
	a := newAccount(t).withMemberRole(t)
	// AWS Config's service-linked role, as `aws iam create-service-linked-role
	// --aws-service-name config.amazonaws.com` makes it in AWS. moto's
	// CreateServiceLinkedRole names it AWSServiceRoleForconfig, so the suite
	// creates it under AWS's name.
	slr := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := iam.NewFromConfig(a.Cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("AWSServiceRoleForConfig"), Path: aws.String("/aws-service-role/config.amazonaws.com/"),
		AssumeRolePolicyDocument: aws.String(slr)}); err != nil {
		t.Fatal(err)
	}
	event := controlEvent(t, finding{Control: "Config.1", CIS: "3.5", ResourceType: "AwsAccount", Account: a.ID})
	// Notify by default: the plan is sent, nothing changes.
	rs := run(t, event, quiet, 0)
	expect(t, rs[0], "notified")
	api := configservice.NewFromConfig(a.Cfg)
	if out, err := api.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{}); err != nil || len(out.ConfigurationRecorders) != 0 {
		t.Fatalf("notify mode changed something: %+v %v", out, err)
	}

	event = controlEvent(t, finding{Control: "Config.1", CIS: "3.5", ResourceType: "AwsAccount", Account: a.ID})
	rs = run(t, event, quiet+`controls: {"3.5": {mode: auto}}`+"\n", 0)
	resolved(t, rs[0])
	recs, err := api.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil || len(recs.ConfigurationRecorders) != 1 {
		t.Fatalf("recorders %+v %v", recs, err)
	}
	r := recs.ConfigurationRecorders[0]
	if g := r.RecordingGroup; g == nil || !g.AllSupported || !g.IncludeGlobalResourceTypes || !strings.HasSuffix(aws.ToString(r.RoleARN), "/AWSServiceRoleForConfig") {
		t.Errorf("recorder %s as %s records %+v; want all supported types, global ones too (%s is the global region), as the service-linked role", aws.ToString(r.Name), aws.ToString(r.RoleARN), r.RecordingGroup, region)
	}
	st, err := api.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	if err != nil || len(st.ConfigurationRecordersStatus) != 1 || !st.ConfigurationRecordersStatus[0].Recording {
		t.Errorf("recorder status %+v %v, want recording", st, err)
	}
	chans, err := api.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil || len(chans.DeliveryChannels) != 1 {
		t.Fatalf("delivery channels %+v %v", chans, err)
	}
	bucket := aws.ToString(chans.DeliveryChannels[0].S3BucketName)
	if want := fmt.Sprintf("cisguard-config-%s-%s", a.ID, region); bucket != want {
		t.Errorf("delivers to %s, want %s", bucket, want)
	}
	if !bucketBlocksPublicAccessIn(t, a.Cfg, bucket) {
		t.Errorf("configuration bucket %s does not block public access", bucket)
	}
}

// TestOpenAdminPortsRevoked: a finding of another standard (CIS v1.2.0's
// EC2.13) about a security group that lets SSH and RDP in from the
// internet. The offending rules are revoked by rule id, what else they
// allowed is authorized again, and the other rules keep their ids.
func TestOpenAdminPortsRevoked(t *testing.T) { // 5.2, opt-in
	requireEndpoint(t)
	ctx := context.Background()
	api := ec2.NewFromConfig(cfg)
	g, err := api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(unique("e2e-web")), Description: aws.String("e2e"), VpcId: aws.String(newVPC(t, "10.52.0.0/16"))})
	if err != nil {
		t.Fatal(err)
	}
	sg := aws.ToString(g.GroupId)
	allowIngress(t, sg, tcpFrom(22, 22, "0.0.0.0/0"), tcpFrom(3389, 3389, "::/0"), tcpFrom(20, 25, "0.0.0.0/0"), tcpFrom(443, 443, "0.0.0.0/0"), tcpFrom(22, 22, "10.0.0.0/8"))
	ingress := func() map[string]string { // rule -> id
		out, err := api.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{sg}}}})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, r := range out.SecurityGroupRules {
			if !aws.ToBool(r.IsEgress) {
				m[fmt.Sprintf("%d-%d %s%s", aws.ToInt32(r.FromPort), aws.ToInt32(r.ToPort), aws.ToString(r.CidrIpv4), aws.ToString(r.CidrIpv6))] = aws.ToString(r.SecurityGroupRuleId)
			}
		}
		return m
	}
	before := ingress()
	rs := run(t, controlEvent(t, finding{Control: "EC2.13", ResourceType: "AwsEc2SecurityGroup", ResourceID: groupARN(sg),
		Standard: "ruleset/cis-aws-foundations-benchmark/v/1.2.0 CIS AWS Foundations Benchmark v1.2.0/4.1"}), quiet+`controls: {"5.2": {mode: auto}}`+"\n", 0)
	if rs[0].CIS != "5.2" {
		t.Fatalf("EC2.13 handled as %s, want 5.2", rs[0].CIS)
	}
	resolved(t, rs[0])
	after := ingress()
	var rules []string
	for r := range after {
		rules = append(rules, r)
	}
	slices.Sort(rules)
	if want := []string{"20-21 0.0.0.0/0", "22-22 10.0.0.0/8", "23-25 0.0.0.0/0", "443-443 0.0.0.0/0"}; !slices.Equal(rules, want) {
		t.Errorf("ingress rules %v, want %v", rules, want)
	}
	for _, kept := range []string{"22-22 10.0.0.0/8", "443-443 0.0.0.0/0"} {
		if after[kept] != before[kept] {
			t.Errorf("rule %s is %s, was %s: revoke by rule id must leave the others as they were", kept, after[kept], before[kept])
		}
	}
}
