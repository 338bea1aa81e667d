package controls

// Section 1: Identity and Access Management.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
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

// Root user (1.4, 1.5, 1.6).

// accountSummary returns IAM's account summary map.
func accountSummary(ctx context.Context, t *Target) (map[string]int32, error) {
	out, err := t.Clients.IAM().GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		return nil, fmt.Errorf("get IAM account summary of %s: %w", t.Account(), err)
	}
	return out.SummaryMap, nil
}

// rootSignIn is the first step of every root-user procedure.
func rootSignIn(t *Target) string {
	return fmt.Sprintf("Sign in to the AWS Management Console as the root user of account %s (the account's email address and password), open the account menu (top right) and choose Security credentials.", t.Account())
}

func guideRootAccessKeys(ctx context.Context, t *Target) (*Guidance, error) {
	sum, err := accountSummary(ctx, t)
	if err != nil || sum["AccountAccessKeysPresent"] == 0 {
		return nil, err
	}
	acct := t.Account()
	return &Guidance{
		Summary: fmt.Sprintf("The root user of account %s has access keys; only root (or the management account) can delete them.", acct),
		Steps: []string{
			fmt.Sprintf("Find what still uses them: in account %s open IAM > Credential report > Download credentials report, and in the <root_account> row read access_key_1_last_used_date, access_key_1_last_used_service and the same for key 2.", acct),
			"Move whatever uses them to an IAM role (or an IAM user with only the permissions it needs).",
			rootSignIn(t),
			"Under Access keys, for each key choose Actions > Deactivate; once nothing has broken, choose Actions > Delete.",
			fmt.Sprintf("If the root user has no password (usual for accounts created by AWS Organizations) and centralized root access is enabled, do it from the management account instead: "+
				"aws sts assume-root --target-principal %s --task-policy-arn arn=arn:%s:iam::aws:policy/root-task/IAMDeleteRootUserCredentials, "+
				"then with the returned credentials: aws iam list-access-keys, and aws iam delete-access-key --access-key-id <id> for each key.", acct, t.Clients.Partition()),
		},
	}, nil
}

func guideRootMFA(ctx context.Context, t *Target) (*Guidance, error) {
	sum, err := accountSummary(ctx, t)
	if err != nil || sum["AccountMFAEnabled"] == 1 {
		return nil, err
	}
	return &Guidance{
		Summary: fmt.Sprintf("The root user of account %s has no MFA device.", t.Account()),
		Steps: []string{
			rootSignIn(t),
			"Under Multi-factor authentication (MFA) choose Assign MFA device. Prefer a hardware device (a FIDO security key or a hardware TOTP token): it also satisfies CIS 1.6, which an authenticator app does not.",
			"Register a second device the same way (root accepts up to 8) and keep both where the account's owners can reach them.",
		},
	}, nil
}

// rootVirtualMFA returns the serial numbers of the virtual MFA devices
// assigned to the root user.
func rootVirtualMFA(ctx context.Context, t *Target) ([]string, error) {
	var serials []string
	pages := iam.NewListVirtualMFADevicesPaginator(t.Clients.IAM(), &iam.ListVirtualMFADevicesInput{AssignmentStatus: types.AssignmentStatusTypeAssigned})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list virtual MFA devices of %s: %w", t.Account(), err)
		}
		for _, d := range pg.VirtualMFADevices {
			serial := aws.ToString(d.SerialNumber)
			if strings.HasSuffix(serial, ":mfa/root-account-mfa-device") || (d.User != nil && strings.HasSuffix(aws.ToString(d.User.Arn), ":root")) {
				serials = append(serials, serial)
			}
		}
	}
	return serials, nil
}

func guideRootHardwareMFA(ctx context.Context, t *Target) (*Guidance, error) {
	sum, err := accountSummary(ctx, t)
	if err != nil {
		return nil, err
	}
	assign := "Under Multi-factor authentication (MFA) choose Assign MFA device, then Security key (FIDO) or Hardware TOTP token, and follow the prompts."
	if sum["AccountMFAEnabled"] == 0 {
		return &Guidance{
			Summary: fmt.Sprintf("The root user of account %s has no MFA device at all, so no hardware one.", t.Account()),
			Steps:   []string{rootSignIn(t), assign, "Sign out and sign in again as root to check the device works; keep it where the account's owners can reach it."},
		}, nil
	}
	virtual, err := rootVirtualMFA(ctx, t)
	if err != nil || len(virtual) == 0 {
		return nil, err
	}
	steps := []string{rootSignIn(t), assign, "Sign out and sign in again as root with the new device to check it works."}
	for _, s := range virtual {
		steps = append(steps, fmt.Sprintf("Then, under Multi-factor authentication (MFA), select the virtual device %s and choose Remove.", s))
	}
	return &Guidance{
		Summary: fmt.Sprintf("The root user of account %s uses virtual MFA (%s) instead of a hardware device.", t.Account(), strings.Join(virtual, ", ")),
		Steps:   steps,
	}, nil
}

