package controls

// Section 1: Identity and Access Management: the catalogue of its
// controls and helpers its families share. The families have files of
// their own: contacts.go (1.1-1.3), root.go (1.4-1.6), password.go (1.8,
// 1.9), credentials.go (1.10, 1.12, 1.14), users.go (1.11, 1.13, 1.15,
// 1.21), policies.go (1.16, 1.17), instances.go (1.18), certificates.go
// (1.19) and analyzer.go (1.20); 1.7 is a section 4 alarm (monitoring.go).

import (
	"time"
)

func iamControls() []*Control {
	return []*Control{
		{
			ID:          "1.4",
			Per:         PerAccount,
			Permissions: []string{"iam:GetAccountSummary"},
			Guide:       guideRootAccessKeys,
			Doc:         "Only the root user (or the management account through centralized root access) can delete root access keys: cisguard sends the steps, naming the account.",
		},
		{
			ID:          "1.5",
			Per:         PerAccount,
			Permissions: []string{"iam:GetAccountSummary"},
			Guide:       guideRootMFA,
			Doc:         "Only the root user can assign its MFA device: cisguard sends the steps when the account summary says root has none.",
		},
		{
			ID:          "1.6",
			Per:         PerAccount,
			Permissions: []string{"iam:GetAccountSummary", "iam:ListVirtualMFADevices"},
			Guide:       guideRootHardwareMFA,
			Doc:         "Root must have MFA and no virtual MFA device (serial `root-account-mfa-device` or assigned to the root ARN); cisguard sends the steps to assign a hardware device and remove the virtual ones it names.",
		},
		{
			ID:          "1.8",
			Per:         PerAccount,
			Permissions: []string{"iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy"},
			Params:      &PasswordLengthParams{MinimumLength: 14},
			Plan:        planPasswordLength,
			Writes:      []Singleton{PasswordPolicy},
			Calls:       Calls{Reads: 2, Writes: 1, Case: "password policy with MinimumPasswordLength 8"},
			Doc: "Raises the password policy's MinimumPasswordLength to `minimumLength` (default 14), never lowers it, and re-sends every other field as it is (IAM resets omitted ones). " +
				"The update also holds 1.9's reuse prevention when 1.9 is automatic too, so that 1.8 and 1.9 fixed at the same time, even by different processes, never undo each other; the policy is read again just before the update. " +
				"An account without a policy gets one that keeps IAM's default rules (8 characters; all four character types, where the default asks for three).",
		},
		{
			ID:          "1.9",
			Per:         PerAccount,
			Permissions: []string{"iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy"},
			Params:      &PasswordReuseParams{ReusePrevention: 24},
			Plan:        planPasswordReuse,
			Writes:      []Singleton{PasswordPolicy},
			Calls:       Calls{Reads: 2, Writes: 1, Case: "password policy without reuse prevention"},
			Doc:         "Raises the password policy's PasswordReusePrevention to `reusePrevention` (default 24, IAM's maximum and the value Security Hub's IAM.16 checks), keeping every other field and holding 1.8's minimum length when 1.8 is automatic too, as 1.8 does.",
		},
		{
			ID:          "1.10",
			Per:         PerAccount,
			Evaluate:    checkUserMFA,
			Permissions: []string{"iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:GetUser", "iam:GetLoginProfile", "iam:ListMFADevices"},
			Guide:       guideUserMFA,
			Doc:         "A user with a console password and no MFA device gets the steps to assign one (console and CLI, with the user's name), or to delete the password when the console is not needed.",
		},
		{
			ID:          "1.12",
			Per:         PerAccount,
			Evaluate:    checkUnusedCredentials,
			Permissions: []string{"iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:GetUser", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:UpdateAccessKey", "iam:DeleteAccessKey", "iam:GetLoginProfile", "iam:DeleteLoginProfile"},
			Scopes:      credentialScopes("iam:UpdateAccessKey", "iam:DeleteAccessKey", "iam:DeleteLoginProfile"),
			Params:      &UnusedCredentialsParams{UnusedDays: 45, KeyAction: "deactivate"},
			Plan:        planUnusedCredentials,
			Calls:       Calls{Reads: 4, Writes: 2, Case: "one active key and a console password, both never used and older than 45 days"},
			Doc: "Active access keys unused for `unusedDays` (default 45) or more are deactivated (`keyAction: delete` deletes them); a key never used counts from its creation. " +
				"The console password is deleted when unused for as long, counted from its last use or, if later, from when it was set (a password just reset is kept). Users tagged with the exemption tag are left alone.",
		},
		{
			ID:          "1.14",
			Per:         PerAccount,
			Evaluate:    checkKeyRotation,
			Permissions: []string{"iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:GetUser", "iam:ListAccessKeys", "iam:UpdateAccessKey"},
			Scopes:      credentialScopes("iam:UpdateAccessKey"),
			Params:      &KeyRotationParams{MaxKeyAgeDays: 90},
			Plan:        planKeyRotation,
			Calls:       Calls{Reads: 2, Writes: 1, Case: "one active key created 120 days ago"},
			Doc:         "Active access keys older than `maxKeyAgeDays` (default 90) are deactivated, not deleted: applications still using them fail until they get a new key, and the old one can be re-activated. Users tagged with the exemption tag are left alone.",
		},
		{
			ID:          "1.16",
			Per:         PerAccount,
			Evaluate:    checkAdminPolicies,
			Permissions: []string{"iam:ListPolicies", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListEntitiesForPolicy"},
			Guide:       guideAdminPolicy,
			Doc:         "Reads the policy's default version; when a statement allows Action \"*\" on Resource \"*\", cisguard sends the steps to replace it or to detach it from each user, group and role it names.",
		},
		{
			ID:          "1.17",
			Per:         PerAccount,
			Permissions: []string{"iam:ListEntitiesForPolicy", "iam:GetRole", "iam:CreateRole", "iam:TagRole", "iam:AttachRolePolicy", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:DeleteRole"},
			Scopes:      supportRoleScopes,
			Params:      &SupportRoleParams{RoleName: "SupportAccessRole"},
			Plan:        planSupportRole,
			Writes:      []Singleton{SupportRole},
			Calls:       Calls{Reads: 2, Writes: 2, Case: "no role has AWSSupportAccess"},
			Doc: "Compliant when any role has the AWS managed policy AWSSupportAccess. Otherwise cisguard creates the role `roleName` (default SupportAccessRole), trusted by the account itself (`arn:<partition>:iam::<account>:root`, so only principals the account's own policies allow may assume it), and attaches AWSSupportAccess; " +
				"an existing role of that name just gets the policy.",
		},
		{
			ID:          "1.1",
			Per:         PerAccount,
			Evaluate:    checkContactDetails,
			Permissions: []string{"account:GetContactInformation"},
			Doc:         "Check only, MANUAL: no API can tell whether contact details are current. The scan shows the account's contact information (account:GetContactInformation) for a person to confirm, with the root user's email address, which only root can see.",
		},
		{
			ID:          "1.2",
			Per:         PerAccount,
			Permissions: []string{"account:GetAlternateContact", "account:PutAlternateContact", "account:DeleteAlternateContact"},
			Scopes:      securityContactScopes,
			Params:      &SecurityContactParams{},
			Plan:        planSecurityContact,
			Calls:       Calls{Reads: 1, Writes: 1, Case: "no security contact, one configured"},
			Doc: "Compliant when the account has a security alternate contact (account:GetAlternateContact SECURITY), whoever it is. " +
				"With a contact configured (`name`, `title`, `emailAddress`, `phoneNumber`) cisguard registers it where none is (account:PutAlternateContact, allowed by the member policy only then) and never replaces an existing one; without one, the finding is NOTIFIED with the steps. " +
				"In an organization, AWS Account Management may need trusted access enabled for a member account to set its contacts.",
		},
		{
			ID:       "1.3",
			Per:      PerAccount,
			Evaluate: checkSecurityQuestions,
			Doc:      "Check only, MANUAL: no API reads security questions; the scan says where the root user sees them.",
		},
		{
			ID:          "1.11",
			Per:         PerAccount,
			Evaluate:    checkInitialKeys,
			Permissions: []string{"iam:GenerateCredentialReport", "iam:GetCredentialReport"},
			Doc: "Check only, from the credential report: a user with a console password fails while one of its active access keys has never been used (`access_key_N_last_used_date` N/A), as CIS's audit reads it, whenever the key was made. " +
				"Users without a console password are not evaluated. 1.12 deactivates such keys once unused for 45 days.",
		},
		{
			ID:          "1.13",
			Per:         PerAccount,
			Evaluate:    checkActiveKeys,
			Permissions: []string{"iam:GenerateCredentialReport", "iam:GetCredentialReport"},
			Doc:         "Check only, from the credential report: every IAM user, failing with two active access keys. Which one to keep only the user's owner knows, so nothing is deactivated.",
		},
		{
			ID:          "1.15",
			Per:         PerAccount,
			Evaluate:    checkUserPolicies,
			Permissions: []string{"iam:GetAccountAuthorizationDetails"},
			Doc: "Check only: every IAM user, failing with an attached or inline policy of its own (one iam:GetAccountAuthorizationDetails page lists up to 1000 users with their policies). " +
				"Security Hub's related IAM.2 checks attached and inline policies the same way.",
		},
		{
			ID:          "1.18",
			Per:         PerRegion,
			Evaluate:    checkInstanceProfiles,
			Permissions: []string{"ec2:DescribeInstances"},
			Doc: "Check only: every instance of the region that is pending, running, stopping or stopped, failing without an IAM instance profile. " +
				"CIS's audit lists every instance; terminated ones have no profile to fix and are left out, stopped ones count (they start again without a role).",
		},
		{
			ID:          "1.19",
			Per:         PerAccount,
			Evaluate:    checkCertificates,
			Permissions: []string{"iam:ListServerCertificates", "iam:ListServerCertificateTags", "iam:DeleteServerCertificate"},
			Scopes:      certificateScopes,
			Plan:        planExpiredCertificate,
			Calls:       Calls{Reads: 2, Writes: 1, Case: "one expired server certificate"},
			Doc: "Every server certificate stored in IAM; one past its expiration fails, and with `mode: auto` (opt-in) cisguard deletes it. " +
				"Disruptive if still in use: a load balancer or CloudFront distribution serving an expired certificate fails its clients already, but deleting it cannot be undone (the private key is gone); replace it on the listener first. " +
				"A certificate tagged with the exemption tag is left alone (the member policy allows the delete only on certificates without it).",
		},
		{
			ID:          "1.20",
			Per:         PerRegion,
			Permissions: []string{"access-analyzer:ListAnalyzers", "access-analyzer:CreateAnalyzer", "access-analyzer:TagResource", "iam:CreateServiceLinkedRole", "access-analyzer:DeleteAnalyzer"},
			Scopes:      analyzerScopes,
			Plan:        planAccessAnalyzer,
			Calls:       Calls{Reads: 1, Writes: 1, Case: "no analyzer in the region"},
			Doc: "One result per enabled region (regions not enabled are not scanned): compliant when an external access analyzer (zone of trust the account or the organization) is ACTIVE; unused- and internal-access analyzers do not count. " +
				"Otherwise cisguard creates the account analyzer `" + analyzerName + "`, tagged `cisguard:managed`; the first one also creates Access Analyzer's service-linked role (iam:CreateServiceLinkedRole, allowed only for that role). " +
				"An organization analyzer lives in the management or delegated administrator account, so a member account gets its own. A failed or disabled analyzer is NOTIFIED with its status reason.",
		},
		{
			ID:          "1.21",
			Per:         PerAccount,
			Evaluate:    checkCentralUsers,
			Permissions: []string{"iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListSAMLProviders", "iam:ListOpenIDConnectProviders"},
			Doc: "Check only, one result per account: it fails while IAM users sign in with a console password (cisguard takes them for people), naming them and the account's SAML and OIDC identity providers; " +
				"users with access keys only are MANUAL (a machine's, or a person's command line: no API tells); no such user passes. " +
				"CIS's audit asks a person to confirm that no IAM user represents an individual: cisguard decides for console users and asks about the others; Prowler passes any account with a SAML provider.",
		},
	}
}

// daysAgo is a duration in whole days, for messages.
func daysAgo(now, then time.Time) int { return int(now.Sub(then).Hours() / 24) }

// isoDate is a time as a UTC date, for messages.
func isoDate(t time.Time) string { return t.UTC().Format("2006-01-02") }
