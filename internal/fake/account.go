package fake

import (
	"context"
	"sync"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/perms"
)

// Account is one fake AWS account: every service's state, in every region.
type Account struct {
	ID        string
	Partition string
	// Log records the calls made to this account (and injects failures).
	Log *Log
	// RequireBucketOwner makes every S3 bucket request without
	// ExpectedBucketOwner fail: tests of code that promises to send it on
	// every bucket request set it (S3 itself does not require it).
	RequireBucketOwner bool

	mu    sync.Mutex // guards state and every service's data
	state map[string]any
	// peer finds another account of the same organization, for the few
	// calls AWS lets cross accounts (SNS Subscribe on a topic whose policy
	// allows it); nil outside an organization.
	peer func(id string) *Account
}

// NewAccount returns an empty account.
func NewAccount(id string) *Account {
	return &Account{ID: id, Partition: "aws", Log: &Log{}, state: map[string]any{}}
}

// stateOf returns the state stored under key, creating it with mk.
// Services keep their state here so that adding one needs no change in
// this file. The caller holds a.mu.
func stateOf[T any](a *Account, key string, mk func() *T) *T {
	if s, ok := a.state[key]; ok {
		return s.(*T)
	}
	s := mk()
	a.state[key] = s
	return s
}

// Clients returns the clients of this account in a region.
func (a *Account) Clients(region string) awsapi.Clients { return clients{a: a, region: region} }

// clients implements awsapi.Clients; each service file adds its accessor.
type clients struct {
	a      *Account
	region string
}

func (c clients) Account() string   { return c.a.ID }
func (c clients) Region() string    { return c.region }
func (c clients) Partition() string { return c.a.Partition }

func (c clients) In(region string) (awsapi.Clients, error) { return c.a.Clients(region), nil }

// svc is embedded by every service fake: the account, the client's region
// and the service's name for the call log.
type svc struct {
	a       *Account
	region  string
	service string
}

// implied refuses an action that AWS authorizes besides the operation's
// own, with no call of its own: tags given at creation need the service's
// tagging action (iam:TagRole with CreateRole, kms:TagResource with
// CreateKey, …).
func (s svc) implied(ctx context.Context, op string) error { return perms.Check(ctx, s.service, op) }

// call records an operation and locks the account for its duration; the
// caller defers the returned unlock.
func (s svc) call(ctx context.Context, op string) (unlock func(), err error) {
	if err := s.a.Log.record(ctx, s.service, s.region, op); err != nil {
		return func() {}, err
	}
	s.a.mu.Lock()
	return s.a.mu.Unlock, nil
}
