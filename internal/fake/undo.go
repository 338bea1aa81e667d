package fake

// The calls a revert makes: deletes and the egress side of security
// groups, with AWS's rules.

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
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
