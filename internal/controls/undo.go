package controls

// Undo: the records every applied action leaves (plan.Prior) and the
// revert of each kind. A control's action attaches its record in one line
// (record… functions, from what its plan read); `cisguard revert` finds
// the Undoer by kind. Every Undoer reads the live state first and restores
// only what still holds what cisguard set. This file holds the mechanism:
// kinds, the registry and what every family shares; each family's records
// and reverts are in undo_iam.go (section 1), undo_storage.go (2),
// undo_trail.go and undo_logging.go (3), undo_monitoring.go (4) and
// undo_networking.go (5).

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"

	"github.com/cisguard/cisguard/internal/plan"
)

// Kinds of recorded change.
const (
	kindRulesRevoked    = "ec2:security-group-rules-revoked"
	kindRulesAuthorized = "ec2:security-group-rules-authorized"
	kindNACLEntry       = "ec2:network-acl-entry"
	kindEBSDefault      = "ec2:ebs-encryption-by-default"
	kindBucketPolicy    = "s3:bucket-policy"
	kindBucketPAB       = "s3:bucket-public-access-block"
	kindAccountPAB      = "s3:account-public-access-block"
	kindBucketEncrypt   = "s3:bucket-encryption"
	kindPasswordPolicy  = "iam:password-policy"
	kindKeyStatus       = "iam:access-key-status"
	kindKeyDeleted      = "iam:access-key-deleted"
	kindLoginProfile    = "iam:login-profile-deleted"
	kindRole            = "iam:role"
	kindRolePolicy      = "iam:role-policy-attachment"
)

const (
	kindTrailSettings = "cloudtrail:trail-settings"
	kindTrailLogging  = "cloudtrail:logging"
	// kindCreated is a resource cisguard created and a revert keeps.
	kindCreated = "created"
)

// undoers revert each kind of change.
var undoers = plan.Undoers[*Target]{
	kindRulesRevoked:    undoRulesRevoked,
	kindRulesAuthorized: undoRulesAuthorized,
	kindNACLEntry:       undoNACLEntry,
	kindEBSDefault:      undoEBSDefault,
	kindBucketPolicy:    undoBucketPolicy,
	kindBucketPAB:       undoBucketPAB,
	kindAccountPAB:      undoAccountPAB,
	kindPasswordPolicy:  undoPasswordPolicy,
	kindKeyStatus:       undoKeyStatus,
	kindRole:            undoRole,
	kindRolePolicy:      undoRolePolicy,
	kindTrailSettings:   undoTrailSettings,
	kindTrailLogging:    undoTrailLogging,
	kindEventSelectors:  undoEventSelectors,
	kindBucketLogging:   undoBucketLogging,
	kindInlinePolicy:    undoInlinePolicy,
	kindConfigRecorder:  undoConfigRecorder,
	kindConfigChannel:   undoConfigChannel,
	kindConfigRecording: undoConfigRecording,
	kindKeyPolicy:       undoKeyPolicy,
	kindKeyRotation:     undoKeyRotation,
	kindFlowLog:         undoFlowLog,
	kindMetricFilter:    undoMetricFilter,
	kindMetricAlarm:     undoMetricAlarm,
	kindTopicStatement:  undoTopicStatement,
	kindSubscription:    undoSubscription,
	kindSecurityContact: undoSecurityContact,
	kindAnalyzer:        undoAnalyzer,
}