// Password policy (1.8, 1.9).

// PasswordLengthParams configures 1.8.
type PasswordLengthParams struct {
	// MinimumLength is the least MinimumPasswordLength cisguard leaves.
	MinimumLength int32 `yaml:"minimumLength"`
}

// Validate accepts what IAM accepts, but not less than CIS's 14.
func (p *PasswordLengthParams) Validate() error {
	if p.MinimumLength < 14 || p.MinimumLength > 128 {
		return fmt.Errorf("minimumLength %d is outside 14..128 (CIS asks for at least 14, IAM allows at most 128)", p.MinimumLength)
	}
	return nil
}

// PasswordReuseParams configures 1.9.
type PasswordReuseParams struct {
	// ReusePrevention is the least PasswordReusePrevention cisguard leaves.
	ReusePrevention int32 `yaml:"reusePrevention"`
}

// Validate accepts IAM's range; below 24 Security Hub's IAM.16 still fails.
func (p *PasswordReuseParams) Validate() error {
	if p.ReusePrevention < 1 || p.ReusePrevention > 24 {
		return fmt.Errorf("reusePrevention %d is outside 1..24 (IAM's range)", p.ReusePrevention)
	}
	return nil
}

// passwordField is the numeric field of the password policy a control
// raises.
type passwordField struct {
	name string
	get  func(*types.PasswordPolicy) int32 // 0 when unset
	set  func(*iam.UpdateAccountPasswordPolicyInput, int32)
}

var (
	minimumLengthField = passwordField{
		name: "MinimumPasswordLength",
		get:  func(p *types.PasswordPolicy) int32 { return aws.ToInt32(p.MinimumPasswordLength) },
		set:  func(in *iam.UpdateAccountPasswordPolicyInput, v int32) { in.MinimumPasswordLength = aws.Int32(v) },
	}
	reusePreventionField = passwordField{
		name: "PasswordReusePrevention",
		get:  func(p *types.PasswordPolicy) int32 { return aws.ToInt32(p.PasswordReusePrevention) },
		set:  func(in *iam.UpdateAccountPasswordPolicyInput, v int32) { in.PasswordReusePrevention = aws.Int32(v) },
	}
)

// passwordRule is a numeric field of the password policy that a control
// holds at a least value.
type passwordRule struct {
	control string
	field   passwordField
	least   func(params any) int32
}

// passwordRules are the controls that share the account password policy.
var passwordRules = []passwordRule{
	{"1.8", minimumLengthField, func(p any) int32 { return p.(*PasswordLengthParams).MinimumLength }},
	{"1.9", reusePreventionField, func(p any) int32 { return p.(*PasswordReuseParams).ReusePrevention }},
}

func planPasswordLength(ctx context.Context, t *Target) (*plan.Plan, error) {
	return planPasswordPolicy(ctx, t, "1.8")
}

// iam16Reuse is the PasswordReusePrevention Security Hub's IAM.16 requires.
const iam16Reuse = 24

func planPasswordReuse(ctx context.Context, t *Target) (*plan.Plan, error) {
	p, err := planPasswordPolicy(ctx, t, "1.9")
	want := params[PasswordReuseParams](t).ReusePrevention
	if err != nil || want >= iam16Reuse || !p.Empty() {
		return p, err
	}
	// A lower reusePrevention is the user's exception: once the policy
	// holds it, IAM.16 still fails unless the policy remembers 24.
	cur, _, err := passwordPolicy(ctx, t.Clients.IAM(), t.Account())
	if err != nil {
		return nil, err
	}
	if have := reusePreventionField.get(cur); have < iam16Reuse {
		p.Accept(fmt.Sprintf("the password policy of account %s remembers %d passwords, as controls.1.9.reusePrevention (%d) allows; Security Hub's IAM.16 requires %d", t.Account(), have, want, iam16Reuse),
			fmt.Sprintf("set controls.1.9.reusePrevention to %d to have cisguard raise it", iam16Reuse))
	}
	return p, nil
}

