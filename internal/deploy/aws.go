package deploy

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// AWS is the Env of a real organization: the caller's credentials for the
// management account, and a role (OrganizationAccountAccessRole unless
// told otherwise, the role Organizations creates in the accounts it
// creates) for the admin account and for reading member accounts.
type AWS struct {
	Config aws.Config
	// AccessRole is assumed in the admin and member accounts.
	AccessRole string

	mu      sync.Mutex
	caller  Identity
	creds   map[string]aws.CredentialsProvider // account → cached assumed-role credentials
	clients map[string]Services                // "account/region" → its clients, built once
}

func (e *AWS) Caller(ctx context.Context) (Identity, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.caller.Account != "" {
		return e.caller, nil
	}
	out, err := sts.NewFromConfig(e.Config).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, err
	}
	e.caller = Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn)}
	return e.caller, nil
}

func (e *AWS) Organizations() Organizations { return organizations.NewFromConfig(e.Config) }

func (e *AWS) Management(region string) Services { return e.services("", e.Config, region) }

func (e *AWS) Member(ctx context.Context, account, region string) (Services, error) {
	cfg, err := e.assume(ctx, account)
	if err != nil {
		return Services{}, err
	}
	return e.services(account, cfg, region), nil
}

// assume returns a config with the access role's credentials in account,
// checked once (so an account whose role cannot be assumed says so at
// planning time) and cached with the SDK's credentials cache.
func (e *AWS) assume(ctx context.Context, account string) (aws.Config, error) {
	caller, err := e.Caller(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("sts:GetCallerIdentity: %w", err)
	}
	if caller.Account == account {
		return e.Config, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.creds == nil {
		e.creds = map[string]aws.CredentialsProvider{}
	}
	cfg := e.Config.Copy()
	if p, ok := e.creds[account]; ok {
		cfg.Credentials = p
		return cfg, nil
	}
	arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partitionOf(caller.ARN), account, e.AccessRole)
	p := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(e.Config), arn, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "cisguard-deploy"
	}))
	if _, err := p.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("assume %s: %w", arn, err)
	}
	e.creds[account] = p
	cfg.Credentials = p
	return cfg, nil
}

// services returns the clients of an account ("" for the caller's
// management account) in a region, built the first time they are asked
// for: a deploy asks for the same account and region in several passes.
func (e *AWS) services(account string, cfg aws.Config, region string) Services {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := account + "/" + region
	if s, ok := e.clients[key]; ok {
		return s
	}
	if e.clients == nil {
		e.clients = map[string]Services{}
	}
	s := newServices(cfg, region)
	e.clients[key] = s
	return s
}

func newServices(cfg aws.Config, region string) Services {
	cfg = cfg.Copy()
	cfg.Region = region
	return Services{
		CloudFormation: cloudformation.NewFromConfig(cfg),
		SecurityHub:    securityhub.NewFromConfig(cfg),
		S3:             s3.NewFromConfig(cfg),
		Config:         configservice.NewFromConfig(cfg),
		IAM:            iam.NewFromConfig(cfg),
		KMS:            kms.NewFromConfig(cfg),
		SNS:            sns.NewFromConfig(cfg),
		Events:         eventbridge.NewFromConfig(cfg),
	}
}

// partitionOf returns the partition of an ARN ("aws" when it has none).
func partitionOf(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}
