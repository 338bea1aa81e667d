package fake

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Organizations is a fake of the AWS Organizations account list as the
// management account or a delegated administrator reads it: ListAccounts
// returns every account, whatever its state, at most 20 to a page
// (MaxResults 1-20), with a token for the rest.
type Organizations struct {
	Log *Log

	mu       sync.Mutex
	accounts []orgtypes.Account
}

// NewOrganizations returns an organization with no account.
func NewOrganizations() *Organizations { return &Organizations{Log: &Log{}} }

// Add adds an account in a state (ACTIVE, SUSPENDED, PENDING_CLOSURE).
func (o *Organizations) Add(partition, id string, state orgtypes.AccountState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.accounts = append(o.accounts, orgtypes.Account{
		Id: aws.String(id), Name: aws.String("account " + id), State: state,
		Arn: aws.String("arn:" + partition + ":organizations::000000000000:account/o-example/" + id),
	})
}

// ListAccounts returns a page of the organization's accounts.
func (o *Organizations) ListAccounts(ctx context.Context, in *organizations.ListAccountsInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error) {
	if err := o.Log.record(ctx, "Organizations", "", "ListAccounts"); err != nil {
		return nil, err
	}
	if m := aws.ToInt32(in.MaxResults); in.MaxResults != nil && (m < 1 || m > 20) {
		return nil, APIError("InvalidInputException", "MaxResults must be between 1 and 20: %d", m)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	items, next, err := page(o.accounts, in.NextToken, aws.ToInt32(in.MaxResults), 20)
	if err != nil {
		return nil, err
	}
	return &organizations.ListAccountsOutput{Accounts: append([]orgtypes.Account(nil), items...), NextToken: next}, nil
}
