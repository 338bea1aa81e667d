package fake

import (
	"context"
	"fmt"
	"sync"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/hub"
)

// Org is a fake AWS Organization as the engine sees it: member accounts
// reached through the member role, and the Security Hub administrator's
// own Security Hub and SNS. It implements engine.Cloud.
type Org struct {
	// Admin is the Security Hub administrator account (central topic).
	Admin *Account
	// Management is the management account id, "" outside an organization.
	Management string

	mu       sync.Mutex
	accounts map[string]*Account
	hubs     map[string]*SecurityHub
	assumed  map[string]int
}

// NewOrg returns an organization whose administrator is admin.
func NewOrg(admin string) *Org {
	return &Org{Admin: NewAccount(admin), accounts: map[string]*Account{}, hubs: map[string]*SecurityHub{}, assumed: map[string]int{}}
}

// Account returns a member account, creating it: only created accounts
// have the member role.
func (o *Org) Account(id string) *Account {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.accounts[id]
	if !ok {
		a = NewAccount(id)
		o.accounts[id] = a
	}
	return a
}

// SecurityHub returns the administrator's Security Hub in a region.
func (o *Org) SecurityHub(region string) *SecurityHub {
	o.mu.Lock()
	defer o.mu.Unlock()
	h, ok := o.hubs[region]
	if !ok {
		h = NewSecurityHub(region)
		o.hubs[region] = h
	}
	return h
}

// Assumed returns how many times the member clients of an account were asked for.
func (o *Org) Assumed(account string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.assumed[account]
}

// Member returns a member account's clients; an account never created
// has no member role, and assuming it fails as AWS would.
func (o *Org) Member(_ context.Context, partition, account, region string) (awsapi.Clients, error) {
	o.mu.Lock()
	a, ok := o.accounts[account]
	o.assumed[account]++
	o.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("account %s: assume arn:%s:iam::%s:role/CIS_Remediator_Role: %w", account, partition, account,
			APIError("AccessDenied", "User is not authorized to perform: sts:AssumeRole"))
	}
	return a.Clients(region), nil
}

// Hub returns the administrator's Security Hub in a region.
func (o *Org) Hub(region string) hub.API { return o.SecurityHub(region) }

// SNS returns the administrator's SNS in a region.
func (o *Org) SNS(region string) awsapi.SNS { return o.Admin.SNS(region) }

// ManagementAccount returns the management account.
func (o *Org) ManagementAccount(context.Context) (string, error) { return o.Management, nil }
