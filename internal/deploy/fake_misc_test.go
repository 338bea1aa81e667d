package deploy

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// S3: bucket names are global and owned by one account; a request whose
// ExpectedBucketOwner is not the owner, or from another account, is
// refused (403), as S3 does.

type fakeBucket struct {
	owner, region string
	objects       map[string][]byte
	block         *s3types.PublicAccessBlockConfiguration
	policy        string
	ownership     s3types.ObjectOwnership
}

type fakeS3 struct {
	w               *world
	account, region string
}

func (f *fakeS3) bucket(name string, expected *string) (*fakeBucket, error) {
	b, ok := f.w.buckets[name]
	switch {
	case !ok:
		return nil, apiErr("NoSuchBucket", "The specified bucket does not exist")
	case expected != nil && *expected != b.owner, b.owner != f.account:
		return nil, apiErr("AccessDenied", "Access Denied")
	}
	return b, nil
}

func (f *fakeS3) HeadBucket(_ context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	b, ok := f.w.buckets[*in.Bucket]
	switch {
	case !ok:
		return nil, apiErr("NotFound", "Not Found")
	case in.ExpectedBucketOwner != nil && *in.ExpectedBucketOwner != b.owner, b.owner != f.account:
		return nil, apiErr("Forbidden", "Forbidden")
	}
	return &s3.HeadBucketOutput{}, nil
}

func (f *fakeS3) CreateBucket(_ context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	if b, ok := f.w.buckets[*in.Bucket]; ok {
		if b.owner == f.account {
			return nil, apiErr("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
		}
		return nil, apiErr("BucketAlreadyExists", "The requested bucket name is not available.")
	}
	if f.region != "us-east-1" && (in.CreateBucketConfiguration == nil || string(in.CreateBucketConfiguration.LocationConstraint) != f.region) {
		return nil, apiErr("IllegalLocationConstraintException", "the unspecified location constraint is incompatible with %s", f.region)
	}
	f.w.write("CreateBucket %s", *in.Bucket)
	f.w.buckets[*in.Bucket] = &fakeBucket{owner: f.account, region: f.region, objects: map[string][]byte{}, ownership: in.ObjectOwnership}
	return &s3.CreateBucketOutput{}, nil
}

func (f *fakeS3) GetPublicAccessBlock(_ context.Context, in *s3.GetPublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if b.block == nil {
		return nil, apiErr("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	}
	c := *b.block
	return &s3.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &c}, nil
}

func (f *fakeS3) PutPublicAccessBlock(_ context.Context, in *s3.PutPublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	f.w.write("PutPublicAccessBlock %s", *in.Bucket)
	c := *in.PublicAccessBlockConfiguration
	b.block = &c
	return &s3.PutPublicAccessBlockOutput{}, nil
}

func (f *fakeS3) GetBucketPolicy(_ context.Context, in *s3.GetBucketPolicyInput, _ ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if b.policy == "" {
		return nil, apiErr("NoSuchBucketPolicy", "The bucket policy does not exist")
	}
	return &s3.GetBucketPolicyOutput{Policy: aws.String(b.policy)}, nil
}

func (f *fakeS3) PutBucketPolicy(_ context.Context, in *s3.PutBucketPolicyInput, _ ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	f.w.write("PutBucketPolicy %s", *in.Bucket)
	b.policy = *in.Policy
	return &s3.PutBucketPolicyOutput{}, nil
}

func (f *fakeS3) GetBucketOwnershipControls(_ context.Context, in *s3.GetBucketOwnershipControlsInput, _ ...func(*s3.Options)) (*s3.GetBucketOwnershipControlsOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if b.ownership == "" {
		return nil, apiErr("OwnershipControlsNotFoundError", "The bucket ownership controls were not found")
	}
	return &s3.GetBucketOwnershipControlsOutput{OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: b.ownership}}}}, nil
}

func (f *fakeS3) PutBucketOwnershipControls(_ context.Context, in *s3.PutBucketOwnershipControlsInput, _ ...func(*s3.Options)) (*s3.PutBucketOwnershipControlsOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	f.w.write("PutBucketOwnershipControls %s", *in.Bucket)
	b.ownership = in.OwnershipControls.Rules[0].ObjectOwnership
	return &s3.PutBucketOwnershipControlsOutput{}, nil
}