// revertDocs say per control what an applied action records, what a
// revert restores and what it cannot; docs/controls.md prints them.
var revertDocs = map[string]string{
	"1.8": "records the whole password policy before the update (or none) and the policy written, from the read the action makes just before writing (no extra call). " +
		"Revert writes the previous policy back, or deletes the policy when there was none (IAM's default rules apply again), only while the policy is still the one cisguard wrote. Revert's extra write: `iam:DeleteAccountPasswordPolicy`.",
	"1.12": "records each deactivated key (user, key, status Active before); revert re-activates it while it is still Inactive. " +
		"A deleted key (`keyAction: delete`) and a deleted console password are recorded as not restorable (IAM keeps neither): revert names them, with the command that makes new ones, and exits 1.",
	"1.9":  "as 1.8 (the same record of the whole policy).",
	"1.2":  "records the security contact it registered (it registers one only where the account has none); revert removes it while it is still that contact. Revert's extra write: `account:DeleteAlternateContact` (allowed with a configured contact only).",
	"1.19": "a deleted server certificate is recorded as not restorable: IAM keeps no copy and its private key is gone; revert names it and exits 1 (it had expired: upload a valid certificate where one is needed).",
	"1.20": "records the analyzer it created; revert deletes it while it still carries cisguard:managed (its findings are derived from the account's policies, and a new analyzer finds them again). Access Analyzer's service-linked role, made with the first analyzer, stays. " +
		"Revert's extra write: `access-analyzer:DeleteAnalyzer` (that analyzer, tagged, only).",
	"1.14": "records each deactivated key (user, key, status Active before); revert re-activates it while it is still Inactive.",
	"1.17": "records the role it created and the AWSSupportAccess attachment. Revert detaches the policy, then deletes the role while it carries `cisguard:managed=true` (the member policy allows `iam:DeleteRole` only then); " +
		"IAM refuses while someone attached other policies, and the role stays. A role that existed before only loses the attachment. Revert's extra calls: `iam:ListAttachedRolePolicies`, `iam:DetachRolePolicy` (AWSSupportAccess only), `iam:DeleteRole`.",
	"2.1.1": "kept on revert: S3 applies SSE-S3 to every bucket since January 2023, so removing the configuration would change nothing.",
	"2.1.2": "records the previous bucket policy in full (or none), from the plan's read, and the policy written. Revert puts the previous policy back, or deletes the policy when there was none, " +
		"only while the bucket still holds exactly cisguard's policy (compared as JSON). Revert's extra write: `s3:DeleteBucketPolicy`.",
	"2.1.5.1": "records the account's previous Block Public Access (the four flags, or none) from the plan's read; revert puts it back, or deletes the configuration, while all four are still on.",
	"2.1.5.2": "records the bucket's previous Block Public Access (the four flags, or none) from the plan's read; revert puts it back, or deletes the configuration, while all four are still on.",
	"2.2.1":   "records that it was off; revert turns EBS encryption by default off again while it is on (volumes encrypted meanwhile stay encrypted). Revert's extra write: `ec2:DisableEbsEncryptionByDefault`.",
	"3.1": "records the trail's previous multi-region settings, its previous event selectors in full (classic or advanced) and that it was not logging, from the plan's read; revert puts them back and stops logging while they are still as cisguard left them. " +
		"A trail it created, and the buckets it created with their tags, Block Public Access, policy and access logging, are kept (their log files are the account's audit record): revert stops the new trail's logging and says how to delete it. " +
		"So are the key, log group and delivery role made for it (3.7's and 3.4's parts), and statements merged into an existing key's or role's policy for it: the kept trail still encrypts and delivers through them, and no UpdateTrail takes them off. " +
		"Statements merged into the policy of an existing bucket of the account are recorded with the previous policy (or none), which revert puts back while the policy is still cisguard's. " +
		"Revert's extra writes: `cloudtrail:StopLogging`, `s3:DeleteBucketPolicy` (cisguard-* and configured buckets only).",
	"3.2": "records that log file validation was off, from the plan's read; revert turns it off again while it is on.",
	"3.3": "as 2.1.5.2 on the trail bucket: records its previous Block Public Access (the four flags, or none); revert puts it back, or deletes the configuration, while all four are still on.",
	"3.4": "records the trail's previous CloudWatch Logs group and role (or none) and the previous inline policy (or none) of an existing delivery role. Revert puts the trail's settings back (none stops the delivery) while the trail still sends to cisguard's group, " +
		"then the role's policy (deleted when it had none) while it is still cisguard's and no trail of the region delivers through the role to that group any more. " +
		"The log group and its retention, and a delivery role it created with its policy, are kept: the group holds the events delivered, and a role only CloudTrail may assume, under the permissions boundary, is harmless once nothing uses it; delete them by hand. " +
		"Revert's extra write: `iam:DeleteRolePolicy` (roles cisguard-* or `roleName`, under the permissions boundary).",
	"3.5": "records the previous configuration recorder (name, role, recording group and mode; or none), the delivery channel it created and that recording was off. Revert, newest first, stops recording, deletes the channel and puts the recorder back or deletes it, each only while it is as cisguard left it; " +
		"AWS Config keeps the channel of a recorder that records, so the channel stays while recording goes on. A previous recorder that recorded as another role than AWS Config's service-linked role is not put back (the member role passes no other role): revert gives the command. " +
		"The configuration bucket it created is kept (it holds the configuration history); statements merged into an existing bucket's policy are reverted as in 3.1. " +
		"Revert's extra writes: `config:StopConfigurationRecorder`, `config:DeleteDeliveryChannel`, `config:DeleteConfigurationRecorder`, `s3:DeleteBucketPolicy`.",
	"3.6": "records that server access logging of the trail bucket was off and where it now logs; revert turns it off while it still logs there (the log files delivered stay). " +
		"A log bucket it created is kept: it holds the access logs, and S3 deletes only an empty bucket. Statements merged into an existing log bucket's policy are reverted as in 3.1. Revert's extra write: `s3:DeleteBucketPolicy`.",
	"3.7": "records the trail's previous KMS key (or none) and, for a key cisguard made whose policy lacked CloudTrail's statements, the previous key policy. Revert puts the trail's key back (none: SSE-S3 again) while the trail still uses cisguard's key, " +
		"then the key policy while it is still the one cisguard wrote, the key still carries cisguard:managed and no trail visible in the key's region encrypts with it. " +
		"A key cisguard created, its rotation and its alias are kept, never deleted: log files encrypted with it would become unreadable, and a nameless key would be named again by the next fix; schedule its deletion by hand once nothing needs them.",
	"3.8": "records that rotation was off; revert turns it off again while it is on and the key is enabled (a key deleted or pending deletion has nothing to restore; a disabled one is reported). Key material rotated meanwhile stays and still decrypts. " +
		"Revert's extra write: `kms:DisableKeyRotation`.",
	"3.9": "records the flow log it creates by id; the flow log is tagged cisguard:managed at creation, and revert deletes it while it still is, for the same VPC, log group and traffic (the member role deletes only flow logs so tagged). " +
		"The log group and its retention, the delivery role and its inline policy are kept: the group holds the flow logs delivered, and the role and its policy serve every flow log of the account that delivers to the group, in any region; delete them by hand once none does. " +
		"Revert's extra write: `ec2:DeleteFlowLogs`.",
	"3.10": "records the trail's previous event selectors in full (classic or advanced); revert puts them back while the trail's selectors are still the ones cisguard put.",
	"3.11": "as 3.10.",
	"5.1": "records every entry replaced, added or deleted, in full with its rule number (protocol, action, CIDR or IPv6 CIDR, ports, ICMP type and code), from the plan's read. " +
		"Revert, newest first: the original entry comes back at its number before the added pieces are deleted, so what was allowed is never interrupted; a rule number that no longer holds what cisguard left is not touched, and revert says so.",
	"5.2": "records the revoked rules in full and the rules authorized to keep the rest. Revert authorizes the revoked rules again, then revokes the added ones; an added rule whose description was changed since is someone else's and stays.",
	"5.3": "records every revoked rule in full, from the plan's read: protocol, ports, source (CIDR, IPv6 CIDR, prefix list, or referenced group with its owner and peering connection) and description. " +
		"Revert authorizes them again (with new rule ids); a rule that is back already is not added twice. Revert's extra writes: `ec2:AuthorizeSecurityGroupIngress`, `ec2:AuthorizeSecurityGroupEgress`.",
}

