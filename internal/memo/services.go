// The memo clients of each service: every read goes through read, writes
// pass through to the clients underneath. memo_test.go fails when a read of
// package awsapi is missing here.

package memo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/macie2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cisguard/cisguard/internal/awsapi"
)

type ec2Memo struct {
	awsapi.EC2
	s svc
}

// EC2 returns the memo EC2 client.
func (c *Clients) EC2() awsapi.EC2 { return ec2Memo{c.Clients.EC2(), c.svc("EC2")} }

func (m ec2Memo) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, o ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	return read(ctx, m.s, "DescribeSecurityGroups", in, o, m.EC2.DescribeSecurityGroups)
}

func (m ec2Memo) DescribeSecurityGroupRules(ctx context.Context, in *ec2.DescribeSecurityGroupRulesInput, o ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupRulesOutput, error) {
	return read(ctx, m.s, "DescribeSecurityGroupRules", in, o, m.EC2.DescribeSecurityGroupRules)
}

func (m ec2Memo) DescribeNetworkAcls(ctx context.Context, in *ec2.DescribeNetworkAclsInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	return read(ctx, m.s, "DescribeNetworkAcls", in, o, m.EC2.DescribeNetworkAcls)
}

func (m ec2Memo) GetEbsEncryptionByDefault(ctx context.Context, in *ec2.GetEbsEncryptionByDefaultInput, o ...func(*ec2.Options)) (*ec2.GetEbsEncryptionByDefaultOutput, error) {
	return read(ctx, m.s, "GetEbsEncryptionByDefault", in, o, m.EC2.GetEbsEncryptionByDefault)
}

func (m ec2Memo) DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	return read(ctx, m.s, "DescribeVpcs", in, o, m.EC2.DescribeVpcs)
}

func (m ec2Memo) DescribeFlowLogs(ctx context.Context, in *ec2.DescribeFlowLogsInput, o ...func(*ec2.Options)) (*ec2.DescribeFlowLogsOutput, error) {
	return read(ctx, m.s, "DescribeFlowLogs", in, o, m.EC2.DescribeFlowLogs)
}

func (m ec2Memo) DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, o ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error) {
	return read(ctx, m.s, "DescribeRegions", in, o, m.EC2.DescribeRegions)
}

func (m ec2Memo) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, o ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return read(ctx, m.s, "DescribeInstances", in, o, m.EC2.DescribeInstances)
}

func (m ec2Memo) DescribeRouteTables(ctx context.Context, in *ec2.DescribeRouteTablesInput, o ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	return read(ctx, m.s, "DescribeRouteTables", in, o, m.EC2.DescribeRouteTables)
}

func (m ec2Memo) DescribeVpcPeeringConnections(ctx context.Context, in *ec2.DescribeVpcPeeringConnectionsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcPeeringConnectionsOutput, error) {
	return read(ctx, m.s, "DescribeVpcPeeringConnections", in, o, m.EC2.DescribeVpcPeeringConnections)
}

type iamMemo struct {
	awsapi.IAM
	s svc
}

// IAM returns the memo IAM client.
func (c *Clients) IAM() awsapi.IAM { return iamMemo{c.Clients.IAM(), c.svc("IAM")} }

func (m iamMemo) GetAccountSummary(ctx context.Context, in *iam.GetAccountSummaryInput, o ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error) {
	return read(ctx, m.s, "GetAccountSummary", in, o, m.IAM.GetAccountSummary)
}

func (m iamMemo) ListVirtualMFADevices(ctx context.Context, in *iam.ListVirtualMFADevicesInput, o ...func(*iam.Options)) (*iam.ListVirtualMFADevicesOutput, error) {
	return read(ctx, m.s, "ListVirtualMFADevices", in, o, m.IAM.ListVirtualMFADevices)
}