func (f *fakeS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if _, ok := b.objects[*in.Key]; !ok {
		return nil, apiErr("NotFound", "Not Found")
	}
	return &s3.HeadObjectOutput{}, nil
}

func (f *fakeS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	f.w.write("PutObject %s/%s", *in.Bucket, *in.Key)
	b.objects[*in.Key] = body
	return &s3.PutObjectOutput{}, nil
}

func (f *fakeS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	var all []s3types.Object
	for _, k := range sortedKeys(b.objects) {
		all = append(all, s3types.Object{Key: aws.String(k)})
	}
	items, next := page(all, in.ContinuationToken, 1)
	return &s3.ListObjectsV2Output{Contents: items, NextContinuationToken: next}, nil
}

func (f *fakeS3) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	delete(b.objects, *in.Key)
	return &s3.DeleteObjectOutput{}, nil
}

func (f *fakeS3) DeleteBucket(_ context.Context, in *s3.DeleteBucketInput, _ ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
	b, err := f.bucket(*in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if len(b.objects) > 0 {
		return nil, apiErr("BucketNotEmpty", "The bucket you tried to delete is not empty")
	}
	f.w.write("DeleteBucket %s", *in.Bucket)
	delete(f.w.buckets, *in.Bucket)
	return &s3.DeleteBucketOutput{}, nil
}

// AWS Config.

type fakeConfig struct {
	w               *world
	account, region string
}

func (f fakeConfig) DescribeConfigurationRecorders(context.Context, *configservice.DescribeConfigurationRecordersInput, ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecordersOutput, error) {
	out := &configservice.DescribeConfigurationRecordersOutput{}
	if f.w.recorders[f.account+"/"+f.region] {
		out.ConfigurationRecorders = []cstypes.ConfigurationRecorder{{Name: aws.String("default")}}
	}
	return out, nil
}

// IAM: role names are global to an account; a role with policies or
// instance profiles cannot be deleted.

type fakeIAM struct {
	w       *world
	account string
}

func (f *fakeIAM) role(name string) (*fakeRole, error) {
	r, ok := f.w.roles[f.account+"/"+name]
	if !ok {
		return nil, apiErr("NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	return r, nil
}

func (f *fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	r, err := f.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	return &iam.GetRoleOutput{Role: &iamtypes.Role{RoleName: in.RoleName, Arn: aws.String(r.arn), Description: aws.String(r.description)}}, nil
}

func (f *fakeIAM) ListAttachedRolePolicies(_ context.Context, in *iam.ListAttachedRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	r, err := f.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	out := &iam.ListAttachedRolePoliciesOutput{}
	for _, arn := range r.attached {
		out.AttachedPolicies = append(out.AttachedPolicies, iamtypes.AttachedPolicy{PolicyArn: aws.String(arn)})
	}
	return out, nil
}

func (f *fakeIAM) DetachRolePolicy(_ context.Context, in *iam.DetachRolePolicyInput, _ ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error) {
	r, err := f.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	r.attached = slices.DeleteFunc(r.attached, func(a string) bool { return a == *in.PolicyArn })
	return &iam.DetachRolePolicyOutput{}, nil
}

func (f *fakeIAM) ListRolePolicies(_ context.Context, in *iam.ListRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error) {
	r, err := f.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	return &iam.ListRolePoliciesOutput{PolicyNames: slices.Clone(r.inline)}, nil
}

func (f *fakeIAM) DeleteRolePolicy(_ context.Context, in *iam.DeleteRolePolicyInput, _ ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error) {
	r, err := f.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	r.inline = slices.DeleteFunc(r.inline, func(n string) bool { return n == *in.PolicyName })
	return &iam.DeleteRolePolicyOutput{}, nil
}

func (f *fakeIAM) ListInstanceProfilesForRole(_ context.Context, in *iam.ListInstanceProfilesForRoleInput, _ ...func(*iam.Options)) (*iam.ListInstanceProfilesForRoleOutput, error) {
	r, err := f.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	out := &iam.ListInstanceProfilesForRoleOutput{}
	for _, p := range r.profiles {
		out.InstanceProfiles = append(out.InstanceProfiles, iamtypes.InstanceProfile{InstanceProfileName: aws.String(p)})
	}
	return out, nil
}

func (f *fakeIAM) RemoveRoleFromInstanceProfile(_ context.Context, in *iam.RemoveRoleFromInstanceProfileInput, _ ...func(*iam.Options)) (*iam.RemoveRoleFromInstanceProfileOutput, error) {
	r, err := f.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	r.profiles = slices.DeleteFunc(r.profiles, func(n string) bool { return n == *in.InstanceProfileName })
	return &iam.RemoveRoleFromInstanceProfileOutput{}, nil
}

func (f *fakeIAM) DeleteRole(_ context.Context, in *iam.DeleteRoleInput, _ ...func(*iam.Options)) (*iam.DeleteRoleOutput, error) {
	r, err := f.role(*in.RoleName)
	if err != nil {
		return nil, err
	}
	if len(r.attached)+len(r.inline)+len(r.profiles) > 0 {
		return nil, apiErr("DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	f.w.write("DeleteRole %s %s", f.account, *in.RoleName)
	delete(f.w.roles, f.account+"/"+*in.RoleName)
	return &iam.DeleteRoleOutput{}, nil
}

// KMS, SNS, EventBridge.

type fakeKMS struct {
	w               *world
	account, region string
}

func (f *fakeKMS) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	id, ok := f.w.aliases[f.account+"/"+f.region+"/"+*in.KeyId]
	if !ok {
		return nil, apiErr("NotFoundException", "Alias %s is not found.", *in.KeyId)
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{KeyId: aws.String(id)}}, nil
}

type fakeSNS struct {
	w               *world
	account, region string
}

func (f *fakeSNS) ListTopics(_ context.Context, in *sns.ListTopicsInput, _ ...func(*sns.Options)) (*sns.ListTopicsOutput, error) {
	var all []snstypes.Topic
	for _, name := range sortedKeys(f.w.topics[f.account+"/"+f.region]) {
		all = append(all, snstypes.Topic{TopicArn: aws.String(fmt.Sprintf("arn:%s:sns:%s:%s:%s", f.w.partition, f.region, f.account, name))})
	}
	items, next := page(all, in.NextToken, 1)
	return &sns.ListTopicsOutput{Topics: items, NextToken: next}, nil
}

type fakeEvents struct {
	w               *world
	account, region string
}

func (f *fakeEvents) ListRules(_ context.Context, in *eventbridge.ListRulesInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListRulesOutput, error) {
	var all []ebtypes.Rule
	for _, name := range sortedKeys(f.w.rules) {
		r := f.w.rules[name]
		all = append(all, ebtypes.Rule{Name: aws.String(name), EventPattern: aws.String(r.pattern), State: ebtypes.RuleState(r.state)})
	}
	items, next := page(all, in.NextToken, 1)
	return &eventbridge.ListRulesOutput{Rules: items, NextToken: next}, nil
}

func (f *fakeEvents) ListTargetsByRule(_ context.Context, in *eventbridge.ListTargetsByRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error) {
	r, ok := f.w.rules[*in.Rule]
	if !ok {
		return nil, apiErr("ResourceNotFoundException", "Rule %s does not exist.", *in.Rule)
	}
	out := &eventbridge.ListTargetsByRuleOutput{}
	for i, arn := range r.targets {
		out.Targets = append(out.Targets, ebtypes.Target{Id: aws.String(fmt.Sprint(i)), Arn: aws.String(arn)})
	}
	return out, nil
}

func (f *fakeEvents) DisableRule(_ context.Context, in *eventbridge.DisableRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.DisableRuleOutput, error) {
	r, ok := f.w.rules[*in.Name]
	if !ok {
		return nil, apiErr("ResourceNotFoundException", "Rule %s does not exist.", *in.Name)
	}
	f.w.write("DisableRule %s", *in.Name)
	r.state = "DISABLED"
	return &eventbridge.DisableRuleOutput{}, nil
}
