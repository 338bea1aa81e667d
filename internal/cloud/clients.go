package cloud

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	acct "github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/macie2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/aws/smithy-go/middleware"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/perms"
)

// Clients returns the service clients of a member account and region,
// built on first use. Every client refuses operations outside the
// permissions declared in the request's context (see perms).
func (f *Factory) Clients(partition, account, region string) *Clients {
	if partition == "" {
		partition = "aws"
	}
	key := partition + "/" + account + "/" + region
	f.mu.Lock()
	c, ok := f.clients[key]
	f.mu.Unlock()
	if ok {
		return c
	}
	c = newClients(f, f.For(partition, account, region), partition, account)
	f.mu.Lock()
	defer f.mu.Unlock()
	if existing, ok := f.clients[key]; ok {
		return existing
	}
	f.clients[key] = c
	return c
}

// Assume obtains the member role's credentials for an account now, so that
// a role that cannot be assumed is reported as such, once, before any plan.
func (f *Factory) Assume(ctx context.Context, partition, account string) error {
	if f.opts.NoAssume {
		return nil
	}
	cfg := f.For(partition, account, f.base.Region)
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return &AssumeError{Role: f.RoleARN(partition, account), Err: err}
	}
	return nil
}

// AssumeError is a member role that cannot be assumed.
type AssumeError struct {
	Role string
	Err  error
}

// Error names the role, AWS's answer and, when AWS denied it, the fix.
func (e *AssumeError) Error() string {
	why := strings.TrimPrefix(awsapi.Brief(e.Err), "failed to refresh cached credentials, ")
	msg := fmt.Sprintf("cannot assume the member role %s: %s", e.Role, why)
	if awsapi.HasCode(e.Err, "AccessDenied") {
		msg += "; deploy the member role StackSet there (cisguard deploy), or check roleName and externalId in the configuration"
	}
	return msg
}

func (e *AssumeError) Unwrap() error { return e.Err }

// Clients implements awsapi.Clients on the AWS SDK.
type Clients struct {
	f                  *Factory
	cfg                aws.Config
	partition, account string
	ec2                func() *ec2.Client
	iam                func() *iam.Client
	s3                 func() *s3.Client
	s3control          func() *s3control.Client
	cloudtrail         func() *cloudtrail.Client
	logs               func() *cloudwatchlogs.Client
	cloudwatch         func() *cloudwatch.Client
	sns                func() *sns.Client
	kms                func() *kms.Client
	config             func() *configservice.Client
	rds                func() *rds.Client
	accessanalyzer     func() *accessanalyzer.Client
	accountMgmt        func() *acct.Client
	macie              func() *macie2.Client
}

var _ awsapi.Clients = (*Clients)(nil)

func newClients(f *Factory, cfg aws.Config, partition, account string) *Clients {
	guard := []func(*middleware.Stack) error{perms.Middleware}
	return &Clients{
		f: f, cfg: cfg, partition: partition, account: account,
		ec2: sync.OnceValue(func() *ec2.Client {
			return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		iam: sync.OnceValue(func() *iam.Client {
			return iam.NewFromConfig(cfg, func(o *iam.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		s3: sync.OnceValue(func() *s3.Client {
			return s3.NewFromConfig(cfg, func(o *s3.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		s3control: sync.OnceValue(func() *s3control.Client {
			return s3control.NewFromConfig(cfg, func(o *s3control.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		cloudtrail: sync.OnceValue(func() *cloudtrail.Client {
			return cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		logs: sync.OnceValue(func() *cloudwatchlogs.Client {
			return cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		cloudwatch: sync.OnceValue(func() *cloudwatch.Client {
			return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		sns: sync.OnceValue(func() *sns.Client {
			return sns.NewFromConfig(cfg, func(o *sns.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		kms: sync.OnceValue(func() *kms.Client {
			return kms.NewFromConfig(cfg, func(o *kms.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		config: sync.OnceValue(func() *configservice.Client {
			return configservice.NewFromConfig(cfg, func(o *configservice.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		rds: sync.OnceValue(func() *rds.Client {
			return rds.NewFromConfig(cfg, func(o *rds.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		accessanalyzer: sync.OnceValue(func() *accessanalyzer.Client {
			return accessanalyzer.NewFromConfig(cfg, func(o *accessanalyzer.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		accountMgmt: sync.OnceValue(func() *acct.Client {
			return acct.NewFromConfig(cfg, func(o *acct.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
		macie: sync.OnceValue(func() *macie2.Client {
			return macie2.NewFromConfig(cfg, func(o *macie2.Options) { o.APIOptions = append(o.APIOptions, guard...) })
		}),
	}
}

func (c *Clients) Account() string   { return c.account }
func (c *Clients) Region() string    { return c.cfg.Region }
func (c *Clients) Partition() string { return c.partition }

func (c *Clients) EC2() awsapi.EC2               { return c.ec2() }
func (c *Clients) IAM() awsapi.IAM               { return c.iam() }
func (c *Clients) S3() awsapi.S3                 { return c.s3() }
func (c *Clients) S3Control() awsapi.S3Control   { return c.s3control() }
func (c *Clients) CloudTrail() awsapi.CloudTrail { return c.cloudtrail() }
func (c *Clients) Logs() awsapi.Logs             { return c.logs() }
func (c *Clients) CloudWatch() awsapi.CloudWatch { return c.cloudwatch() }
func (c *Clients) SNS() awsapi.SNS               { return c.sns() }
func (c *Clients) KMS() awsapi.KMS               { return c.kms() }
func (c *Clients) Config() awsapi.Config         { return c.config() }
func (c *Clients) RDS() awsapi.RDS               { return c.rds() }

func (c *Clients) AccessAnalyzer() awsapi.AccessAnalyzer { return c.accessanalyzer() }
func (c *Clients) AccountManagement() awsapi.Account     { return c.accountMgmt() }
func (c *Clients) Macie() awsapi.Macie                   { return c.macie() }

// In returns the clients of the same account in another region.
func (c *Clients) In(region string) (awsapi.Clients, error) {
	return c.f.Clients(c.partition, c.account, region), nil
}