func (m iamMemo) GetAccountPasswordPolicy(ctx context.Context, in *iam.GetAccountPasswordPolicyInput, o ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error) {
	return read(ctx, m.s, "GetAccountPasswordPolicy", in, o, m.IAM.GetAccountPasswordPolicy)
}

func (m iamMemo) GetUser(ctx context.Context, in *iam.GetUserInput, o ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	return read(ctx, m.s, "GetUser", in, o, m.IAM.GetUser)
}

func (m iamMemo) ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, o ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error) {
	return read(ctx, m.s, "ListAccessKeys", in, o, m.IAM.ListAccessKeys)
}

func (m iamMemo) GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, o ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error) {
	return read(ctx, m.s, "GetAccessKeyLastUsed", in, o, m.IAM.GetAccessKeyLastUsed)
}

func (m iamMemo) GetLoginProfile(ctx context.Context, in *iam.GetLoginProfileInput, o ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error) {
	return read(ctx, m.s, "GetLoginProfile", in, o, m.IAM.GetLoginProfile)
}

func (m iamMemo) ListMFADevices(ctx context.Context, in *iam.ListMFADevicesInput, o ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error) {
	return read(ctx, m.s, "ListMFADevices", in, o, m.IAM.ListMFADevices)
}

func (m iamMemo) ListPolicies(ctx context.Context, in *iam.ListPoliciesInput, o ...func(*iam.Options)) (*iam.ListPoliciesOutput, error) {
	return read(ctx, m.s, "ListPolicies", in, o, m.IAM.ListPolicies)
}

func (m iamMemo) GetPolicy(ctx context.Context, in *iam.GetPolicyInput, o ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
	return read(ctx, m.s, "GetPolicy", in, o, m.IAM.GetPolicy)
}

func (m iamMemo) GetPolicyVersion(ctx context.Context, in *iam.GetPolicyVersionInput, o ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error) {
	return read(ctx, m.s, "GetPolicyVersion", in, o, m.IAM.GetPolicyVersion)
}

func (m iamMemo) ListEntitiesForPolicy(ctx context.Context, in *iam.ListEntitiesForPolicyInput, o ...func(*iam.Options)) (*iam.ListEntitiesForPolicyOutput, error) {
	return read(ctx, m.s, "ListEntitiesForPolicy", in, o, m.IAM.ListEntitiesForPolicy)
}

func (m iamMemo) GetRole(ctx context.Context, in *iam.GetRoleInput, o ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	return read(ctx, m.s, "GetRole", in, o, m.IAM.GetRole)
}

func (m iamMemo) ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, o ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	return read(ctx, m.s, "ListAttachedRolePolicies", in, o, m.IAM.ListAttachedRolePolicies)
}

func (m iamMemo) GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, o ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	return read(ctx, m.s, "GetRolePolicy", in, o, m.IAM.GetRolePolicy)
}

func (m iamMemo) GetAccountAuthorizationDetails(ctx context.Context, in *iam.GetAccountAuthorizationDetailsInput, o ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error) {
	return read(ctx, m.s, "GetAccountAuthorizationDetails", in, o, m.IAM.GetAccountAuthorizationDetails)
}

func (m iamMemo) ListServerCertificates(ctx context.Context, in *iam.ListServerCertificatesInput, o ...func(*iam.Options)) (*iam.ListServerCertificatesOutput, error) {
	return read(ctx, m.s, "ListServerCertificates", in, o, m.IAM.ListServerCertificates)
}

func (m iamMemo) ListServerCertificateTags(ctx context.Context, in *iam.ListServerCertificateTagsInput, o ...func(*iam.Options)) (*iam.ListServerCertificateTagsOutput, error) {
	return read(ctx, m.s, "ListServerCertificateTags", in, o, m.IAM.ListServerCertificateTags)
}

func (m iamMemo) ListSAMLProviders(ctx context.Context, in *iam.ListSAMLProvidersInput, o ...func(*iam.Options)) (*iam.ListSAMLProvidersOutput, error) {
	return read(ctx, m.s, "ListSAMLProviders", in, o, m.IAM.ListSAMLProviders)
}

