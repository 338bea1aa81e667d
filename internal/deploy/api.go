// Package deploy sets cisguard up in an AWS Organization from the
// management account, in one command: Security Hub's delegated
// administrator and central configuration with the CIS v1.4.0 standard
// added to the standards the organization already uses, the admin stack
// (Lambda, queue, rules, topic) and custom action, the member role
// StackSet, AWS Config where it is missing, and the optional member
// StackSets.
//
// Like a remediation, a deployment is a plan.Plan computed from live
// state: each step says what it creates or changes, --dry-run prints the
// steps with a report (standards before and after per group of accounts,
// StackSet instances, expected duration, what a --delete keeps), apply
// runs them in order and stops at the first failure. Every asynchronous
// change (central configuration, policy associations, stacks, StackSet
// operations) is waited for and its failure reported with AWS's reason. A
// second run on a deployed organization plans nothing; a run after a
// failure plans what is still missing or broken. Each AWS service is
// reached through a small interface listing only the calls made, so the
// tests run the whole deployment against stateful fakes that enforce the
// rules AWS enforces.
package deploy

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// CloudFormation is the part of the CloudFormation API the deployment uses:
// stacks (admin account, management account) and StackSets (management
// account, service-managed).
type CloudFormation interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	GetTemplate(ctx context.Context, in *cloudformation.GetTemplateInput, optFns ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error)
	CreateStack(ctx context.Context, in *cloudformation.CreateStackInput, optFns ...func(*cloudformation.Options)) (*cloudformation.CreateStackOutput, error)
	UpdateStack(ctx context.Context, in *cloudformation.UpdateStackInput, optFns ...func(*cloudformation.Options)) (*cloudformation.UpdateStackOutput, error)
	DeleteStack(ctx context.Context, in *cloudformation.DeleteStackInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error)
	ContinueUpdateRollback(ctx context.Context, in *cloudformation.ContinueUpdateRollbackInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ContinueUpdateRollbackOutput, error)
	DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error)

	DescribeStackSet(ctx context.Context, in *cloudformation.DescribeStackSetInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOutput, error)
	CreateStackSet(ctx context.Context, in *cloudformation.CreateStackSetInput, optFns ...func(*cloudformation.Options)) (*cloudformation.CreateStackSetOutput, error)
	UpdateStackSet(ctx context.Context, in *cloudformation.UpdateStackSetInput, optFns ...func(*cloudformation.Options)) (*cloudformation.UpdateStackSetOutput, error)
	DeleteStackSet(ctx context.Context, in *cloudformation.DeleteStackSetInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DeleteStackSetOutput, error)
	ListStackInstances(ctx context.Context, in *cloudformation.ListStackInstancesInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStackInstancesOutput, error)
	CreateStackInstances(ctx context.Context, in *cloudformation.CreateStackInstancesInput, optFns ...func(*cloudformation.Options)) (*cloudformation.CreateStackInstancesOutput, error)
	UpdateStackInstances(ctx context.Context, in *cloudformation.UpdateStackInstancesInput, optFns ...func(*cloudformation.Options)) (*cloudformation.UpdateStackInstancesOutput, error)
	DeleteStackInstances(ctx context.Context, in *cloudformation.DeleteStackInstancesInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DeleteStackInstancesOutput, error)
	DescribeStackSetOperation(ctx context.Context, in *cloudformation.DescribeStackSetOperationInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOperationOutput, error)
	ListStackSetOperationResults(ctx context.Context, in *cloudformation.ListStackSetOperationResultsInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStackSetOperationResultsOutput, error)

	DescribeOrganizationsAccess(ctx context.Context, in *cloudformation.DescribeOrganizationsAccessInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeOrganizationsAccessOutput, error)
	ActivateOrganizationsAccess(ctx context.Context, in *cloudformation.ActivateOrganizationsAccessInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ActivateOrganizationsAccessOutput, error)
}

