package controls

// Undo of section 1's fixes: the password policy (1.8, 1.9), access keys
// and console passwords (1.12, 1.14), the support role and its policy
// (1.17), and the account-level fixes that came with the scan checks: the
// security contact (1.2), the Access Analyzer analyzer (1.20); a deleted
// server certificate (1.19) is lost.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	acct "github.com/aws/aws-sdk-go-v2/service/account"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

const (
	kindSecurityContact   = "account:security-contact"
	kindAnalyzer          = "access-analyzer:analyzer"
	kindServerCertificate = "iam:server-certificate-deleted"
)

// contactRecord is an alternate contact.
type contactRecord struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Email string `json:"emailAddress"`
	Phone string `json:"phoneNumber"`
}

// recordSecurityContact records the security contact registered where the
// account had none (1.2 never replaces one).
func recordSecurityContact(account string, in *acct.PutAlternateContactInput) *plan.Prior {
	return plan.Replaced(kindSecurityContact, account, nil, contactRecord{aws.ToString(in.Name), aws.ToString(in.Title), aws.ToString(in.EmailAddress), aws.ToString(in.PhoneNumber)})
}

func undoSecurityContact(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var set contactRecord
	if err := pr.Decode(nil, &set); err != nil {
		return nil, err
	}
	api, p := t.Clients.AccountManagement(), &plan.Plan{}
	out, err := api.GetAlternateContact(ctx, &acct.GetAlternateContactInput{AlternateContactType: accttypes.AlternateContactTypeSecurity})
	switch {
	case awsapi.IsNotFound(err):
		p.Note("account %s has no security contact, as before", t.Account())
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("read the security contact of account %s: %w", t.Account(), err)
	}
	c := out.AlternateContact
	if live := (contactRecord{aws.ToString(c.Name), aws.ToString(c.Title), aws.ToString(c.EmailAddress), aws.ToString(c.PhoneNumber)}); live != set {
		return plan.Changed(pr, fmt.Sprintf("the security contact is now %s <%s>", live.Name, live.Email)), nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DeleteAlternateContact(ctx, &acct.DeleteAlternateContactInput{AlternateContactType: accttypes.AlternateContactTypeSecurity})
		return err
	}, "remove the security contact %s <%s> of account %s: it had none before cisguard", set.Name, set.Email, t.Account())
	return p, nil
}

// analyzerRecord is an analyzer cisguard created.
type analyzerRecord struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// undoAnalyzer deletes the analyzer cisguard created while it still
// carries cisguard's tag (the member policy deletes no other). Its
// findings are derived from the account's policies: a new analyzer finds
// them again.
func undoAnalyzer(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api, p := t.Clients.AccessAnalyzer(), &plan.Plan{}
	pages := accessanalyzer.NewListAnalyzersPaginator(api, &accessanalyzer.ListAnalyzersInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the IAM Access Analyzer analyzers of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, a := range pg.Analyzers {
			if aws.ToString(a.Name) != pr.Resource {
				continue
			}
			if a.Tags[perms.ManagedTagKey] != perms.ManagedTagValue {
				return plan.Changed(pr, "the analyzer no longer carries "+perms.ManagedTagKey), nil
			}
			p.Addf(func(ctx context.Context) error {
				_, err := api.DeleteAnalyzer(ctx, &accessanalyzer.DeleteAnalyzerInput{AnalyzerName: aws.String(pr.Resource)})
				return err
			}, "delete IAM Access Analyzer analyzer %s in %s, created by cisguard (its findings are derived from the account's policies; a new analyzer finds them again)", pr.Resource, t.Region())
			return p, nil
		}
	}
	p.Note("analyzer %s no longer exists in %s", pr.Resource, t.Region())
	return p, nil
}

// Password policy (1.8, 1.9).

// policyOf reads an update as the policy it writes.
func policyOf(in *iam.UpdateAccountPasswordPolicyInput) *iamtypes.PasswordPolicy {
	return &iamtypes.PasswordPolicy{
		AllowUsersToChangePassword: in.AllowUsersToChangePassword, HardExpiry: in.HardExpiry, MaxPasswordAge: in.MaxPasswordAge,
		MinimumPasswordLength: in.MinimumPasswordLength, PasswordReusePrevention: in.PasswordReusePrevention,
		RequireLowercaseCharacters: in.RequireLowercaseCharacters, RequireNumbers: in.RequireNumbers,
		RequireSymbols: in.RequireSymbols, RequireUppercaseCharacters: in.RequireUppercaseCharacters,
	}
}

// samePasswordPolicy compares the fields an update writes (HardExpiry
// unset is false).
func samePasswordPolicy(a, b *iamtypes.PasswordPolicy) bool {
	norm := func(p *iamtypes.PasswordPolicy) string {
		in := policyInput(p)
		in.HardExpiry = aws.Bool(aws.ToBool(in.HardExpiry))
		x, _ := json.Marshal(in)
		return string(x)
	}
	return norm(a) == norm(b)
}

