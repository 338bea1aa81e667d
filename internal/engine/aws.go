package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/hub"
)

// AWS is the Cloud of a real run, on a cloud.Factory.
type AWS struct {
	Factory *cloud.Factory

	mu   sync.Mutex
	hubs map[string]*securityhub.Client
	sns  map[string]*sns.Client
}

var _ Cloud = (*AWS)(nil)

// Member assumes the member role (once per account) and returns its clients.
func (a *AWS) Member(ctx context.Context, partition, account, region string) (awsapi.Clients, error) {
	if err := a.Factory.Assume(ctx, partition, account); err != nil {
		return nil, err
	}
	return a.Factory.Clients(partition, account, region), nil
}

// Hub returns Security Hub in a region with the engine's own credentials.
func (a *AWS) Hub(region string) hub.API {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hubs == nil {
		a.hubs = map[string]*securityhub.Client{}
	}
	c, ok := a.hubs[region]
	if !ok {
		c = securityhub.NewFromConfig(a.Factory.Base(region))
		a.hubs[region] = c
	}
	return c
}

// SNS returns SNS in a region with the engine's own credentials.
func (a *AWS) SNS(region string) awsapi.SNS {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sns == nil {
		a.sns = map[string]*sns.Client{}
	}
	c, ok := a.sns[region]
	if !ok {
		c = sns.NewFromConfig(a.Factory.Base(region))
		a.sns[region] = c
	}
	return c
}

// ManagementAccount asks AWS Organizations for the management account: ""
// only when AWS says the account is in no organization; any other error
// is returned, so that the exclusion fails closed.
func (a *AWS) ManagementAccount(ctx context.Context) (string, error) {
	out, err := organizations.NewFromConfig(a.Factory.Base("")).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		if awsapi.HasCode(err, "AWSOrganizationsNotInUseException") {
			return "", nil
		}
		return "", fmt.Errorf("organizations:DescribeOrganization: %w", err)
	}
	if out.Organization == nil || aws.ToString(out.Organization.MasterAccountId) == "" {
		return "", errors.New("describe organization: the answer names no management account")
	}
	return *out.Organization.MasterAccountId, nil
}

// CallerAccount asks STS whose credentials the engine's own are.
func (a *AWS) CallerAccount(ctx context.Context) (string, error) {
	out, err := sts.NewFromConfig(a.Factory.Base("")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("sts:GetCallerIdentity: %w", err)
	}
	return aws.ToString(out.Account), nil
}