// SecurityHub is the part of the Security Hub API the deployment uses: the
// delegated administrator (management account), the organization's
// central configuration and custom action (admin account), and the
// standards an account has enabled (every account).
type SecurityHub interface {
	ListOrganizationAdminAccounts(ctx context.Context, in *securityhub.ListOrganizationAdminAccountsInput, optFns ...func(*securityhub.Options)) (*securityhub.ListOrganizationAdminAccountsOutput, error)
	EnableOrganizationAdminAccount(ctx context.Context, in *securityhub.EnableOrganizationAdminAccountInput, optFns ...func(*securityhub.Options)) (*securityhub.EnableOrganizationAdminAccountOutput, error)

	ListFindingAggregators(ctx context.Context, in *securityhub.ListFindingAggregatorsInput, optFns ...func(*securityhub.Options)) (*securityhub.ListFindingAggregatorsOutput, error)
	GetFindingAggregator(ctx context.Context, in *securityhub.GetFindingAggregatorInput, optFns ...func(*securityhub.Options)) (*securityhub.GetFindingAggregatorOutput, error)
	CreateFindingAggregator(ctx context.Context, in *securityhub.CreateFindingAggregatorInput, optFns ...func(*securityhub.Options)) (*securityhub.CreateFindingAggregatorOutput, error)
	UpdateFindingAggregator(ctx context.Context, in *securityhub.UpdateFindingAggregatorInput, optFns ...func(*securityhub.Options)) (*securityhub.UpdateFindingAggregatorOutput, error)

	DescribeOrganizationConfiguration(ctx context.Context, in *securityhub.DescribeOrganizationConfigurationInput, optFns ...func(*securityhub.Options)) (*securityhub.DescribeOrganizationConfigurationOutput, error)
	UpdateOrganizationConfiguration(ctx context.Context, in *securityhub.UpdateOrganizationConfigurationInput, optFns ...func(*securityhub.Options)) (*securityhub.UpdateOrganizationConfigurationOutput, error)
	ListConfigurationPolicies(ctx context.Context, in *securityhub.ListConfigurationPoliciesInput, optFns ...func(*securityhub.Options)) (*securityhub.ListConfigurationPoliciesOutput, error)
	GetConfigurationPolicy(ctx context.Context, in *securityhub.GetConfigurationPolicyInput, optFns ...func(*securityhub.Options)) (*securityhub.GetConfigurationPolicyOutput, error)
	CreateConfigurationPolicy(ctx context.Context, in *securityhub.CreateConfigurationPolicyInput, optFns ...func(*securityhub.Options)) (*securityhub.CreateConfigurationPolicyOutput, error)
	DeleteConfigurationPolicy(ctx context.Context, in *securityhub.DeleteConfigurationPolicyInput, optFns ...func(*securityhub.Options)) (*securityhub.DeleteConfigurationPolicyOutput, error)
	ListConfigurationPolicyAssociations(ctx context.Context, in *securityhub.ListConfigurationPolicyAssociationsInput, optFns ...func(*securityhub.Options)) (*securityhub.ListConfigurationPolicyAssociationsOutput, error)
	GetConfigurationPolicyAssociation(ctx context.Context, in *securityhub.GetConfigurationPolicyAssociationInput, optFns ...func(*securityhub.Options)) (*securityhub.GetConfigurationPolicyAssociationOutput, error)
	StartConfigurationPolicyAssociation(ctx context.Context, in *securityhub.StartConfigurationPolicyAssociationInput, optFns ...func(*securityhub.Options)) (*securityhub.StartConfigurationPolicyAssociationOutput, error)
	StartConfigurationPolicyDisassociation(ctx context.Context, in *securityhub.StartConfigurationPolicyDisassociationInput, optFns ...func(*securityhub.Options)) (*securityhub.StartConfigurationPolicyDisassociationOutput, error)

	GetEnabledStandards(ctx context.Context, in *securityhub.GetEnabledStandardsInput, optFns ...func(*securityhub.Options)) (*securityhub.GetEnabledStandardsOutput, error)

	DescribeActionTargets(ctx context.Context, in *securityhub.DescribeActionTargetsInput, optFns ...func(*securityhub.Options)) (*securityhub.DescribeActionTargetsOutput, error)
	CreateActionTarget(ctx context.Context, in *securityhub.CreateActionTargetInput, optFns ...func(*securityhub.Options)) (*securityhub.CreateActionTargetOutput, error)
	DeleteActionTarget(ctx context.Context, in *securityhub.DeleteActionTargetInput, optFns ...func(*securityhub.Options)) (*securityhub.DeleteActionTargetOutput, error)
}

