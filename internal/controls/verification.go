package controls

import (
	"fmt"

	"github.com/cisguard/cisguard/internal/catalog"
)

// What cisguard's fresh plan holds a resource to before a finding may be
// RESOLVED, per control with an automatic fix, next to the Security Hub
// control that reports it. Each is at least as strict as that control
// (learned from its reference page and AWS Config rule); where stricter,
// it says so. docs/controls.md prints it, and a test holds every control
// with a plan to having an entry.
var verifies = map[string]string{
	"1.8":     "The password policy's MinimumPasswordLength is at least `minimumLength` (14 or more), what IAM.15 requires.",
	"1.9":     "The password policy's PasswordReusePrevention is at least `reusePrevention`. IAM.16 requires 24: with a lower setting, once the policy holds it, the finding is SUPPRESSED as a configured exception, never RESOLVED.",
	"1.2":     "The account has a security alternate contact (account:GetAlternateContact SECURITY); no Security Hub control in CIS v1.4.0 checks it.",
	"1.19":    "No server certificate stored in IAM is past its expiration; the finding's certificate is gone or valid (no Security Hub control in CIS v1.4.0; related IAM.26).",
	"1.20":    "An external access analyzer (zone of trust the account or the organization) is ACTIVE in the region, as the related IAM.28 checks; one still CREATING leaves the finding NOTIFIED until it is active.",
	"1.12":    "No active access key unused for `unusedDays` (at most 45; a key never used counts from its creation) and no console password unused as long, as IAM.22 checks. A password kept because it was reset after a sign-in older than the limit is NOTIFIED: IAM.22 counts from the last sign-in.",
	"1.14":    "No active access key older than `maxKeyAgeDays` (at most 90), as IAM.3 checks active keys.",
	"1.17":    "At least one IAM role has the AWS managed policy AWSSupportAccess attached (IAM.18).",
	"2.1.1":   "The bucket has a default encryption configuration, any algorithm (no Security Hub control in CIS v1.4.0).",
	"2.1.2":   "The bucket policy has a statement denying every principal all S3 actions on the bucket and all its objects when `aws:SecureTransport` is false, with no other condition (S3.5).",
	"2.1.5.1": "All four account-level Block Public Access settings are true; S3.1 fails any that is false or unset.",
	"2.1.5.2": "All four Block Public Access settings of the bucket are true (S3.8).",
	"2.2.1":   "EBS encryption by default is on in the region (EC2.7).",
	"3.1":     "A multi-region trail is logging and records all management events, read and write, with no excluded event source (classic or advanced selectors), as CloudTrail.1 checks.",
	"3.2":     "Log file validation is on for the finding's trail (CloudTrail.4).",
	"3.3":     "All four Block Public Access settings of the trail's bucket are true, so the bucket is not public whatever its ACL or policy (CloudTrail.6 uses AWS Config's public read and write rules, which honour Block Public Access).",
	"3.4":     "The trail has a CloudWatch Logs group (CloudTrail.5 checks CloudWatchLogsLogGroupArn) and a delivery role, and the group exists.",
	"3.5":     "A configuration recorder records all supported resource types (global IAM types in `globalRegion`), a delivery channel exists, recording is on, and the recorder's role is AWS Config's service-linked role, which Config.1 also checks: a recorder with another role (an existing one, or `roleArn`) is NOTIFIED.",
	"3.6":     "Server access logging is on for the trail's bucket (CloudTrail.7).",
	"3.7":     "The trail has a KMS key (CloudTrail.2 checks KmsKeyId).",
	"3.8":     "Automatic rotation is on for the key (KMS.4). A key whose description contains an exclusion keyword, or tagged exempt, is SUPPRESSED; a key KMS cannot rotate automatically (asymmetric, HMAC, imported or external key material, custom key store, disabled, pending deletion) is NOTIFIED with what a person must do; an AWS managed key counts as rotated.",
	"3.9":     "The VPC has a flow log of TrafficType REJECT or ALL (EC2.6 checks with trafficType REJECT); a flow log of ACCEPT traffic alone does not count.",
	"3.10":    "The discovered multi-region trail records S3 object-level write events for all buckets (no Security Hub control in CIS v1.4.0; related S3.22).",
	"3.11":    "The discovered multi-region trail records S3 object-level read events for all buckets (no Security Hub control in CIS v1.4.0; related S3.23).",
	"5.1":     "No ingress allow entry from 0.0.0.0/0 or ::/0 admits port 22 or 3389, whatever its rule number; EC2.21 checks TCP, cisguard every protocol that can carry them (all, TCP, UDP).",
	"5.2":     "No ingress rule from 0.0.0.0/0 or ::/0 admits port 22 or 3389 (EC2.13, EC2.14, EC2.53, EC2.54 of other standards).",
	"5.3":     "The VPC's default security group has no ingress and no egress rule (EC2.2).",
}

// Verifies returns what the fresh plan of control id holds a resource to
// before its finding may be RESOLVED; "" for a control without a plan.
func Verifies(id string) string {
	if id == "1.7" {
		id = "4.3" // 1.7's fix is 4.3's
	}
	for _, m := range metricChecks {
		if m.id == id {
			return m.verifies()
		}
	}
	return verifies[id]
}

// verifies says what section 4 holds the account to for one check.
func (m metricCheck) verifies() string {
	filter := "carries the CIS pattern, or one that means the same (spacing, quoting and term order aside): no Security Hub control checks it in CIS v1.4.0"
	if r, _ := catalog.Lookup(m.id); len(r.SecurityHub) > 0 {
		filter = "carries the CIS pattern as text, spacing aside: Security Hub's " + r.SecurityHub[0] + " fails a filter that only means the same (cisguard then adds the CIS text under its own filter name beside it)"
	}
	return fmt.Sprintf("The account's multi-region trail that is logging and records all management events delivers to a CloudWatch Logs group; a metric filter on that group %s; "+
		"an alarm with its actions enabled on the filter's metric notifies an SNS topic of this account that has at least one confirmed subscription (what CIS %s's audit and Security Hub check). "+
		"A topic without one, or a configured `endpoint` that has not confirmed, leaves the finding NOTIFIED.", filter, m.id)
}