// passwordTarget is a field and the least value an update gives it.
type passwordTarget struct {
	passwordRule
	want int32
}

// passwordTargets returns what an update of the password policy by
// control id must ensure: its own field first, then the field of every
// other password control that cisguard fixes automatically.
func passwordTargets(t *Target, id string) []passwordTarget {
	var own, others []passwordTarget
	for _, r := range passwordRules {
		if r.control == id {
			own = append(own, passwordTarget{r, r.least(t.Params)})
		} else if params, ok := t.Settings.Automatic(r.control); ok {
			others = append(others, passwordTarget{r, r.least(params)})
		}
	}
	return append(own, others...)
}

// raise returns the update that keeps every field of p and raises the
// targets' fields, and the changes it makes ("MinimumPasswordLength 8 ->
// 14"); no changes when p satisfies every target.
func raise(p *types.PasswordPolicy, targets []passwordTarget, own string) (*iam.UpdateAccountPasswordPolicyInput, []string) {
	in := policyInput(p)
	var changes []string
	for _, x := range targets {
		have := x.field.get(p)
		if have >= x.want {
			continue
		}
		x.field.set(in, x.want)
		change := fmt.Sprintf("%s %d -> %d", x.field.name, have, x.want)
		if x.control != own {
			change += fmt.Sprintf(" (CIS %s, also automatic)", x.control)
		}
		changes = append(changes, change)
	}
	return in, changes
}

// planPasswordPolicy raises control id's field of the password policy.
//
// UpdateAccountPasswordPolicy replaces the whole policy, and Security Hub
// raises IAM.15 and IAM.16 together: cisguard may handle them at the same
// time in different processes, and no lock spans those. So every update
// writes the policy whole in the state all the password controls fixed
// automatically require, not only this one's field: whichever update
// lands last, the policy satisfies all of them, and no interleaving loses
// a field. The action reads the policy again just before writing, so that
// fields changed since planning are kept.
func planPasswordPolicy(ctx context.Context, t *Target, id string) (*plan.Plan, error) {
	p := &plan.Plan{}
	api := t.Clients.IAM()
	acct := t.Account()
	cur, exists, err := passwordPolicy(ctx, api, acct)
	if err != nil {
		return nil, err
	}
	targets := passwordTargets(t, id)
	if own := targets[0]; own.field.get(cur) >= own.want {
		return p, nil
	}
	prior := &plan.Prior{Kind: kindPasswordPolicy, Resource: acct}
	do := func(ctx context.Context) error {
		live, exists, err := passwordPolicy(ctx, api, acct)
		if err != nil {
			return err
		}
		in, changes := raise(live, targets, id)
		if len(changes) == 0 {
			prior.Drop()
			return nil // raised meanwhile
		}
		if !exists {
			live = nil
		}
		prior.Update(live, policyOf(in))
		_, err = api.UpdateAccountPasswordPolicy(ctx, in)
		return err
	}
	in, changes := raise(cur, targets, id)
	if !exists {
		fields := fmt.Sprintf("MinimumPasswordLength %d", aws.ToInt32(in.MinimumPasswordLength))
		if n := aws.ToInt32(in.PasswordReusePrevention); n > 0 {
			fields += fmt.Sprintf(", PasswordReusePrevention %d", n)
		}
		p.Addf(do, "create the password policy of account %s: %s, upper- and lowercase letters, numbers and symbols required (it had none; IAM's default asks for 8 characters and three of those four types)", acct, fields).Prior = prior
		return p, nil
	}
	p.Addf(do, "set the password policy of account %s: %s (other fields kept)", acct, strings.Join(changes, ", ")).Prior = prior
	return p, nil
}

// defaultPasswordRules is the custom policy closest to what IAM enforces
// when an account has none (8 characters and three of the four character
// types), rounded up to all four types: a policy cisguard creates never
// weakens the rules in force. Users may not change their own password,
// as without a policy (unless their IAM policies allow it).
var defaultPasswordRules = types.PasswordPolicy{
	MinimumPasswordLength:      aws.Int32(8),
	RequireLowercaseCharacters: true,
	RequireUppercaseCharacters: true,
	RequireNumbers:             true,
	RequireSymbols:             true,
}