func (m iamMemo) ListOpenIDConnectProviders(ctx context.Context, in *iam.ListOpenIDConnectProvidersInput, o ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error) {
	return read(ctx, m.s, "ListOpenIDConnectProviders", in, o, m.IAM.ListOpenIDConnectProviders)
}

type s3Memo struct {
	awsapi.S3
	s svc
}

// S3 returns the memo S3 client.
func (c *Clients) S3() awsapi.S3 { return s3Memo{c.Clients.S3(), c.svc("S3")} }

func (m s3Memo) ListBuckets(ctx context.Context, in *s3.ListBucketsInput, o ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	return read(ctx, m.s, "ListBuckets", in, o, m.S3.ListBuckets)
}

func (m s3Memo) HeadBucket(ctx context.Context, in *s3.HeadBucketInput, o ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	return read(ctx, m.s, "HeadBucket", in, o, m.S3.HeadBucket)
}

func (m s3Memo) GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, o ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error) {
	return read(ctx, m.s, "GetBucketLocation", in, o, m.S3.GetBucketLocation)
}

func (m s3Memo) GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, o ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	return read(ctx, m.s, "GetBucketTagging", in, o, m.S3.GetBucketTagging)
}

func (m s3Memo) GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, o ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	return read(ctx, m.s, "GetBucketPolicy", in, o, m.S3.GetBucketPolicy)
}

func (m s3Memo) GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, o ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	return read(ctx, m.s, "GetPublicAccessBlock", in, o, m.S3.GetPublicAccessBlock)
}

func (m s3Memo) GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, o ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	return read(ctx, m.s, "GetBucketEncryption", in, o, m.S3.GetBucketEncryption)
}

func (m s3Memo) GetBucketLogging(ctx context.Context, in *s3.GetBucketLoggingInput, o ...func(*s3.Options)) (*s3.GetBucketLoggingOutput, error) {
	return read(ctx, m.s, "GetBucketLogging", in, o, m.S3.GetBucketLogging)
}

func (m s3Memo) GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, o ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	return read(ctx, m.s, "GetBucketVersioning", in, o, m.S3.GetBucketVersioning)
}

type s3controlMemo struct {
	awsapi.S3Control
	s svc
}

// S3Control returns the memo S3Control client.
func (c *Clients) S3Control() awsapi.S3Control {
	return s3controlMemo{c.Clients.S3Control(), c.svc("S3 Control")}
}

func (m s3controlMemo) GetPublicAccessBlock(ctx context.Context, in *s3control.GetPublicAccessBlockInput, o ...func(*s3control.Options)) (*s3control.GetPublicAccessBlockOutput, error) {
	return read(ctx, m.s, "GetPublicAccessBlock", in, o, m.S3Control.GetPublicAccessBlock)
}

type cloudtrailMemo struct {
	awsapi.CloudTrail
	s svc
}

// CloudTrail returns the memo CloudTrail client.
func (c *Clients) CloudTrail() awsapi.CloudTrail {
	return cloudtrailMemo{c.Clients.CloudTrail(), c.svc("CloudTrail")}
}

func (m cloudtrailMemo) DescribeTrails(ctx context.Context, in *cloudtrail.DescribeTrailsInput, o ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error) {
	return read(ctx, m.s, "DescribeTrails", in, o, m.CloudTrail.DescribeTrails)
}

func (m cloudtrailMemo) GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, o ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error) {
	return read(ctx, m.s, "GetTrailStatus", in, o, m.CloudTrail.GetTrailStatus)
}

func (m cloudtrailMemo) GetEventSelectors(ctx context.Context, in *cloudtrail.GetEventSelectorsInput, o ...func(*cloudtrail.Options)) (*cloudtrail.GetEventSelectorsOutput, error) {
	return read(ctx, m.s, "GetEventSelectors", in, o, m.CloudTrail.GetEventSelectors)
}

