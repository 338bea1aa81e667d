package controls

// IAM users' credentials with a fix or a guide: MFA for console users
// (1.10, guided), credentials unused for the configured days disabled
// (1.12) and access keys rotated (1.14). The credential report screens
// the users (credreport.go); checks of users without a fix are in
// users.go.

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

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
