package controls

// Section 3: Logging — the list of its controls. Their plans live in one
// file per family: trail.go (discovery, 3.2, 3.3), selectors.go (3.10,
// 3.11), cloudtrail.go (3.1), logdelivery.go (3.4 and service roles),
// awsconfig.go (3.5), accesslogs.go (3.6), keys.go (3.7, 3.8) and
// flowlogs.go (3.9). Trail discovery and log delivery are shared with
// section 4.

import (
	"context"
	"slices"

	"github.com/cisguard/cisguard/internal/plan"
)

// trailReads are the CloudTrail reads of trail discovery.
var trailReads = []string{"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"}

// logDeliveryPermissions are what planLogDelivery (3.4) calls.
var logDeliveryPermissions = []string{
	"logs:DescribeLogGroups", "logs:CreateLogGroup", "logs:TagResource", "logs:PutRetentionPolicy",
	"iam:GetRole", "iam:CreateRole", "iam:TagRole", "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:PassRole",
	"cloudtrail:UpdateTrail",
	// A revert deletes an inline policy cisguard added to an existing role.
	"iam:DeleteRolePolicy",
}

// logDeliveryPart is what 3.1 calls to give the trail it creates 3.4's log
// group and delivery role: planLogTarget, without UpdateTrail, and without
// a revert's deletion of an inline policy (a revert keeps what a new
// trail delivers through).
var logDeliveryPart = Part{ID: "3.4", Actions: slices.DeleteFunc(slices.Clone(logDeliveryPermissions), func(a string) bool {
	return a == "cloudtrail:UpdateTrail" || a == "iam:DeleteRolePolicy"
})}

// trailKeyPermissions are what 3.7's key calls (trailKey, and a revert of
// its key policy).
var trailKeyPermissions = []string{"kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListResourceTags", "kms:PutKeyPolicy",
	"kms:ListAliases", "kms:ListKeys", "kms:GetKeyRotationStatus", "kms:CreateKey", "kms:TagResource", "kms:CreateAlias", "kms:EnableKeyRotation", "kms:ScheduleKeyDeletion"}

// trailKeyPart is what 3.1 calls to give the trail it creates 3.7's key.
var trailKeyPart = Part{ID: "3.7", Actions: trailKeyPermissions}

// accessLogPart is 3.1 logging the accesses of the bucket it creates into
// 3.6's log bucket, made when missing, whatever 3.6's mode: the log
// bucket's writes come under 3.6's scopes, which name a configured
// logBucket.
var accessLogPart = Part{ID: "3.6", Always: true, Actions: []string{"s3:CreateBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"}}

// ownedBucketPermissions are what planOwnedBucket calls, and its revert
// (the policy of an existing bucket that had none is deleted).
var ownedBucketPermissions = []string{
	"s3:GetBucketLocation", "s3:CreateBucket", "s3:PutBucketTagging", "s3:PutBucketPublicAccessBlock", "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
}