type logsMemo struct {
	awsapi.Logs
	s svc
}

// Logs returns the memo Logs client.
func (c *Clients) Logs() awsapi.Logs { return logsMemo{c.Clients.Logs(), c.svc("CloudWatch Logs")} }

func (m logsMemo) DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	return read(ctx, m.s, "DescribeLogGroups", in, o, m.Logs.DescribeLogGroups)
}

func (m logsMemo) DescribeMetricFilters(ctx context.Context, in *cloudwatchlogs.DescribeMetricFiltersInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeMetricFiltersOutput, error) {
	return read(ctx, m.s, "DescribeMetricFilters", in, o, m.Logs.DescribeMetricFilters)
}

type cloudwatchMemo struct {
	awsapi.CloudWatch
	s svc
}

// CloudWatch returns the memo CloudWatch client.
func (c *Clients) CloudWatch() awsapi.CloudWatch {
	return cloudwatchMemo{c.Clients.CloudWatch(), c.svc("CloudWatch")}
}

func (m cloudwatchMemo) DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, o ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	return read(ctx, m.s, "DescribeAlarms", in, o, m.CloudWatch.DescribeAlarms)
}

func (m cloudwatchMemo) DescribeAlarmsForMetric(ctx context.Context, in *cloudwatch.DescribeAlarmsForMetricInput, o ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsForMetricOutput, error) {
	return read(ctx, m.s, "DescribeAlarmsForMetric", in, o, m.CloudWatch.DescribeAlarmsForMetric)
}

type snsMemo struct {
	awsapi.SNS
	s svc
}

// SNS returns the memo SNS client.
func (c *Clients) SNS() awsapi.SNS { return snsMemo{c.Clients.SNS(), c.svc("SNS")} }

func (m snsMemo) GetTopicAttributes(ctx context.Context, in *sns.GetTopicAttributesInput, o ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error) {
	return read(ctx, m.s, "GetTopicAttributes", in, o, m.SNS.GetTopicAttributes)
}

func (m snsMemo) ListTopics(ctx context.Context, in *sns.ListTopicsInput, o ...func(*sns.Options)) (*sns.ListTopicsOutput, error) {
	return read(ctx, m.s, "ListTopics", in, o, m.SNS.ListTopics)
}

func (m snsMemo) ListSubscriptionsByTopic(ctx context.Context, in *sns.ListSubscriptionsByTopicInput, o ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error) {
	return read(ctx, m.s, "ListSubscriptionsByTopic", in, o, m.SNS.ListSubscriptionsByTopic)
}

type kmsMemo struct {
	awsapi.KMS
	s svc
}

// KMS returns the memo KMS client.
func (c *Clients) KMS() awsapi.KMS { return kmsMemo{c.Clients.KMS(), c.svc("KMS")} }

func (m kmsMemo) ListKeys(ctx context.Context, in *kms.ListKeysInput, o ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	return read(ctx, m.s, "ListKeys", in, o, m.KMS.ListKeys)
}

func (m kmsMemo) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, o ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return read(ctx, m.s, "DescribeKey", in, o, m.KMS.DescribeKey)
}

func (m kmsMemo) GetKeyRotationStatus(ctx context.Context, in *kms.GetKeyRotationStatusInput, o ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	return read(ctx, m.s, "GetKeyRotationStatus", in, o, m.KMS.GetKeyRotationStatus)
}

func (m kmsMemo) ListResourceTags(ctx context.Context, in *kms.ListResourceTagsInput, o ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	return read(ctx, m.s, "ListResourceTags", in, o, m.KMS.ListResourceTags)
}

func (m kmsMemo) ListAliases(ctx context.Context, in *kms.ListAliasesInput, o ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	return read(ctx, m.s, "ListAliases", in, o, m.KMS.ListAliases)
}