// passwordPolicy reads the account password policy; when the account has
// none it returns defaultPasswordRules and exists false.
func passwordPolicy(ctx context.Context, api awsapi.IAM, account string) (p *types.PasswordPolicy, exists bool, err error) {
	out, err := api.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if awsapi.HasCode(err, "NoSuchEntity") {
		d := defaultPasswordRules
		return &d, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get password policy of %s: %w", account, err)
	}
	return out.PasswordPolicy, true, nil
}

// policyInput returns the update that keeps every field of p: IAM resets
// the fields an update leaves out. Zero MaxPasswordAge and
// PasswordReusePrevention mean "off" and must be left out (IAM rejects 0).
func policyInput(p *types.PasswordPolicy) *iam.UpdateAccountPasswordPolicyInput {
	in := &iam.UpdateAccountPasswordPolicyInput{
		AllowUsersToChangePassword: p.AllowUsersToChangePassword,
		HardExpiry:                 p.HardExpiry,
		MinimumPasswordLength:      p.MinimumPasswordLength,
		RequireLowercaseCharacters: p.RequireLowercaseCharacters,
		RequireNumbers:             p.RequireNumbers,
		RequireSymbols:             p.RequireSymbols,
		RequireUppercaseCharacters: p.RequireUppercaseCharacters,
	}
	if aws.ToInt32(p.MaxPasswordAge) > 0 {
		in.MaxPasswordAge = p.MaxPasswordAge
	}
	if aws.ToInt32(p.PasswordReusePrevention) > 0 {
		in.PasswordReusePrevention = p.PasswordReusePrevention
	}
	return in
}

// Users (1.10, 1.12, 1.14).

// iamUser reads the finding's user; nil when it no longer exists. Its
// tags come with it, so the exemption costs no extra call.
func iamUser(ctx context.Context, t *Target) (*types.User, error) {
	name := t.Resource.Name()
	out, err := t.Clients.IAM().GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get IAM user %s: %w", name, err)
	}
	return out.User, nil
}

// exemptUser reads the user for a plan: nil (with a note) when it is
// gone, an ExemptError when it carries the exemption tag.
func exemptUser(ctx context.Context, t *Target, p *plan.Plan) (*types.User, error) {
	u, err := iamUser(ctx, t)
	if err != nil {
		return nil, err
	}
	if u == nil {
		p.Note("IAM user %s no longer exists: nothing to do", t.Resource.Name())
		return nil, nil
	}
	tags := map[string]string{}
	for _, tg := range u.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if err := t.Exempt("IAM user "+aws.ToString(u.UserName), tags); err != nil {
		return nil, err
	}
	return u, nil
}

// accessKeys lists a user's access keys.
func accessKeys(ctx context.Context, api awsapi.IAM, user string) ([]types.AccessKeyMetadata, error) {
	var keys []types.AccessKeyMetadata
	pages := iam.NewListAccessKeysPaginator(api, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list access keys of IAM user %s: %w", user, err)
		}
		keys = append(keys, pg.AccessKeyMetadata...)
	}
	return keys, nil
}

// loginProfile reads a user's console password; nil when there is none.
func loginProfile(ctx context.Context, api awsapi.IAM, user string) (*types.LoginProfile, error) {
	out, err := api.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(user)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get console password of IAM user %s: %w", user, err)
	}
	return out.LoginProfile, nil
}

func setKeyStatus(api awsapi.IAM, user, key string, status types.StatusType) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := api.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(key), Status: status})
		return err
	}
}

// UnusedCredentialsParams configures 1.12.
type UnusedCredentialsParams struct {
	// UnusedDays is how long a credential may go unused.
	UnusedDays int `yaml:"unusedDays"`
	// KeyAction is deactivate or delete.
	KeyAction string `yaml:"keyAction"`
}

// Validate accepts up to CIS's 45 days and the two key actions.
func (p *UnusedCredentialsParams) Validate() error {
	if p.UnusedDays < 1 || p.UnusedDays > 45 {
		return fmt.Errorf("unusedDays %d is outside 1..45 (CIS disables credentials unused for 45 days)", p.UnusedDays)
	}
	if p.KeyAction != "deactivate" && p.KeyAction != "delete" {
		return fmt.Errorf("keyAction %q is not deactivate or delete", p.KeyAction)
	}
	return nil
}

