package scan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/perms"
)

// Organizations is the part of AWS Organizations a scan calls, with the
// caller's own credentials (the management account or a delegated
// administrator).
type Organizations interface {
	ListAccounts(context.Context, *organizations.ListAccountsInput, ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
}

var _ Organizations = (*organizations.Client)(nil)

// OrgAccounts lists the organization's active accounts, every page.
// Suspended accounts and accounts being closed are left out: they cannot
// be scanned.
func OrgAccounts(ctx context.Context, api Organizations, partition string) ([]Account, error) {
	var out []Account
	pages := organizations.NewListAccountsPaginator(api, &organizations.ListAccountsInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the organization's accounts (organizations:ListAccounts): %w", err)
		}
		for _, a := range pg.Accounts {
			if !active(a) {
				continue
			}
			p := partition
			if arn := aws.ToString(a.Arn); strings.HasPrefix(arn, "arn:") {
				p = strings.SplitN(arn, ":", 3)[1]
			}
			out = append(out, Account{ID: aws.ToString(a.Id), Partition: p, Name: aws.ToString(a.Name)})
		}
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// active reads the account's State, or the Status it replaces.
func active(a orgtypes.Account) bool {
	if a.State != "" {
		return a.State == orgtypes.AccountStateActive
	}
	return a.Status == orgtypes.AccountStatusActive
}

// Filter keeps the accounts listed in only (all when empty) and not in
// exclude; an id in only that is not among the accounts is an error, so a
// typo is not a silent skip.
func Filter(accounts []Account, only, exclude []string) ([]Account, error) {
	for _, id := range only {
		if !slices.ContainsFunc(accounts, func(a Account) bool { return a.ID == id }) {
			return nil, fmt.Errorf("--accounts %s: not an active account of the organization", id)
		}
	}
	return slices.DeleteFunc(slices.Clone(accounts), func(a Account) bool {
		return len(only) > 0 && !slices.Contains(only, a.ID) || slices.Contains(exclude, a.ID)
	}), nil
}

// STS is what a scan asks STS: who the caller is.
type STS interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Caller returns the caller's own account, for a scan of one account.
func Caller(ctx context.Context, api STS) (Account, error) {
	out, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Account{}, fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	a := Account{ID: aws.ToString(out.Account), Partition: "aws"}
	if arn := aws.ToString(out.Arn); strings.HasPrefix(arn, "arn:") {
		a.Partition = strings.SplitN(arn, ":", 3)[1]
	}
	return a, nil
}

// FactoryHubs returns the Security Hub of each account and region through
// the factory's configuration for it (the member role, or the caller's
// own credentials), with the declaration guard.
func FactoryHubs(f *cloud.Factory) Hubs {
	return func(_ context.Context, partition, account, region string) (SecurityHub, error) {
		return securityhub.NewFromConfig(f.For(partition, account, region), func(o *securityhub.Options) {
			o.APIOptions = append(o.APIOptions, perms.Middleware)
		}), nil
	}
}
