package perms

import "slices"

// Every action cisguard declares is listed here as a read or a write, by
// hand: the list decides what a control may call when it only reads (mode
// notify or off, a dry run) and what `cisguard policy --config` leaves
// out. A test fails for a declared action that is in neither list. An
// action in neither counts as a write (Write), so a slip leaves out a
// permission rather than granting one.
var (
	reads = []string{
		"access-analyzer:ListAnalyzers",
		"account:GetAlternateContact", "account:GetContactInformation",
		"cloudtrail:DescribeTrails", "cloudtrail:GetEventSelectors", "cloudtrail:GetTrailStatus",
		"cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmsForMetric",
		"config:DescribeConfigurationRecorderStatus", "config:DescribeConfigurationRecorders", "config:DescribeDeliveryChannels",
		"ec2:DescribeFlowLogs", "ec2:DescribeInstances", "ec2:DescribeNetworkAcls", "ec2:DescribeRegions", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcPeeringConnections",
		"ec2:DescribeVpcs", "ec2:GetEbsEncryptionByDefault",
		"iam:GenerateCredentialReport", "iam:GetAccessKeyLastUsed", "iam:GetAccountAuthorizationDetails", "iam:GetAccountPasswordPolicy", "iam:GetAccountSummary", "iam:GetCredentialReport", "iam:GetLoginProfile",
		"iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "iam:GetRolePolicy", "iam:GetUser",
		"iam:ListAccessKeys", "iam:ListAttachedRolePolicies", "iam:ListEntitiesForPolicy", "iam:ListMFADevices", "iam:ListOpenIDConnectProviders", "iam:ListPolicies", "iam:ListRolePolicies",
		"iam:ListRoles", "iam:ListSAMLProviders", "iam:ListServerCertificateTags", "iam:ListServerCertificates", "iam:ListUsers", "iam:ListVirtualMFADevices",
		"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListKeys", "kms:ListResourceTags",
		"logs:DescribeLogGroups", "logs:DescribeMetricFilters",
		"macie2:GetMacieSession",
		"organizations:DescribeOrganization",
		"rds:DescribeDBInstances",
		"s3:GetAccountPublicAccessBlock", "s3:GetBucketLocation", "s3:GetBucketLogging", "s3:GetBucketOwnershipControls",
		"s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging", "s3:GetBucketVersioning",
		"s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:ListAllMyBuckets", "s3:ListBucket",
		"securityhub:GetFindings",
		"sns:GetSubscriptionAttributes", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTopics",
		"sts:GetCallerIdentity",
	}
	writes = []string{
		"access-analyzer:CreateAnalyzer", "access-analyzer:DeleteAnalyzer", "access-analyzer:TagResource",
		"account:DeleteAlternateContact", "account:PutAlternateContact",
		"cloudtrail:CreateTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StartLogging", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
		"cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm",
		"config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel", "config:PutConfigurationRecorder", "config:PutDeliveryChannel", "config:StartConfigurationRecorder",
		"config:StopConfigurationRecorder",
		"ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateFlowLogs", "ec2:CreateNetworkAclEntry", "ec2:CreateTags", "ec2:DeleteFlowLogs",
		"ec2:DeleteNetworkAclEntry", "ec2:DisableEbsEncryptionByDefault",
		"ec2:EnableEbsEncryptionByDefault", "ec2:ReplaceNetworkAclEntry", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
		"iam:AttachRolePolicy", "iam:CreateRole", "iam:CreateServiceLinkedRole", "iam:DeleteAccessKey", "iam:DeleteAccountPasswordPolicy", "iam:DeleteLoginProfile", "iam:DeleteRole", "iam:DeleteRolePolicy",
		"iam:DeleteServerCertificate",
		"iam:DetachRolePolicy", "iam:PassRole",
		"iam:PutRolePolicy", "iam:TagRole", "iam:UpdateAccessKey", "iam:UpdateAccountPasswordPolicy",
		"kms:CreateAlias", "kms:CreateKey", "kms:DisableKeyRotation", "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource",
		"logs:CreateLogGroup", "logs:DeleteMetricFilter", "logs:PutMetricFilter", "logs:PutRetentionPolicy", "logs:TagResource",
		"s3:CreateBucket", "s3:DeleteBucketPolicy", "s3:PutAccountPublicAccessBlock", "s3:PutBucketLogging", "s3:PutBucketOwnershipControls",
		"s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging", "s3:PutBucketVersioning",
		"s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
		"securityhub:BatchImportFindings",
		"sns:CreateTopic", "sns:Publish", "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource", "sns:Unsubscribe",
	}
)

// Classified reports whether an action is in the read or the write list.
func Classified(action string) bool {
	return slices.Contains(reads, action) || slices.Contains(writes, action)
}

// Write reports whether an action changes something: it is in the write
// list, or in neither.
func Write(action string) bool { return !slices.Contains(reads, action) }

// Reads returns the actions that only read, in their order.
func Reads(actions []string) []string {
	var out []string
	for _, a := range actions {
		if !Write(a) {
			out = append(out, a)
		}
	}
	return out
}