func planUnusedCredentials(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[UnusedCredentialsParams](t)
	api := t.Clients.IAM()
	u, err := exemptUser(ctx, t, p)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return p, nil
	}
	name := aws.ToString(u.UserName)
	limit := time.Duration(cfg.UnusedDays) * 24 * time.Hour
	keys, err := accessKeys(ctx, api, name)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.Status != types.StatusTypeActive {
			continue
		}
		if err := planUnusedKey(ctx, t, p, cfg, name, k, limit); err != nil {
			return nil, err
		}
	}
	lp, err := loginProfile(ctx, api, name)
	if err != nil {
		return nil, err
	}
	if lp == nil {
		return p, nil
	}
	// Count from the later of the last sign-in and the password's
	// creation: PasswordLastUsed survives a reset, and a password an
	// administrator just set must not be deleted for its predecessor's
	// idleness.
	set := aws.ToTime(lp.CreateDate)
	since, how := set, fmt.Sprintf("never used; set %s", isoDate(set))
	if last := u.PasswordLastUsed; last != nil {
		if last.After(set) {
			since, how = *last, "last sign-in "+isoDate(*last)
		} else if t.Now.Sub(*last) >= limit && t.Now.Sub(set) < limit {
			// Security Hub's IAM.22 counts from the last sign-in, so it
			// still fails the user until the new password is used.
			p.Leave(fmt.Sprintf("the console password of IAM user %s was set on %s, after its last sign-in on %s: cisguard keeps it until it has been unused for %d days, but IAM.22 counts from the last sign-in and still fails", name, isoDate(set), isoDate(*last), cfg.UnusedDays),
				fmt.Sprintf("have %s sign in with the new password, or delete it if the console is not needed: aws iam delete-login-profile --user-name %s", name, name))
		}
	}
	if t.Now.Sub(since) < limit {
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String(name)})
		return err
	}, "delete the console password (login profile) of IAM user %s: unused for %d days (%s)", name, daysAgo(t.Now, since), how).Prior = recordLoginProfile(name, lp)
	return p, nil
}

// planUnusedKey adds the action for an active key unused for limit or
// more; a key never used counts from its creation.
func planUnusedKey(ctx context.Context, t *Target, p *plan.Plan, cfg *UnusedCredentialsParams, user string, k types.AccessKeyMetadata, limit time.Duration) error {
	api := t.Clients.IAM()
	id := aws.ToString(k.AccessKeyId)
	out, err := api.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
	if awsapi.IsNotFound(err) {
		return nil // deleted since it was listed
	}
	if err != nil {
		return fmt.Errorf("get last use of access key %s of IAM user %s: %w", id, user, err)
	}
	created := aws.ToTime(k.CreateDate)
	since, how := created, fmt.Sprintf("never used; created %s", isoDate(created))
	if last := out.AccessKeyLastUsed; last != nil && last.LastUsedDate != nil {
		since, how = *last.LastUsedDate, fmt.Sprintf("last used %s with %s in %s", isoDate(*last.LastUsedDate), aws.ToString(last.ServiceName), aws.ToString(last.Region))
	}
	if t.Now.Sub(since) < limit {
		return nil
	}
	days := daysAgo(t.Now, since)
	if cfg.KeyAction == "delete" {
		p.Addf(func(ctx context.Context) error {
			_, err := api.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(id)})
			return err
		}, "delete access key %s of IAM user %s: unused for %d days (%s)", id, user, days, how).Prior = recordKeyDeleted(user, id)
		return nil
	}
	p.Addf(setKeyStatus(api, user, id, types.StatusTypeInactive), "deactivate access key %s of IAM user %s: unused for %d days (%s)", id, user, days, how).Prior = recordKeyStatus(user, id)
	return nil
}

// KeyRotationParams configures 1.14.
type KeyRotationParams struct {
	// MaxKeyAgeDays is the age past which an active key is deactivated.
	MaxKeyAgeDays int `yaml:"maxKeyAgeDays"`
}

// Validate accepts up to CIS's 90 days.
func (p *KeyRotationParams) Validate() error {
	if p.MaxKeyAgeDays < 1 || p.MaxKeyAgeDays > 90 {
		return fmt.Errorf("maxKeyAgeDays %d is outside 1..90 (CIS rotates keys at least every 90 days)", p.MaxKeyAgeDays)
	}
	return nil
}