func (m kmsMemo) GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, o ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	return read(ctx, m.s, "GetKeyPolicy", in, o, m.KMS.GetKeyPolicy)
}

type configMemo struct {
	awsapi.Config
	s svc
}

// Config returns the memo Config client.
func (c *Clients) Config() awsapi.Config {
	return configMemo{c.Clients.Config(), c.svc("Config Service")}
}

func (m configMemo) DescribeConfigurationRecorders(ctx context.Context, in *configservice.DescribeConfigurationRecordersInput, o ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecordersOutput, error) {
	return read(ctx, m.s, "DescribeConfigurationRecorders", in, o, m.Config.DescribeConfigurationRecorders)
}

func (m configMemo) DescribeConfigurationRecorderStatus(ctx context.Context, in *configservice.DescribeConfigurationRecorderStatusInput, o ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecorderStatusOutput, error) {
	return read(ctx, m.s, "DescribeConfigurationRecorderStatus", in, o, m.Config.DescribeConfigurationRecorderStatus)
}

func (m configMemo) DescribeDeliveryChannels(ctx context.Context, in *configservice.DescribeDeliveryChannelsInput, o ...func(*configservice.Options)) (*configservice.DescribeDeliveryChannelsOutput, error) {
	return read(ctx, m.s, "DescribeDeliveryChannels", in, o, m.Config.DescribeDeliveryChannels)
}

type rdsMemo struct {
	awsapi.RDS
	s svc
}

// RDS returns the memo RDS client.
func (c *Clients) RDS() awsapi.RDS { return rdsMemo{c.Clients.RDS(), c.svc("RDS")} }

func (m rdsMemo) DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, o ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	return read(ctx, m.s, "DescribeDBInstances", in, o, m.RDS.DescribeDBInstances)
}

type accessAnalyzerMemo struct {
	awsapi.AccessAnalyzer
	s svc
}

// AccessAnalyzer returns the memo Access Analyzer client.
func (c *Clients) AccessAnalyzer() awsapi.AccessAnalyzer {
	return accessAnalyzerMemo{c.Clients.AccessAnalyzer(), c.svc("AccessAnalyzer")}
}

func (m accessAnalyzerMemo) ListAnalyzers(ctx context.Context, in *accessanalyzer.ListAnalyzersInput, o ...func(*accessanalyzer.Options)) (*accessanalyzer.ListAnalyzersOutput, error) {
	return read(ctx, m.s, "ListAnalyzers", in, o, m.AccessAnalyzer.ListAnalyzers)
}

type accountMemo struct {
	awsapi.Account
	s svc
}

// AccountManagement returns the memo Account Management client.
func (c *Clients) AccountManagement() awsapi.Account {
	return accountMemo{c.Clients.AccountManagement(), c.svc("Account")}
}

func (m accountMemo) GetContactInformation(ctx context.Context, in *account.GetContactInformationInput, o ...func(*account.Options)) (*account.GetContactInformationOutput, error) {
	return read(ctx, m.s, "GetContactInformation", in, o, m.Account.GetContactInformation)
}

func (m accountMemo) GetAlternateContact(ctx context.Context, in *account.GetAlternateContactInput, o ...func(*account.Options)) (*account.GetAlternateContactOutput, error) {
	return read(ctx, m.s, "GetAlternateContact", in, o, m.Account.GetAlternateContact)
}

type macieMemo struct {
	awsapi.Macie
	s svc
}

// Macie returns the memo Macie client.
func (c *Clients) Macie() awsapi.Macie { return macieMemo{c.Clients.Macie(), c.svc("Macie2")} }

func (m macieMemo) GetMacieSession(ctx context.Context, in *macie2.GetMacieSessionInput, o ...func(*macie2.Options)) (*macie2.GetMacieSessionOutput, error) {
	return read(ctx, m.s, "GetMacieSession", in, o, m.Macie.GetMacieSession)
}