func undoPasswordPolicy(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set *iamtypes.PasswordPolicy
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api := t.Clients.IAM()
	live, exists, err := passwordPolicy(ctx, api, t.Account())
	p := &plan.Plan{}
	switch {
	case err != nil:
		return nil, err
	case !exists && was == nil || exists && was != nil && samePasswordPolicy(live, was):
		p.Note("the password policy of account %s is as it was", t.Account())
		return p, nil
	case !exists:
		return plan.Changed(pr, "the account has no password policy now"), nil
	case !samePasswordPolicy(live, set):
		return plan.Changed(pr, "the policy is not the one cisguard wrote"), nil
	}
	if was == nil {
		p.Addf(func(ctx context.Context) error {
			_, err := api.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{})
			return err
		}, "delete the password policy of account %s: it had none before cisguard (IAM's default rules apply again)", t.Account())
		return p, nil
	}
	in := policyInput(was)
	p.Addf(func(ctx context.Context) error {
		_, err := api.UpdateAccountPasswordPolicy(ctx, in)
		return err
	}, "put back the password policy of account %s: MinimumPasswordLength %d, PasswordReusePrevention %d, other fields as they were",
		t.Account(), aws.ToInt32(was.MinimumPasswordLength), aws.ToInt32(was.PasswordReusePrevention))
	return p, nil
}

// Credentials (1.12, 1.14).

// keyRecord is an access key of a user, with its status.
type keyRecord struct {
	User   string `json:"user"`
	Key    string `json:"accessKeyId"`
	Status string `json:"status"`
}

func recordKeyStatus(user, key string) *plan.Prior {
	return plan.Replaced(kindKeyStatus, key, keyRecord{user, key, string(iamtypes.StatusTypeActive)}, keyRecord{user, key, string(iamtypes.StatusTypeInactive)})
}

func recordKeyDeleted(user, key string) *plan.Prior {
	return plan.Lose(kindKeyDeleted, key, fmt.Sprintf("IAM cannot bring back a deleted access key: give IAM user %s a new one (aws iam create-access-key --user-name %s) and move its applications to it", user, user),
		keyRecord{user, key, string(iamtypes.StatusTypeActive)})
}

func recordLoginProfile(user string, lp *iamtypes.LoginProfile) *plan.Prior {
	return plan.Lose(kindLoginProfile, user, fmt.Sprintf("IAM does not keep a deleted console password: set a new one (aws iam create-login-profile --user-name %s --password-reset-required --password <temporary>)", user),
		map[string]any{"user": user, "created": aws.ToTime(lp.CreateDate), "passwordResetRequired": lp.PasswordResetRequired})
}

func undoKeyStatus(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set keyRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api := t.Clients.IAM()
	keys, err := accessKeys(ctx, api, was.User)
	if awsapi.IsNotFound(err) {
		return plan.Changed(pr, "IAM user "+was.User+" no longer exists"), nil
	}
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(keys, func(k iamtypes.AccessKeyMetadata) bool { return aws.ToString(k.AccessKeyId) == was.Key })
	p := &plan.Plan{}
	switch {
	case i < 0:
		return plan.Changed(pr, "the key was deleted since"), nil
	case string(keys[i].Status) == was.Status:
		p.Note("access key %s of IAM user %s is %s already", was.Key, was.User, was.Status)
	case string(keys[i].Status) != set.Status:
		return plan.Changed(pr, "the key is "+string(keys[i].Status)), nil
	default:
		p.Addf(setKeyStatus(api, was.User, was.Key, iamtypes.StatusType(was.Status)), "set access key %s of IAM user %s back to %s", was.Key, was.User, was.Status)
	}
	return p, nil
}

// Roles (1.17).

// recordRole records a role cisguard creates.
func recordRole(name string) *plan.Prior {
	return plan.Replaced(kindRole, name, nil, map[string]string{"role": name, perms.ManagedTagKey: perms.ManagedTagValue})
}

// recordRolePolicy records a managed policy cisguard attaches to a role.
func recordRolePolicy(role, policy string) *plan.Prior {
	return plan.Replaced(kindRolePolicy, role, nil, policy)
}

// undoRole deletes a role cisguard created, while it still carries
// cisguard's tag; IAM refuses (DeleteConflict) while policies someone
// else attached remain, and so the role is kept.
func undoRole(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api := t.Clients.IAM()
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(pr.Resource)})
	p := &plan.Plan{}
	switch {
	case awsapi.IsNotFound(err):
		p.Note("IAM role %s no longer exists", pr.Resource)
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("get IAM role %s: %w", pr.Resource, err)
	}
	if !slices.ContainsFunc(out.Role.Tags, func(tg iamtypes.Tag) bool {
		return aws.ToString(tg.Key) == perms.ManagedTagKey && aws.ToString(tg.Value) == perms.ManagedTagValue
	}) {
		return plan.Changed(pr, "the role no longer carries the tag "+perms.ManagedTagKey), nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(pr.Resource)})
		return err
	}, "delete IAM role %s, created by cisguard", pr.Resource)
	return p, nil
}

func undoRolePolicy(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var policy string
	if err := pr.Decode(nil, &policy); err != nil {
		return nil, err
	}
	api := t.Clients.IAM()
	p := &plan.Plan{}
	var attached []string
	pages := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(pr.Resource)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if awsapi.IsNotFound(err) {
			p.Note("IAM role %s no longer exists", pr.Resource)
			return p, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list policies of IAM role %s: %w", pr.Resource, err)
		}
		for _, a := range pg.AttachedPolicies {
			attached = append(attached, aws.ToString(a.PolicyArn))
		}
	}
	if !slices.Contains(attached, policy) {
		p.Note("%s is not attached to IAM role %s", policy, pr.Resource)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(pr.Resource), PolicyArn: aws.String(policy)})
		return err
	}, "detach %s from IAM role %s", policy, pr.Resource)
	return p, nil
}