// Organizations reads the organization's shape (management account only).
type Organizations interface {
	DescribeOrganization(ctx context.Context, in *organizations.DescribeOrganizationInput, optFns ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	ListRoots(ctx context.Context, in *organizations.ListRootsInput, optFns ...func(*organizations.Options)) (*organizations.ListRootsOutput, error)
	ListAccounts(ctx context.Context, in *organizations.ListAccountsInput, optFns ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
}

// S3 holds the Lambda zip in a bucket the deployment owns (admin account)
// and finds the AWS Config buckets cisguard retained (member accounts).
// Every call names the expected bucket owner.
type S3 interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, optFns ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	CreateBucket(ctx context.Context, in *s3.CreateBucketInput, optFns ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, optFns ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	PutPublicAccessBlock(ctx context.Context, in *s3.PutPublicAccessBlockInput, optFns ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error)
	GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, optFns ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	PutBucketPolicy(ctx context.Context, in *s3.PutBucketPolicyInput, optFns ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error)
	GetBucketOwnershipControls(ctx context.Context, in *s3.GetBucketOwnershipControlsInput, optFns ...func(*s3.Options)) (*s3.GetBucketOwnershipControlsOutput, error)
	PutBucketOwnershipControls(ctx context.Context, in *s3.PutBucketOwnershipControlsInput, optFns ...func(*s3.Options)) (*s3.PutBucketOwnershipControlsOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	DeleteBucket(ctx context.Context, in *s3.DeleteBucketInput, optFns ...func(*s3.Options)) (*s3.DeleteBucketOutput, error)
}

// Config reads whether AWS Config records in an account and region.
type Config interface {
	DescribeConfigurationRecorders(ctx context.Context, in *configservice.DescribeConfigurationRecordersInput, optFns ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecordersOutput, error)
}

// IAM finds, and with --replace-original deletes, the member role the
// original solution left in an account.
type IAM interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	DetachRolePolicy(ctx context.Context, in *iam.DetachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error)
	ListRolePolicies(ctx context.Context, in *iam.ListRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
	DeleteRolePolicy(ctx context.Context, in *iam.DeleteRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)
	ListInstanceProfilesForRole(ctx context.Context, in *iam.ListInstanceProfilesForRoleInput, optFns ...func(*iam.Options)) (*iam.ListInstanceProfilesForRoleOutput, error)
	RemoveRoleFromInstanceProfile(ctx context.Context, in *iam.RemoveRoleFromInstanceProfileInput, optFns ...func(*iam.Options)) (*iam.RemoveRoleFromInstanceProfileOutput, error)
	DeleteRole(ctx context.Context, in *iam.DeleteRoleInput, optFns ...func(*iam.Options)) (*iam.DeleteRoleOutput, error)
}

// KMS finds a CloudTrail key alias the original solution left.
type KMS interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// SNS finds notification topics the original solution left.
type SNS interface {
	ListTopics(ctx context.Context, in *sns.ListTopicsInput, optFns ...func(*sns.Options)) (*sns.ListTopicsOutput, error)
}

// Events finds, and with --replace-original disables, the original
// solution's EventBridge rules in the admin account.
type Events interface {
	ListRules(ctx context.Context, in *eventbridge.ListRulesInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListRulesOutput, error)
	ListTargetsByRule(ctx context.Context, in *eventbridge.ListTargetsByRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
	DisableRule(ctx context.Context, in *eventbridge.DisableRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.DisableRuleOutput, error)
}

// Services are the clients of one account in one region.
type Services struct {
	CloudFormation CloudFormation
	SecurityHub    SecurityHub
	S3             S3
	Config         Config
	IAM            IAM
	KMS            KMS
	SNS            SNS
	Events         Events
}

// Identity is who the credentials in use are.
type Identity struct {
	Account string
	// ARN of the caller; its partition is the organization's.
	ARN string
}

// Env reaches the accounts a deployment touches. Management gives the
// caller's own clients (the deployment runs with management-account
// credentials); Member assumes the access role in another account (the
// delegated administrator is one of them).
type Env interface {
	Caller(ctx context.Context) (Identity, error)
	Organizations() Organizations
	Management(region string) Services
	Member(ctx context.Context, account, region string) (Services, error)
}
