package fake

// The calls a revert makes: deletes, stops and the egress side of
// security groups, with AWS's rules.

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	acct "github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// AuthorizeSecurityGroupEgress adds egress rules as
// AuthorizeSecurityGroupIngress adds ingress rules.
func (e *EC2) AuthorizeSecurityGroupEgress(ctx context.Context, in *ec2.AuthorizeSecurityGroupEgressInput, _ ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupEgressOutput, error) {
	unlock, err := e.call(ctx, "AuthorizeSecurityGroupEgress")
	defer unlock()
	if err != nil {
		return nil, err
	}
	rules, err := e.authorize(aws.ToString(in.GroupId), in.IpPermissions, true)
	if err != nil {
		return nil, err
	}
	return &ec2.AuthorizeSecurityGroupEgressOutput{Return: aws.Bool(true), SecurityGroupRules: rules}, nil
}

// authorize adds one rule per source (CIDR, IPv6 CIDR, prefix list,
// referenced group) of each permission; a rule that exists already fails
// the call, as does going past the quota. All or nothing.
func (e *EC2) authorize(gid string, perms []types.IpPermission, egress bool) ([]types.SecurityGroupRule, error) {
	s := e.st()
	if s.group(gid) == nil {
		return nil, APIError("InvalidGroup.NotFound", "The security group '%s' does not exist", gid)
	}
	if len(perms) == 0 {
		return nil, APIError("MissingParameter", "The request must contain the parameter ipPermissions")
	}
	var add []types.SecurityGroupRule
	for _, p := range perms {
		base := types.SecurityGroupRule{IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort}
		if base.FromPort == nil || aws.ToString(p.IpProtocol) == "-1" {
			base.FromPort, base.ToPort = aws.Int32(-1), aws.Int32(-1)
		}
		for _, r := range p.IpRanges {
			x := base
			x.CidrIpv4, x.Description = r.CidrIp, r.Description
			add = append(add, x)
		}
		for _, r := range p.Ipv6Ranges {
			x := base
			x.CidrIpv6, x.Description = r.CidrIpv6, r.Description
			add = append(add, x)
		}
		for _, r := range p.PrefixListIds {
			x := base
			x.PrefixListId, x.Description = r.PrefixListId, r.Description
			add = append(add, x)
		}
		for _, r := range p.UserIdGroupPairs {
			if s.group(aws.ToString(r.GroupId)) == nil && r.UserId == nil {
				return nil, APIError("InvalidGroup.NotFound", "The security group '%s' does not exist", aws.ToString(r.GroupId))
			}
			x := base
			x.ReferencedGroupInfo = &types.ReferencedSecurityGroup{GroupId: r.GroupId, UserId: r.UserId, VpcPeeringConnectionId: r.VpcPeeringConnectionId}
			x.Description = r.Description
			add = append(add, x)
		}
	}
	if len(add) == 0 {
		return nil, APIError("InvalidParameterValue", "a permission names no source")
	}
	source := func(r types.SecurityGroupRule) string {
		if g := r.ReferencedGroupInfo; g != nil {
			return "sg:" + aws.ToString(g.GroupId)
		}
		return aws.ToString(r.CidrIpv4) + aws.ToString(r.CidrIpv6) + aws.ToString(r.PrefixListId)
	}
	same := func(a, b types.SecurityGroupRule) bool {
		return aws.ToString(a.IpProtocol) == aws.ToString(b.IpProtocol) && aws.ToInt32(a.FromPort) == aws.ToInt32(b.FromPort) &&
			aws.ToInt32(a.ToPort) == aws.ToInt32(b.ToPort) && source(a) == source(b)
	}
	count := map[bool]int{}
	for _, r := range s.rules {
		if aws.ToString(r.GroupId) != gid || aws.ToBool(r.IsEgress) != egress {
			continue
		}
		count[r.CidrIpv6 != nil]++
		if slices.ContainsFunc(add, func(a types.SecurityGroupRule) bool { return same(r, a) }) {
			return nil, APIError("InvalidPermission.Duplicate", "the specified rule already exists")
		}
	}
	for _, a := range add {
		if count[a.CidrIpv6 != nil]++; count[a.CidrIpv6 != nil] > SecurityGroupRuleQuota {
			return nil, APIError("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
		}
	}
	var out []types.SecurityGroupRule
	for _, a := range add {
		s.addRule(gid, egress, a)
		out = append(out, s.rules[len(s.rules)-1])
	}
	return out, nil
}

// DisableEbsEncryptionByDefault turns EBS default encryption off in the region.
func (e *EC2) DisableEbsEncryptionByDefault(ctx context.Context, in *ec2.DisableEbsEncryptionByDefaultInput, _ ...func(*ec2.Options)) (*ec2.DisableEbsEncryptionByDefaultOutput, error) {
	unlock, err := e.call(ctx, "DisableEbsEncryptionByDefault")
	defer unlock()
	if err != nil {
		return nil, err
	}
	e.st().ebsDefault = false
	return &ec2.DisableEbsEncryptionByDefaultOutput{EbsEncryptionByDefault: aws.Bool(false)}, nil
}

// DeleteBucketPolicy removes the policy; S3 answers 204 when there is none.
func (s *S3) DeleteBucketPolicy(ctx context.Context, in *s3.DeleteBucketPolicyInput, _ ...func(*s3.Options)) (*s3.DeleteBucketPolicyOutput, error) {
	unlock, err := s.call(ctx, "DeleteBucketPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	b.Policy = ""
	return &s3.DeleteBucketPolicyOutput{}, nil
}

// DeletePublicAccessBlock removes the bucket's configuration.
func (s *S3) DeletePublicAccessBlock(ctx context.Context, in *s3.DeletePublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.DeletePublicAccessBlockOutput, error) {
	unlock, err := s.call(ctx, "DeletePublicAccessBlock")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	b.PublicAccessBlock = nil
	return &s3.DeletePublicAccessBlockOutput{}, nil
}

// DeletePublicAccessBlock removes the account's configuration.
func (s *S3Control) DeletePublicAccessBlock(ctx context.Context, in *s3control.DeletePublicAccessBlockInput, _ ...func(*s3control.Options)) (*s3control.DeletePublicAccessBlockOutput, error) {
	unlock, err := s.call(ctx, "DeletePublicAccessBlock")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := s.account("DeletePublicAccessBlock", in.AccountId); err != nil {
		return nil, err
	}
	s.st().publicAccessBlock = nil
	return &s3control.DeletePublicAccessBlockOutput{}, nil
}

// DeleteAccountPasswordPolicy fails with NoSuchEntity when there is none.
func (f *IAM) DeleteAccountPasswordPolicy(ctx context.Context, _ *iam.DeleteAccountPasswordPolicyInput, _ ...func(*iam.Options)) (*iam.DeleteAccountPasswordPolicyOutput, error) {
	unlock, err := f.call(ctx, "DeleteAccountPasswordPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if f.st().passwordPolicy == nil {
		return nil, APIError("NoSuchEntity", "The account policy with name PasswordPolicy cannot be found.")
	}
	f.st().passwordPolicy = nil
	return &iam.DeleteAccountPasswordPolicyOutput{}, nil
}

// DetachRolePolicy fails with NoSuchEntity when the role does not exist or
// the policy is not attached to it.
func (f *IAM) DetachRolePolicy(ctx context.Context, in *iam.DetachRolePolicyInput, _ ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error) {
	unlock, err := f.call(ctx, "DetachRolePolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := f.st().role(aws.ToString(in.RoleName))
	if r == nil {
		return nil, noSuchRole(aws.ToString(in.RoleName))
	}
	arn := aws.ToString(in.PolicyArn)
	if !slices.Contains(r.Attached, arn) {
		return nil, APIError("NoSuchEntity", "Policy %s was not found.", arn)
	}
	r.Attached = slices.DeleteFunc(r.Attached, func(a string) bool { return a == arn })
	if len(r.Attached) == 0 {
		r.Attached = nil
	}
	return &iam.DetachRolePolicyOutput{}, nil
}

// DeleteRole refuses, as IAM does, a role that still has managed or
// inline policies (DeleteConflict).
func (f *IAM) DeleteRole(ctx context.Context, in *iam.DeleteRoleInput, _ ...func(*iam.Options)) (*iam.DeleteRoleOutput, error) {
	unlock, err := f.call(ctx, "DeleteRole")
	defer unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.RoleName)
	r := f.st().role(name)
	if r == nil {
		return nil, noSuchRole(name)
	}
	if len(r.Attached) > 0 || len(r.Inline) > 0 {
		return nil, APIError("DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	f.st().roles = slices.DeleteFunc(f.st().roles, func(x *Role) bool { return x == r })
	return &iam.DeleteRoleOutput{}, nil
}

// StopLogging stops a trail of the account in its home region.
func (c *CloudTrail) StopLogging(ctx context.Context, in *cloudtrail.StopLoggingInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.StopLoggingOutput, error) {
	unlock, err := c.call(ctx, "StopLogging")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, err := c.modifiable(in.Name)
	if err != nil {
		return nil, err
	}
	t.Logging = false
	return &cloudtrail.StopLoggingOutput{}, nil
}

// DescribeAlarms lists the region's metric alarms, by name when
// AlarmNames is given (at most 100), in pages of MaxRecords (at most
// 100, the default).
func (c *CloudWatch) DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	unlock, err := c.call(ctx, "DescribeAlarms")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if n := aws.ToInt32(in.MaxRecords); n < 0 || n > 100 || len(in.AlarmNames) > 100 {
		return nil, APIError("ValidationError", "MaxRecords and AlarmNames take at most 100")
	}
	if in.AlarmNamePrefix != nil && len(in.AlarmNames) > 0 {
		return nil, APIError("InvalidParameterCombination", "AlarmNamePrefix and AlarmNames cannot be given together")
	}
	var all []cwtypes.MetricAlarm
	for _, a := range c.st().alarms {
		name := aws.ToString(a.AlarmName)
		if len(in.AlarmNames) > 0 && !slices.Contains(in.AlarmNames, name) || !strings.HasPrefix(name, aws.ToString(in.AlarmNamePrefix)) {
			continue
		}
		all = append(all, copyAlarm(a))
	}
	items, next, err := page(all, in.NextToken, aws.ToInt32(in.MaxRecords), 100)
	if err != nil {
		return nil, err
	}
	return &cloudwatch.DescribeAlarmsOutput{MetricAlarms: items, NextToken: next}, nil
}

// DeleteAlarms deletes alarms by name (at most 100); a name that does
// not exist fails the call and deletes nothing, as CloudWatch does.
func (c *CloudWatch) DeleteAlarms(ctx context.Context, in *cloudwatch.DeleteAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DeleteAlarmsOutput, error) {
	unlock, err := c.call(ctx, "DeleteAlarms")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if len(in.AlarmNames) == 0 || len(in.AlarmNames) > 100 {
		return nil, APIError("ValidationError", "AlarmNames takes 1 to 100 names")
	}
	st := c.st()
	for _, n := range in.AlarmNames {
		if !slices.ContainsFunc(st.alarms, func(a *cwtypes.MetricAlarm) bool { return aws.ToString(a.AlarmName) == n }) {
			return nil, APIError("ResourceNotFound", "Alarm %s does not exist", n)
		}
	}
	st.alarms = slices.DeleteFunc(st.alarms, func(a *cwtypes.MetricAlarm) bool { return slices.Contains(in.AlarmNames, aws.ToString(a.AlarmName)) })
	return &cloudwatch.DeleteAlarmsOutput{}, nil
}

// DeleteMetricFilter deletes a filter of a log group; the group and the
// filter must exist.
func (l *Logs) DeleteMetricFilter(ctx context.Context, in *cloudwatchlogs.DeleteMetricFilterInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteMetricFilterOutput, error) {
	unlock, err := l.call(ctx, "DeleteMetricFilter")
	defer unlock()
	if err != nil {
		return nil, err
	}
	g := l.st().find(aws.ToString(in.LogGroupName))
	if g == nil {
		return nil, noLogGroup(aws.ToString(in.LogGroupName))
	}
	name := aws.ToString(in.FilterName)
	i := slices.IndexFunc(g.Filters, func(f cwltypes.MetricFilter) bool { return aws.ToString(f.FilterName) == name })
	if i < 0 {
		return nil, APIError("ResourceNotFoundException", "The specified metric filter does not exist.")
	}
	g.Filters = slices.Delete(g.Filters, i, i+1)
	return &cloudwatchlogs.DeleteMetricFilterOutput{}, nil
}

// Unsubscribe deletes a confirmed subscription by its ARN; the topic's
// owner or the subscription's may. A subscription awaiting confirmation
// has no ARN to name.
func (s *SNS) Unsubscribe(ctx context.Context, in *sns.UnsubscribeInput, _ ...func(*sns.Options)) (*sns.UnsubscribeOutput, error) {
	unlock, err := s.call(ctx, "Unsubscribe")
	defer unlock()
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.SubscriptionArn)
	i := strings.LastIndex(arn, ":")
	if i < 0 || arn == pendingConfirmation {
		return nil, APIError("InvalidParameter", "Invalid parameter: SubscriptionArn")
	}
	topicARN := arn[:i]
	parts := strings.Split(topicARN, ":")
	if len(parts) != 6 || parts[3] != s.region {
		return nil, APIError("InvalidParameter", "Invalid parameter: SubscriptionArn")
	}
	st, release := s.stateFor(parts[4])
	defer release()
	if st == nil {
		return nil, APIError("NotFound", "Subscription does not exist")
	}
	t := st.find(topicARN)
	if t == nil {
		return nil, APIError("NotFound", "Subscription does not exist")
	}
	j := slices.IndexFunc(t.subs, func(x snstypes.Subscription) bool { return aws.ToString(x.SubscriptionArn) == arn })
	if j < 0 {
		return nil, APIError("NotFound", "Subscription does not exist")
	}
	if t.owner != s.a.ID && aws.ToString(t.subs[j].Owner) != s.a.ID {
		return nil, APIError("AuthorizationError", "User: arn:%s:iam::%s:root is not authorized to perform: SNS:Unsubscribe on resource: %s", s.a.Partition, s.a.ID, arn)
	}
	t.subs = slices.Delete(t.subs, j, j+1)
	return &sns.UnsubscribeOutput{}, nil
}

// DisableKeyRotation turns rotation off, with the same refusals as
// EnableKeyRotation.
func (k *KMS) DisableKeyRotation(ctx context.Context, in *kms.DisableKeyRotationInput, _ ...func(*kms.Options)) (*kms.DisableKeyRotationOutput, error) {
	unlock, err := k.call(ctx, "DisableKeyRotation")
	defer unlock()
	if err != nil {
		return nil, err
	}
	x, err := k.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := x.rotatable(true); err != nil {
		return nil, err
	}
	x.Rotation = false
	return &kms.DisableKeyRotationOutput{}, nil
}

// DeleteRolePolicy deletes an inline policy; NoSuchEntity when the role
// or the policy does not exist.
func (f *IAM) DeleteRolePolicy(ctx context.Context, in *iam.DeleteRolePolicyInput, _ ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error) {
	unlock, err := f.call(ctx, "DeleteRolePolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := f.st().role(aws.ToString(in.RoleName))
	if r == nil {
		return nil, noSuchRole(aws.ToString(in.RoleName))
	}
	name := aws.ToString(in.PolicyName)
	if _, ok := r.Inline[name]; !ok {
		return nil, APIError("NoSuchEntity", "The role policy with name %s cannot be found.", name)
	}
	delete(r.Inline, name)
	return &iam.DeleteRolePolicyOutput{}, nil
}

// StopConfigurationRecorder stops the region's recorder.
func (c *Config) StopConfigurationRecorder(ctx context.Context, in *configservice.StopConfigurationRecorderInput, _ ...func(*configservice.Options)) (*configservice.StopConfigurationRecorderOutput, error) {
	unlock, err := c.call(ctx, "StopConfigurationRecorder")
	defer unlock()
	if err != nil {
		return nil, err
	}
	st := c.st()
	if err := st.recorder(in.ConfigurationRecorderName); err != nil {
		return nil, err
	}
	st.Recording = false
	return &configservice.StopConfigurationRecorderOutput{}, nil
}

// DeleteConfigurationRecorder deletes the region's recorder (recording
// stops with it).
func (c *Config) DeleteConfigurationRecorder(ctx context.Context, in *configservice.DeleteConfigurationRecorderInput, _ ...func(*configservice.Options)) (*configservice.DeleteConfigurationRecorderOutput, error) {
	unlock, err := c.call(ctx, "DeleteConfigurationRecorder")
	defer unlock()
	if err != nil {
		return nil, err
	}
	st := c.st()
	if err := st.recorder(in.ConfigurationRecorderName); err != nil {
		return nil, err
	}
	st.Recorder, st.Recording = nil, false
	return &configservice.DeleteConfigurationRecorderOutput{}, nil
}

// DeleteDeliveryChannel refuses while the recorder records, as AWS Config
// does (LastDeliveryChannelDeleteFailedException).
func (c *Config) DeleteDeliveryChannel(ctx context.Context, in *configservice.DeleteDeliveryChannelInput, _ ...func(*configservice.Options)) (*configservice.DeleteDeliveryChannelOutput, error) {
	unlock, err := c.call(ctx, "DeleteDeliveryChannel")
	defer unlock()
	if err != nil {
		return nil, err
	}
	st := c.st()
	if st.Channel == nil || aws.ToString(st.Channel.Name) != aws.ToString(in.DeliveryChannelName) {
		return nil, APIError("NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name '%s'.", aws.ToString(in.DeliveryChannelName))
	}
	if st.Recording {
		return nil, APIError("LastDeliveryChannelDeleteFailedException", "Failed to delete last specified delivery channel with name '%s', because there, because there is a running configuration recorder.", aws.ToString(in.DeliveryChannelName))
	}
	st.Channel = nil
	return &configservice.DeleteDeliveryChannelOutput{}, nil
}

// DeleteFlowLogs deletes flow logs by id; an unknown id is reported in
// Unsuccessful, as EC2 does, and the others are deleted.
func (e *EC2) DeleteFlowLogs(ctx context.Context, in *ec2.DeleteFlowLogsInput, _ ...func(*ec2.Options)) (*ec2.DeleteFlowLogsOutput, error) {
	unlock, err := e.call(ctx, "DeleteFlowLogs")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if len(in.FlowLogIds) == 0 {
		return nil, APIError("MissingParameter", "The request must contain the parameter FlowLogIds")
	}
	s := e.st()
	out := &ec2.DeleteFlowLogsOutput{}
	for _, id := range in.FlowLogIds {
		i := slices.IndexFunc(s.flowLogs, func(f types.FlowLog) bool { return aws.ToString(f.FlowLogId) == id })
		if i < 0 {
			out.Unsuccessful = append(out.Unsuccessful, types.UnsuccessfulItem{ResourceId: aws.String(id), Error: &types.UnsuccessfulItemError{Code: aws.String("InvalidFlowLogId.NotFound"), Message: aws.String("flow log " + id + " does not exist")}})
			continue
		}
		s.flowLogs = slices.Delete(s.flowLogs, i, i+1)
	}
	return out, nil
}

// DeleteAnalyzer deletes an analyzer by name.
func (f *AccessAnalyzer) DeleteAnalyzer(ctx context.Context, in *accessanalyzer.DeleteAnalyzerInput, _ ...func(*accessanalyzer.Options)) (*accessanalyzer.DeleteAnalyzerOutput, error) {
	unlock, err := f.call(ctx, "DeleteAnalyzer")
	defer unlock()
	if err != nil {
		return nil, err
	}
	st := f.st()
	i := slices.IndexFunc(st.analyzers, func(a aatypes.AnalyzerSummary) bool { return aws.ToString(a.Name) == aws.ToString(in.AnalyzerName) })
	if i < 0 {
		return nil, APIError("ResourceNotFoundException", "Analyzer %s not found", aws.ToString(in.AnalyzerName))
	}
	st.analyzers = slices.Delete(st.analyzers, i, i+1)
	return &accessanalyzer.DeleteAnalyzerOutput{}, nil
}

// DeleteAlternateContact removes an alternate contact; ResourceNotFound
// when there is none, as AWS Account Management answers.
func (f *AccountManagement) DeleteAlternateContact(ctx context.Context, in *acct.DeleteAlternateContactInput, _ ...func(*acct.Options)) (*acct.DeleteAlternateContactOutput, error) {
	unlock, err := f.call(ctx, "DeleteAlternateContact")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if !validContactType(in.AlternateContactType) {
		return nil, APIError("ValidationException", "invalid alternate contact type %q", in.AlternateContactType)
	}
	if _, ok := f.st().alternate[in.AlternateContactType]; !ok {
		return nil, APIError("ResourceNotFoundException", "No contact of the inputted alternate contact type found.")
	}
	delete(f.st().alternate, in.AlternateContactType)
	return &acct.DeleteAlternateContactOutput{}, nil
}