// actions joins lists of IAM actions without repeats.
func actions(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		for _, a := range g {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

func loggingControls() []*Control {
	return []*Control{
		{
			ID:  "3.1",
			Per: PerAccount,
			Permissions: actions(trailReads, []string{"cloudtrail:CreateTrail", "cloudtrail:UpdateTrail", "cloudtrail:StartLogging", "cloudtrail:StopLogging", "cloudtrail:PutEventSelectors", "s3:PutBucketLogging", "s3:ListBucket"}, ownedBucketPermissions,
				logDeliveryPart.Actions, trailKeyPart.Actions),
			Scopes: cloudTrailScopes,
			Parts:  []Part{logDeliveryPart, trailKeyPart, accessLogPart},
			Params: &CloudTrailParams{NewTrail: "cisguard-trail"},
			Plan:   planCloudTrail,
			Writes: []Singleton{TrailChain},
			Calls: Calls{Reads: 8, Writes: 18, Case: "no trail in the account: trail bucket and its access-log bucket, 3.7's key and 3.4's log group and role created, " +
				"multi-region trail created with them, logging started"},
			Doc: "Finds the account's multi-region trail that is logging and records all management events (its own trails first; an organization trail qualifies but is never changed). A multi-region trail of the account that falls short is fixed in place " +
				"(StartLogging; event selectors merged so that management events are recorded read and write, data event selectors kept). " +
				"With no multi-region trail, makes one in `homeRegion` (default the partition's first region, us-east-1), whatever the finding's region, so that findings of several regions make one trail: " +
				"its bucket `bucket` (default cisguard-cloudtrail-<account>-<home region>; created tagged, with Block Public Access, a TLS-only policy letting only this trail write, and access logging into 3.6's log bucket), " +
				"the trail with log file validation, then starts it. When 3.4 and 3.7 are in auto, their key (in the bucket's region), log group and delivery role are made first, with their parameters, and the one CreateTrail carries them, so that the new trail passes 3.4 and 3.7 from its first moment; " +
				"otherwise the plan notes that CloudTrail.5 or CloudTrail.2 will fail for it. A trail of the name made meanwhile is accepted when it is multi-region and delivers to the bucket. " +
				"A bucket name another account holds is never written to; a trail delivers to another account's bucket only when `bucketOwner` names that account.",
		},
		{
			ID:          "3.2",
			Per:         PerRegion,
			Evaluate:    checkTrails,
			Permissions: actions(trailReads, []string{"cloudtrail:UpdateTrail"}),
			Params:      &TrailParams{},
			Plan:        planLogFileValidation,
			Writes:      []Singleton{TrailChain},
			Calls:       Calls{Reads: 1, Writes: 1, Case: "a trail without log file validation"},
			Doc:         "Turns on log file validation on the finding's trail (for an account finding, the discovered multi-region trail), in the trail's home region.",
		},
		{
			ID:          "3.3",
			Per:         PerRegion,
			Evaluate:    checkTrailBuckets,
			Permissions: actions(trailReads, []string{"s3:GetBucketLocation", "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock", "s3:GetBucketTagging"}),
			Params:      &TrailParams{},
			Plan:        planTrailBucketPublicAccess,
			Writes:      []Singleton{TrailChain},
			Calls:       Calls{Reads: 3, Writes: 1, Case: "a trail bucket without Block Public Access"},
			Doc: "Turns on all four Block Public Access settings on the CloudTrail bucket (the finding's bucket, or the bucket of the finding's or the discovered trail), in the bucket's region. A bucket tagged exempt is left alone. " +
				"A bucket of another account (a central log archive) is left to its owner: NOTIFIED with the command to run there (a scan says MANUAL).",
		},
		{
			ID:          "3.4",
			Per:         PerRegion,
			Evaluate:    checkTrails,
			Permissions: actions(trailReads, logDeliveryPermissions),
			Scopes:      trailLogsScopes,
			Params:      defaultCloudWatchLogsParams(),
			Plan:        planTrailLogs,
			Writes:      []Singleton{TrailChain},
			Calls:       Calls{Reads: 3, Writes: 5, Case: "a trail without CloudWatch Logs; log group and role created"},
			Doc: "Sends the trail's events to a CloudWatch Logs group in its home region: the group (`logGroup`, default /aws/cloudtrail/<trail>, retention `retentionDays`) and a delivery role trusted by CloudTrail " +
				"(`roleName`, given an inline policy of its own per log group that allows writing to it) are created when missing, tagged cisguard:managed. Section 4 uses the same plan when its trail has no log group.",
		},
		{
			ID:  "3.5",
			Per: PerRegion,
			Permissions: actions([]string{"config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus", "config:DescribeDeliveryChannels",
				"config:PutConfigurationRecorder", "config:PutDeliveryChannel", "config:StartConfigurationRecorder", "iam:GetRole", "iam:PassRole",
				"config:StopConfigurationRecorder", "config:DeleteDeliveryChannel", "config:DeleteConfigurationRecorder"}, ownedBucketPermissions),
			Scopes: configScopes,
			Params: &ConfigParams{GlobalRegion: "us-east-1"},
			Plan:   planConfigRecorder,
			Calls:  Calls{Reads: 4, Writes: 7, Case: "AWS Config never set up in the region; bucket created"},
			Doc: "Opt-in (notify by default): records all supported resource types in the region (global IAM types only in `globalRegion`), delivers to `bucket` " +
				"(default cisguard-config-<account>-<region>, created when missing tagged, with Block Public Access and a TLS-only policy; an existing bucket of the account gets AWS Config's statements merged into its policy; a bucket of another account is refused) and starts recording. " +
				"Uses the AWS Config service-linked role (or `roleArn`); create it once with `aws iam create-service-linked-role --aws-service-name config.amazonaws.com`. AWS Config is billed per recorded item.",
		},
		{
			ID:          "3.6",
			Per:         PerRegion,
			Evaluate:    checkTrailBuckets,
			Permissions: actions(trailReads, []string{"s3:GetBucketLogging", "s3:PutBucketLogging", "s3:GetBucketTagging"}, ownedBucketPermissions),
			Scopes:      accessLogScopes,
			Params:      &AccessLoggingParams{},
			Plan:        planTrailBucketLogging,
			Writes:      []Singleton{TrailChain},
			Calls:       Calls{Reads: 4, Writes: 5, Case: "trail bucket without access logging; log bucket created"},
			Doc: "Turns on server access logging of the CloudTrail bucket into `logBucket` (default cisguard-access-logs-<account>-<region>, in the trail bucket's region as S3 requires), " +
				"created when missing tagged, with Block Public Access and a TLS-only policy letting S3 log delivery write for the account's buckets; an existing log bucket of the account gets that statement merged into its policy. " +
				"Every request names the account as the owner it expects: a trail bucket of another account is never touched, and its finding is NOTIFIED with the command to run there (a scan says MANUAL).",
		},
		{
			ID:          "3.7",
			Per:         PerRegion,
			Evaluate:    checkTrails,
			Permissions: actions(trailReads, []string{"cloudtrail:UpdateTrail", "s3:GetBucketLocation", "s3:ListBucket"}, trailKeyPermissions),
			Scopes:      trailKeyScopes,
			Params:      &TrailKeyParams{KMSKey: "alias/CIS_CloudTrail_Encryption_Key"},
			Plan:        planTrailEncryption,
			Writes:      []Singleton{TrailChain},
			Calls:       Calls{Reads: 5, Writes: 4, Case: "an unencrypted trail and no key yet: key, rotation and alias created"},
			Doc: "Encrypts the trail's log files with the KMS key `kmsKey` (default alias/CIS_CloudTrail_Encryption_Key) in the trail bucket's region. " +
				"A missing alias gets a new symmetric key, made in one call with its policy (CloudTrail may encrypt for this account's trails, the account may decrypt) and the tag cisguard:managed, then rotation on (3.8), then the alias. " +
				"A key cisguard made earlier whose alias was never created is named instead of made again; of two keys made at the same time, the one that lost the alias is scheduled for deletion (7 days). " +
				"An existing key that does not let the trail encrypt gets the statements merged into its policy only when cisguard made it; another key is left as it is, with the exact steps to grant CloudTrail. Readers of the logs then need kms:Decrypt. " +
				"For a trail bucket of another account, the region is the one S3's HeadBucket names (even as it refuses the request); when S3 does not say, the steps are left.",
		},
		{
			ID:          "3.8",
			Per:         PerRegion,
			Evaluate:    checkKeys,
			Permissions: []string{"kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:EnableKeyRotation", "kms:DisableKeyRotation"},
			Params:      &KMSRotationParams{},
			Plan:        planKMSRotation,
			Calls:       Calls{Reads: 3, Writes: 1, Case: "an enabled customer managed symmetric key without rotation"},
			Doc: "Turns on automatic rotation of the finding's key when it is an enabled, symmetric, customer managed key with KMS key material. Keys whose description contains any of `excludeKeywords`, or tagged exempt, are left as they are and their findings SUPPRESSED (a configured exception); " +
				"a key KMS cannot rotate (asymmetric, HMAC, imported or external key material, disabled, pending deletion) is NOTIFIED with what a person must do.",
		},
		{
			ID:          "3.9",
			Per:         PerRegion,
			Evaluate:    checkVPCs,
			Permissions: []string{"ec2:DescribeVpcs", "ec2:DescribeFlowLogs", "ec2:CreateFlowLogs", "ec2:CreateTags", "ec2:DeleteFlowLogs", "logs:DescribeLogGroups", "logs:CreateLogGroup", "logs:TagResource", "logs:PutRetentionPolicy", "iam:GetRole", "iam:CreateRole", "iam:TagRole", "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:PassRole"},
			Scopes:      flowLogScopes,
			Params:      &FlowLogParams{LogGroup: "/cisguard/vpc-flow-logs", RetentionDays: 365, RoleName: "cisguard-vpc-flow-logs"},
			Plan:        planFlowLogs,
			Writes:      []Singleton{FlowLogDelivery},
			Calls:       Calls{Reads: 4, Writes: 5, Case: "a VPC without flow logs; log group and role created"},
			Doc: "A VPC without a flow log of rejected traffic (TrafficType REJECT or ALL, as Security Hub's EC2.6 counts; an ACCEPT-only flow log is kept but does not count) gets one for rejected traffic into the CloudWatch Logs group `logGroup` (created when missing, retention `retentionDays`), delivered by `roleName` " +
				"(created when missing, trusted by VPC Flow Logs, given an inline policy of its own for the group). Flow log ingestion is billed.",
		},
		{
			ID:          "3.10",
			Per:         PerAccount,
			Permissions: actions(trailReads, []string{"cloudtrail:PutEventSelectors"}),
			Params:      &TrailParams{},
			Plan:        func(ctx context.Context, t *Target) (*plan.Plan, error) { return planS3DataEvents(ctx, t, true) },
			Writes:      []Singleton{TrailChain},
			Calls:       Calls{Reads: 3, Writes: 1, Case: "a qualifying trail without S3 data events"},
			Doc:         "Adds S3 object-level write events for all buckets to the discovered multi-region trail, merging with its event selectors (an existing all-buckets read selector becomes read and write). Data events are billed.",
		},
		{
			ID:          "3.11",
			Per:         PerAccount,
			Permissions: actions(trailReads, []string{"cloudtrail:PutEventSelectors"}),
			Params:      &TrailParams{},
			Plan:        func(ctx context.Context, t *Target) (*plan.Plan, error) { return planS3DataEvents(ctx, t, false) },
			Writes:      []Singleton{TrailChain},
			Calls:       Calls{Reads: 3, Writes: 1, Case: "a qualifying trail without S3 data events"},
			Doc:         "Adds S3 object-level read events for all buckets to the discovered multi-region trail, merging with its event selectors (an existing all-buckets write selector becomes read and write). Data events are billed, read events heavily.",
		},
	}
}