// monitoringRevertDoc is what section 4 (and 1.7) record.
const monitoringRevertDoc = "records the metric filter it created or replaced (pattern and metric in full, or none), the alarm it created or changed (every field PutMetricAlarm takes, or none), " +
	"the statement it merged into the alarm topic's policy and the subscriptions it made (the administrator account's alarm queue, `endpoint`), and 3.4's records when it set up the trail's log delivery. " +
	"Revert, newest first: the alarm is deleted (or put back as it was) while it is as cisguard left it; the subscriptions are unsubscribed and the statement removed unless another alarm still notifies the topic " +
	"(they are kept for it, and revert names it: revert that alarm's result, then this one again); a subscription awaiting confirmation lapses by itself (SNS has no call that removes it); the filter is deleted (or put back). " +
	"The topic it created is kept: every section 4 alarm of the account and region notifies it, including alarms not reverted, which would lose their subscribers silently; delete it by hand once no alarm uses it. " +
	"Revert's extra calls: `cloudwatch:DescribeAlarms`, `cloudwatch:DeleteAlarms` (alarms named CIS-* only), `logs:DeleteMetricFilter`, `sns:Unsubscribe`, `iam:DeleteRolePolicy`."

// RevertDoc says what a control's applied actions record for `cisguard
// revert`; "" for a control that changes nothing.
func RevertDoc(c *Control) string {
	if d, ok := revertDocs[c.ID]; ok {
		return d
	}
	if c.Plan != nil && slices.ContainsFunc(monitoringControls(), func(m *Control) bool { return m.ID == c.ID }) {
		return monitoringRevertDoc
	}
	if c.Plan != nil {
		return "not recorded yet: revert names these actions as not restored; undo them by hand."
	}
	return ""
}

// Undo plans the revert of one record in the target's account and region:
// restoring actions, nothing (already as before), or a residual saying why
// it is not restored. Run it under the declaration of the control that
// made the change: the control declares the writes its revert makes.
func Undo(ctx context.Context, t *Target, p *plan.Prior) (*plan.Plan, error) {
	return undoers.Plan(ctx, t, p)
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }
