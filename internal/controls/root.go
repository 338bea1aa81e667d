package controls

// The root user (1.4, 1.5, 1.6): no access keys, MFA, and a hardware
// MFA device. Only the root user (or the management account through
// centralized root access) can change these: cisguard reads IAM's
// account summary and sends the steps, naming the account.

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

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
