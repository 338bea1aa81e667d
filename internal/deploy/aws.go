package deploy

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// AWS is the Env of a real organization: the caller's credentials for the
// management account, and a role (OrganizationAccountAccessRole unless
// told otherwise, the role Organizations creates in the accounts it
// creates) for the admin account and for reading AWS Config in members.
type AWS struct {
	Config aws.Config
	// AccessRole is assumed in the admin and member accounts.
	AccessRole string
	// Partition of the organization ("aws").
	Partition string

	mu     sync.Mutex
	caller string
	creds  map[string]aws.CredentialsProvider // account → cached assumed-role credentials
}

func (e *AWS) Caller(ctx context.Context) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.caller != "" {
		return e.caller, nil
	}
	out, err := sts.NewFromConfig(e.Config).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	e.caller = aws.ToString(out.Account)
	return e.caller, nil
}

func (e *AWS) Organizations() Organizations { return organizations.NewFromConfig(e.Config) }

func (e *AWS) Management(region string) Services { return services(e.Config, region) }

func (e *AWS) Admin(ctx context.Context, account, region string) (Services, error) {
	cfg, err := e.assume(ctx, account)
	if err != nil {
		return Services{}, err
	}
	return services(cfg, region), nil
}

func (e *AWS) Member(ctx context.Context, account, region string) (Config, error) {
	cfg, err := e.assume(ctx, account)
	if err != nil {
		return nil, err
	}
	return configservice.NewFromConfig(cfg, func(o *configservice.Options) { o.Region = region }), nil
}

// assume returns a config with the access role's credentials in account,
// checked once (so an account whose role cannot be assumed says so at
// planning time) and cached with the SDK's credentials cache.
func (e *AWS) assume(ctx context.Context, account string) (aws.Config, error) {
	caller, err := e.Caller(ctx)
	if err == nil && caller == account {
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
	partition := e.Partition
	if partition == "" {
		partition = "aws"
	}
	arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, e.AccessRole)
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

func services(cfg aws.Config, region string) Services {
	cfg = cfg.Copy()
	cfg.Region = region
	return Services{
		CloudFormation: cloudformation.NewFromConfig(cfg),
		SecurityHub:    securityhub.NewFromConfig(cfg),
		S3:             s3.NewFromConfig(cfg),
		Config:         configservice.NewFromConfig(cfg),
	}
}
