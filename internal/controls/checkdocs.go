package controls

import "fmt"

// checkDocs say how `cisguard scan` checks each control, where that is
// more than "the control's plan, read-only, on the account or region",
// and where cisguard departs from a peer's reading of CIS (it follows
// CIS, or is stricter where Security Hub is, since its verdict is the
// one the engine verifies with).
var checkDocs = map[string]string{
	"1.1":     "The account's contact information (account:GetContactInformation), shown in a MANUAL result for a person to confirm.",
	"1.2":     "The account's security alternate contact (account:GetAlternateContact SECURITY).",
	"1.3":     "Nothing to read: a MANUAL result saying where the root user sees the questions.",
	"1.4":     "The IAM account summary (`AccountAccessKeysPresent`), read once per account for 1.4–1.6.",
	"1.5":     "The IAM account summary (`AccountMFAEnabled`).",
	"1.6":     "The account summary, then the virtual MFA devices assigned to root: any virtual device fails.",
	"1.8":     "The password policy, read once per account for 1.8 and 1.9.",
	"1.10":    "Every IAM user, from the credential report (generated once per account and polled): a user with a console password and no MFA is planned (guided) read-only on live state.",
	"1.11":    "Every IAM user with a console password, from the credential report (shared with 1.10–1.14 and 1.21): an active key whose last use is N/A fails. Prowler reads it the same way; Security Hub has no control.",
	"1.12":    "Every IAM user, screened with the credential report: a console password or an active key unused for `unusedDays` (a day's margin, the report may be four hours old; a key never used counts from its creation) sends the user to the plan, whose live verdict is the result. Users tagged exempt fail as accepted exceptions.",
	"1.14":    "Every IAM user, screened with the credential report (active keys older than `maxKeyAgeDays`), confirmed by the plan on live state.",
	"1.13":    "Every IAM user, from the credential report: both access keys active fails.",
	"1.15":    "Every IAM user with its attached and inline policies, from iam:GetAccountAuthorizationDetails (up to 1000 users a call).",
	"1.16":    "Every policy attached to a user, group or role, customer or AWS managed (ListPolicies, OnlyAttached): CIS audits every attached policy, so AdministratorAccess on a principal fails, with the steps to detach it. Security Hub's IAM.1 judges customer managed policies only, attached or not; cisguard follows CIS.",
	"1.18":    "Every instance of the region not terminated (DescribeInstances, 1000 a page).",
	"1.19":    "Every server certificate stored in IAM (ListServerCertificates, once); an expired one is planned read-only (its tags read for the exemption).",
	"1.20":    "The region's analyzers (ListAnalyzers, once per region); opt-in regions the account has not enabled are not scanned.",
	"1.21":    "The credential report (users with a console password, users with access keys only) and the account's SAML and OIDC providers.",
	"2.1.1":   "Every bucket of the account (ListBuckets, once, gives each bucket's region; the bucket reads are shared with 2.1.2, 2.1.3 and 2.1.5.2: at most five calls per bucket). Since January 2023 S3 encrypts every bucket by default, so in AWS this passes.",
	"2.1.2":   "Every bucket: a statement denying every S3 action to everyone when `aws:SecureTransport` is false, on the bucket and all its objects, with no other condition.",
	"2.1.5.1": "The account's S3 Block Public Access: all four settings on.",
	"2.1.5.2": "Every bucket's own Block Public Access settings, all four on; the account setting (2.1.5.1) does not make a bucket pass, as in Security Hub's S3.8.",
	"2.1.3":   "Every bucket: GetBucketVersioning, MFADelete Enabled.",
	"2.1.4":   "The regions of the account's buckets (from ListBuckets), one GetMacieSession in each that the scan covers.",
	"2.3.1":   "Every DB instance of the region (DescribeDBInstances, once): an unencrypted one fails with the steps that replace it.",
	"3.1":     "The trails visible in the home region (one DescribeTrails, shadow trails included): a multi-region trail that is logging and records all management events, read and write. An organization trail counts.",
	"3.2":     "Every trail of the account whose home is the region, from the region's one DescribeTrails: log file validation on. Organization trails are checked in the management account.",
	"3.3":     "The bucket of every trail homed in the region: all four Block Public Access settings of the bucket, what cisguard's fix turns on. CIS's audit reads the bucket policy and ACL for grants to everyone; Block Public Access makes such grants ineffective, so a bucket with it on passes, and one without it fails even with no public grant (stricter than CIS).",
	"3.4":     "Every trail homed in the region, as 3.4's plan sees it: delivering to a CloudWatch Logs group that exists. CIS's audit also asks that the last delivery be within a day; cisguard does not judge the delivery time.",
	"3.6":     "The bucket of every trail homed in the region: server access logging on.",
	"3.7":     "Every trail homed in the region: log files encrypted with a KMS key (`KmsKeyId` set).",
	"3.8":     "Every enabled, symmetric, customer managed KMS key of the region (ListKeys, DescribeKey): rotation on. AWS managed, asymmetric and HMAC keys and keys pending deletion are outside CIS 3.8 and not reported; keys matching `excludeKeywords` or tagged exempt fail as accepted exceptions.",
	"3.9":     "Every VPC of the region, screened with the region's flow logs (one listing): a flow log of REJECT or ALL traffic passes, as Security Hub's EC2.6 counts (an ACCEPT-only flow log does not).",
	"3.10":    "The discovered multi-region trail's event selectors: S3 object-level write events for all buckets.",
	"3.11":    "The discovered multi-region trail's event selectors: S3 object-level read events for all buckets.",
	"5.1":     "Every network ACL of the region (one listing): an ingress allow from 0.0.0.0/0 or ::/0 admitting 22 or 3389 (all protocols, or a TCP/UDP range covering them) fails whatever its rule number: a deny ahead of it does not make it pass (CIS and EC2.21 ignore rule order). Failing ACLs are planned read-only.",
	"5.2":     "Every security group of the region (one listing): an ingress permission from 0.0.0.0/0 or ::/0 admitting 22 or 3389 fails. CIS v1.4.0 names 0.0.0.0/0 only; cisguard also fails ::/0, as CIS v1.5.0 (5.3) and Security Hub's EC2.53/EC2.54 do.",
	"5.3":     "The default security group of every VPC of the region: any inbound or outbound rule fails.",
	"5.4":     "The region's route tables and VPC peering connections (one listing each): every route table with an active route to a peering connection.",
}

// CheckDoc says how `cisguard scan` checks a control, "" when it does not.
func CheckDoc(c *Control) string {
	var where string
	switch c.Per {
	case PerAccount:
		where = "once per account"
	case PerRegion:
		where = "in every enabled region"
	default:
		return ""
	}
	how := checkDocs[c.ID]
	if how == "" {
		how = "the control's plan, read-only, on the account or region (per trail for the trail controls)."
		if c.Plan == nil && c.Guide != nil {
			how = "the control's manual steps, read-only: none due is PASS."
		}
	}
	verdict := " A FAIL is the verdict of the control's own plan, read-only (what the engine verifies a fix with), with what cisguard would do."
	if c.Plan == nil {
		verdict = ""
	}
	return fmt.Sprintf("%s: %s%s", where, how, verdict)
}
