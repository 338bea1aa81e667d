package controls

// Checks of IAM users that have no automatic fix: 1.11 and 1.13 from the
// credential report, 1.15 from one listing of users with their policies,
// 1.21 from the report and the account's identity providers.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// userResource names a user of the report.
func userResource(t *Target, u credentialRow) Result {
	return Result{Resource: arnResource(t, "AwsIamUser", t.Region(), u.arn)}
}

// reportUsers returns the report's users and when it was made.
func reportUsers(ctx context.Context, t *Target) ([]credentialRow, string, error) {
	rep, err := credentialReportOf(ctx, t)
	if err != nil {
		return nil, "", err
	}
	return rep.users(), rep.at.UTC().Format(time.RFC3339), nil
}

// 1.11: CIS's audit fails a user with a console password whose active
// access key has never been used (access_key_N_last_used_date N/A):
// a key made "just in case" when the user was set up.
func checkInitialKeys(ctx context.Context, _ *Control, t *Target) ([]Result, error) {
	users, at, err := reportUsers(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, u := range users {
		if !u.password {
			continue
		}
		r := userResource(t, u)
		var unused []string
		for _, k := range u.keys {
			if k.lastUsed == nil {
				unused = append(unused, fmt.Sprintf("key %d (created %s)", k.n, isoDate(k.rotated)))
			}
		}
		if len(unused) == 0 {
			r.Status, r.Reason = Pass, fmt.Sprintf("IAM user %s has a console password and no active access key that was never used (credential report of %s)", u.user, at)
		} else {
			r.Status, r.Reason = Fail, fmt.Sprintf("IAM user %s has a console password and an active access key never used: %s; delete it: aws iam list-access-keys --user-name %s, then aws iam delete-access-key --user-name %s --access-key-id <id> (credential report of %s)",
				u.user, strings.Join(unused, ", "), u.user, u.user, at)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no IAM user of account %s has a console password", t.Account()))
	}
	return out, nil
}

// 1.13: at most one active access key per user.
func checkActiveKeys(ctx context.Context, _ *Control, t *Target) ([]Result, error) {
	users, at, err := reportUsers(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, u := range users {
		r := userResource(t, u)
		if len(u.keys) < 2 {
			r.Status, r.Reason = Pass, fmt.Sprintf("IAM user %s has %d active access key(s) (credential report of %s)", u.user, len(u.keys), at)
		} else {
			r.Status, r.Reason = Fail, fmt.Sprintf("IAM user %s has two active access keys; once whatever uses the older one has the newer, deactivate the older: aws iam update-access-key --user-name %s --access-key-id <id> --status Inactive (credential report of %s)", u.user, u.user, at)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no IAM user in account %s", t.Account()))
	}
	return out, nil
}

// 1.15: a user's permissions come only through groups: no attached and
// no inline policy of its own. One GetAccountAuthorizationDetails page
// lists up to 1000 users with their policies.
func checkUserPolicies(ctx context.Context, _ *Control, t *Target) ([]Result, error) {
	var out []Result
	pages := iam.NewGetAccountAuthorizationDetailsPaginator(t.Clients.IAM(), &iam.GetAccountAuthorizationDetailsInput{Filter: []iamtypes.EntityType{iamtypes.EntityTypeUser}, MaxItems: aws.Int32(1000)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the IAM users of account %s with their policies (iam:GetAccountAuthorizationDetails): %w", t.Account(), err)
		}
		for _, u := range pg.UserDetailList {
			name := aws.ToString(u.UserName)
			res := arnResource(t, "AwsIamUser", t.Region(), aws.ToString(u.Arn))
			var own []string
			for _, p := range u.AttachedManagedPolicies {
				own = append(own, "attached "+aws.ToString(p.PolicyName))
			}
			for _, p := range u.UserPolicyList {
				own = append(own, "inline "+aws.ToString(p.PolicyName))
			}
			if len(own) == 0 {
				out = append(out, pass(res, "IAM user %s has no policy of its own: its permissions come through groups", name))
				continue
			}
			out = append(out, fail(res, "IAM user %s has policies of its own (%s): put it in a group with those permissions, then detach them (aws iam detach-user-policy) and delete the inline ones (aws iam delete-user-policy)",
				name, strings.Join(own, ", ")))
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no IAM user in account %s", t.Account()))
	}
	return out, nil
}

// 1.21: people sign in through a central identity store, not as IAM
// users of each account. An IAM user with a console password is taken for
// a person (FAIL); one with access keys only may be a machine or a
// person's command line, which no API tells apart (MANUAL).
func checkCentralUsers(ctx context.Context, _ *Control, t *Target) ([]Result, error) {
	users, at, err := reportUsers(ctx, t)
	if err != nil {
		return nil, err
	}
	providers, err := identityProviders(ctx, t)
	if err != nil {
		return nil, err
	}
	var people, keyed []string
	for _, u := range users {
		switch {
		case u.password:
			people = append(people, u.user)
		case len(u.keys) > 0:
			keyed = append(keyed, u.user)
		}
	}
	federation := "no SAML or OIDC identity provider in the account (IAM Identity Center of the organization needs none)"
	if len(providers) > 0 {
		federation = "identity providers " + strings.Join(providers, ", ")
	}
	switch {
	case len(people) > 0:
		return []Result{fail(t.Resource, "%d IAM user(s) of account %s sign in with a console password (%s): give people access through IAM Identity Center or your identity provider (%s), then delete these users' console passwords (credential report of %s)",
			len(people), t.Account(), names(people), federation, at)}, nil
	case len(keyed) > 0:
		return []Result{{Resource: t.Resource, Status: Manual, Reason: fmt.Sprintf("%d IAM user(s) of account %s have access keys and no console password (%s): confirm each is a machine's, not a person's; people should get temporary credentials through IAM Identity Center or your identity provider (%s) (credential report of %s)",
			len(keyed), t.Account(), names(keyed), federation, at)}}, nil
	}
	return []Result{pass(t.Resource, "no IAM user of account %s has a console password or an access key; %s (credential report of %s)", t.Account(), federation, at)}, nil
}

// names lists user names, at most ten.
func names(users []string) string {
	slices.Sort(users)
	if len(users) > 10 {
		return strings.Join(users[:10], ", ") + fmt.Sprintf(" and %d more", len(users)-10)
	}
	return strings.Join(users, ", ")
}

// identityProviders lists the account's SAML and OIDC providers by name.
func identityProviders(ctx context.Context, t *Target) ([]string, error) {
	api := t.Clients.IAM()
	saml, err := api.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{})
	if err != nil {
		return nil, fmt.Errorf("list the SAML providers of account %s: %w", t.Account(), err)
	}
	oidc, err := api.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return nil, fmt.Errorf("list the OIDC providers of account %s: %w", t.Account(), err)
	}
	var out []string
	for _, p := range saml.SAMLProviderList {
		out = append(out, "SAML "+providerName(aws.ToString(p.Arn)))
	}
	for _, p := range oidc.OpenIDConnectProviderList {
		out = append(out, "OIDC "+providerName(aws.ToString(p.Arn)))
	}
	return out, nil
}

func providerName(arn string) string {
	_, name, _ := strings.Cut(arn, "-provider/")
	return name
}