func planKeyRotation(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	maxAge := params[KeyRotationParams](t).MaxKeyAgeDays
	api := t.Clients.IAM()
	u, err := exemptUser(ctx, t, p)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return p, nil
	}
	name := aws.ToString(u.UserName)
	keys, err := accessKeys(ctx, api, name)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		created := aws.ToTime(k.CreateDate)
		if k.Status != types.StatusTypeActive || t.Now.Sub(created) <= time.Duration(maxAge)*24*time.Hour {
			continue
		}
		id := aws.ToString(k.AccessKeyId)
		p.Addf(setKeyStatus(api, name, id, types.StatusTypeInactive), "deactivate access key %s of IAM user %s: created %s, %d days ago (limit %d)", id, name, isoDate(created), daysAgo(t.Now, created), maxAge).Prior = recordKeyStatus(name, id)
		p.Note("to rotate %s: aws iam create-access-key --user-name %s, move its applications to the new key, then aws iam delete-access-key --user-name %s --access-key-id %s", id, name, name, id)
	}
	return p, nil
}

func guideUserMFA(ctx context.Context, t *Target) (*Guidance, error) {
	api := t.Clients.IAM()
	u, err := iamUser(ctx, t)
	if err != nil || u == nil {
		return nil, err
	}
	name := aws.ToString(u.UserName)
	lp, err := loginProfile(ctx, api, name)
	if err != nil || lp == nil {
		return nil, err
	}
	pages := iam.NewListMFADevicesPaginator(api, &iam.ListMFADevicesInput{UserName: aws.String(name)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list MFA devices of IAM user %s: %w", name, err)
		}
		if len(pg.MFADevices) > 0 {
			return nil, nil
		}
	}
	used := "never used"
	if u.PasswordLastUsed != nil {
		used = "last sign-in " + isoDate(*u.PasswordLastUsed)
	}
	serial := fmt.Sprintf("arn:%s:iam::%s:mfa/%s", t.Clients.Partition(), t.Account(), name)
	return &Guidance{
		Summary: fmt.Sprintf("IAM user %s of account %s has a console password (%s) and no MFA device.", name, t.Account(), used),
		Steps: []string{
			fmt.Sprintf("Have %s assign an MFA device: after signing in, account menu (top right) > Security credentials > Multi-factor authentication (MFA) > Assign MFA device (a security key, passkey or authenticator app). An administrator can do it at IAM > Users > %s > Security credentials > Assign MFA device.", name, name),
			fmt.Sprintf("Or from the CLI with a virtual device: aws iam create-virtual-mfa-device --virtual-mfa-device-name %s --outfile %s-mfa.png --bootstrap-method QRCodePNG; scan the QR code into the authenticator, then "+
				"aws iam enable-mfa-device --user-name %s --serial-number %s --authentication-code1 <code> --authentication-code2 <next code>.", name, name, name, serial),
			fmt.Sprintf("If %s does not need the console, delete the password instead: aws iam delete-login-profile --user-name %s", name, name),
		},
	}, nil
}

// Policies (1.16, 1.17).

// policyAttachments are the principals a managed policy is attached to.
type policyAttachments struct{ groups, users, roles []string }

func (a policyAttachments) empty() bool { return len(a.groups)+len(a.users)+len(a.roles) == 0 }

// policyEntities lists where a managed policy is attached; filter ""
// lists every kind of principal.
func policyEntities(ctx context.Context, api awsapi.IAM, arn string, filter types.EntityType) (policyAttachments, error) {
	var a policyAttachments
	pages := iam.NewListEntitiesForPolicyPaginator(api, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn), EntityFilter: filter})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return a, fmt.Errorf("list entities of policy %s: %w", arn, err)
		}
		for _, g := range pg.PolicyGroups {
			a.groups = append(a.groups, aws.ToString(g.GroupName))
		}
		for _, u := range pg.PolicyUsers {
			a.users = append(a.users, aws.ToString(u.UserName))
		}
		for _, r := range pg.PolicyRoles {
			a.roles = append(a.roles, aws.ToString(r.RoleName))
		}
	}
	return a, nil
}

// adminStatements returns the statements that allow every action on every
// resource, named by Sid or position.
func adminStatements(doc *policyDocument) []string {
	var out []string
	for i, s := range doc.Statement {
		if s["Effect"] != "Allow" {
			continue
		}
		has := func(field string, wild ...string) bool {
			return slices.ContainsFunc(stringList(s[field]), func(v string) bool { return slices.Contains(wild, v) })
		}
		if has("Action", "*", "*:*") && has("Resource", "*") {
			name := fmt.Sprintf("#%d", i+1)
			if sid, _ := s["Sid"].(string); sid != "" {
				name = sid
			}
			out = append(out, name)
		}
	}
	return out
}

func guideAdminPolicy(ctx context.Context, t *Target) (*Guidance, error) {
	api := t.Clients.IAM()
	arn := t.Resource.ID
	pol, err := api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get policy %s: %w", arn, err)
	}
	name, version := aws.ToString(pol.Policy.PolicyName), aws.ToString(pol.Policy.DefaultVersionId)
	v, err := api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(version)})
	if err != nil {
		return nil, fmt.Errorf("get version %s of policy %s: %w", version, arn, err)
	}
	doc, err := parsePolicy(aws.ToString(v.PolicyVersion.Document))
	if err != nil {
		return nil, fmt.Errorf("policy %s version %s: %w", arn, version, err)
	}
	stmts := adminStatements(doc)
	if len(stmts) == 0 {
		return nil, nil
	}
	att, err := policyEntities(ctx, api, arn, "")
	if err != nil {
		return nil, err
	}
	g := &Guidance{Summary: fmt.Sprintf("IAM policy %s (%s) allows Action \"*\" on Resource \"*\" in its default version %s (statement %s) and is attached to %s.",
		name, arn, version, strings.Join(stmts, ", "), describeAttachments(att))}
	if att.empty() {
		g.Steps = []string{
			fmt.Sprintf("If nothing needs it, delete it: delete its other versions (aws iam list-policy-versions --policy-arn %s, then aws iam delete-policy-version --policy-arn %s --version-id <id> for each non-default one), then aws iam delete-policy --policy-arn %s", arn, arn, arn),
			fmt.Sprintf("Otherwise replace its default version with a least-privilege document: aws iam create-policy-version --policy-arn %s --policy-document file://least-privilege.json --set-as-default", arn),
		}
		return g, nil
	}
	if strings.Contains(arn, ":iam::aws:policy/") {
		g.Steps = append(g.Steps,
			fmt.Sprintf("Find what its principals really use: IAM > Policies > %s > Entities attached, and each principal's Last accessed tab.", name),
			fmt.Sprintf("%s is managed by AWS and cannot be changed: give each principal that must not have full administrative access the narrower permissions it needs, then detach it:", name))
	} else {
		g.Steps = append(g.Steps,
			fmt.Sprintf("Find what its principals really use: IAM > Policies > %s > Entities attached, and each principal's Last accessed tab.", name),
			fmt.Sprintf("Either replace its default version with a least-privilege document: aws iam create-policy-version --policy-arn %s --policy-document file://least-privilege.json --set-as-default (a policy keeps at most 5 versions: delete an old one first with aws iam delete-policy-version --policy-arn %s --version-id <id>).", arn, arn),
			"Or detach it from each principal that must not have full administrative access, after giving it the narrower permissions it needs:")
	}
	for _, n := range att.groups {
		g.Steps = append(g.Steps, fmt.Sprintf("group %s: aws iam detach-group-policy --group-name %s --policy-arn %s", n, n, arn))
	}
	for _, n := range att.users {
		g.Steps = append(g.Steps, fmt.Sprintf("user %s: aws iam detach-user-policy --user-name %s --policy-arn %s", n, n, arn))
	}
	for _, n := range att.roles {
		g.Steps = append(g.Steps, fmt.Sprintf("role %s: aws iam detach-role-policy --role-name %s --policy-arn %s", n, n, arn))
	}
	return g, nil
}

// describeAttachments says where a policy is attached, naming every principal.
func describeAttachments(a policyAttachments) string {
	if a.empty() {
		return "no user, group or role"
	}
	var parts []string
	for _, k := range []struct {
		kind  string
		names []string
	}{{"group", a.groups}, {"user", a.users}, {"role", a.roles}} {
		if len(k.names) == 0 {
			continue
		}
		kind := k.kind
		if len(k.names) > 1 {
			kind += "s"
		}
		parts = append(parts, kind+" "+strings.Join(k.names, ", "))
	}
	return strings.Join(parts, "; ")
}

// SupportRoleParams configures 1.17.
type SupportRoleParams struct {
	// RoleName is the role created when no role has AWSSupportAccess.
	RoleName string `yaml:"roleName"`
}

var roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// Validate checks the role name against IAM's rules.
func (p *SupportRoleParams) Validate() error {
	if !roleNamePattern.MatchString(p.RoleName) {
		return fmt.Errorf("roleName %q is not a valid IAM role name (1-64 of letters, digits and +=,.@_-)", p.RoleName)
	}
	return nil
}

func planSupportRole(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	name := params[SupportRoleParams](t).RoleName
	api := t.Clients.IAM()
	policy := fmt.Sprintf("arn:%s:iam::aws:policy/AWSSupportAccess", t.Clients.Partition())
	att, err := policyEntities(ctx, api, policy, types.EntityTypeRole)
	if err != nil {
		return nil, err
	}
	if !att.empty() {
		return p, nil
	}
	_, err = api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	switch {
	case awsapi.IsNotFound(err):
		root := fmt.Sprintf("arn:%s:iam::%s:root", t.Clients.Partition(), t.Account())
		trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":%q},"Action":"sts:AssumeRole"}]}`, root)
		p.Addf(func(ctx context.Context) error {
			return createRole(ctx, t, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust),
				Description: aws.String("Manages AWS Support cases (CIS 1.17); created by cisguard")})
		}, "create IAM role %s trusted by %s (principals of account %s that IAM policies allow to assume it)", name, root, t.Account()).Prior = recordRole(name)
	case err != nil:
		return nil, fmt.Errorf("get IAM role %s: %w", name, err)
	default:
		p.Note("IAM role %s already exists; its trust policy is kept", name)
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(policy)})
		return err
	}, "attach %s to IAM role %s", policy, name).Prior = recordRolePolicy(name, policy)
	return p, nil
}

// Checks. Users are screened with the credential report (one download per
// account); a user the screen fails is planned (or guided) read-only.

func checkUserMFA(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	return checkUsers(ctx, c, t, func(u credentialRow) (bool, string) {
		switch {
		case !u.password:
			return false, "no console password"
		case u.mfa:
			return false, "console password with MFA"
		}
		return true, ""
	})
}

func checkUnusedCredentials(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	limit := time.Duration(params[UnusedCredentialsParams](t).UnusedDays)*24*time.Hour - reportMargin
	return checkUsers(ctx, c, t, func(u credentialRow) (bool, string) {
		if u.password {
			// The plan counts from the later of the last sign-in and
			// when the password was set.
			since := u.passwordSet
			if u.passwordUsed != nil && (since == nil || u.passwordUsed.After(*since)) {
				since = u.passwordUsed
			}
			if since == nil || t.Now.Sub(*since) >= limit {
				return true, ""
			}
		}
		for _, k := range u.keys {
			// A key never used counts from its creation.
			since := k.rotated
			if k.lastUsed != nil {
				since = *k.lastUsed
			}
			if t.Now.Sub(since) >= limit {
				return true, ""
			}
		}
		return false, "no console password or active access key unused for " + fmt.Sprint(params[UnusedCredentialsParams](t).UnusedDays) + " days"
	})
}

func checkKeyRotation(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	days := params[KeyRotationParams](t).MaxKeyAgeDays
	limit := time.Duration(days)*24*time.Hour - reportMargin
	return checkUsers(ctx, c, t, func(u credentialRow) (bool, string) {
		for _, k := range u.keys {
			if t.Now.Sub(k.rotated) > limit {
				return true, ""
			}
		}
		return false, fmt.Sprintf("no active access key older than %d days", days)
	})
}

// checkAdminPolicies is 1.16's check: every attached policy, customer or
// AWS managed (CIS audits every attached policy: AdministratorAccess on a
// principal fails; Security Hub's IAM.1 judges customer managed policies
// only, attached or not), guided read-only.
func checkAdminPolicies(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	var out []Result
	pages := iam.NewListPoliciesPaginator(t.Clients.IAM(), &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAll, OnlyAttached: true})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the attached policies of account %s: %w", t.Account(), err)
		}
		for _, p := range pg.Policies {
			res := arnResource(t, "AwsIamPolicy", t.Region(), aws.ToString(p.Arn))
			r := Verdict(ctx, c, t.on(res))
			if r.Status == Pass {
				r.Reason = fmt.Sprintf("policy %s allows no \"*\" action on \"*\" resource in its default version %s", aws.ToString(p.PolicyName), aws.ToString(p.DefaultVersionId))
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no policy is attached to a user, group or role of account %s", t.Account()))
	}
	return out, nil
}
