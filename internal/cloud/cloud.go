// Package cloud builds the AWS configurations cisguard works with: its own
// (the Lambda's role or the CLI user) and, for each member account and
// region, one that assumes the member role. Each is built once per run:
// credentials are cached per account until shortly before they expire,
// and each (account, region) has one retryer shared by all its clients.
package cloud

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Options configure a Factory.
type Options struct {
	// RoleName is the role assumed in member accounts.
	RoleName string
	// ExternalID is sent with AssumeRole when set.
	ExternalID string
	// NoAssume uses the engine's own credentials in every account; for
	// working on the account the caller is signed in to.
	NoAssume bool
	// MaxAttempts bounds the SDK's retries of one call (default 8).
	MaxAttempts int
	// MaxBackoff bounds the wait before a retry (default 20s).
	MaxBackoff time.Duration
	// SessionName names the assumed-role sessions in CloudTrail (default "cisguard").
	SessionName string
	// Logger receives the SDK's warnings and logs (Load); slog.Default() when nil.
	Logger *slog.Logger
	// Region overrides the configured region (Load).
	Region string
}

// Factory hands out AWS configurations. It is safe for concurrent use.
type Factory struct {
	base aws.Config
	opts Options

	mu      sync.Mutex
	creds   map[string]aws.CredentialsProvider // partition/account → cached assumed-role credentials
	configs map[string]aws.Config              // partition/account/region → config
	clients map[string]*Clients
}

// Load builds a Factory from the environment's default configuration
// (credentials, region, AWS_ENDPOINT_URL), as the SDK resolves it, with
// the SDK's logs going to opts.Logger (see LoadConfig).
func Load(ctx context.Context, opts Options) (*Factory, error) {
	base, err := LoadConfig(ctx, opts.Logger, opts.Region)
	if err != nil {
		return nil, err
	}
	return New(base, opts), nil
}

// New builds a Factory on a base configuration.
func New(base aws.Config, opts Options) *Factory {
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 8
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 20 * time.Second
	}
	if opts.SessionName == "" {
		opts.SessionName = "cisguard"
	}
	f := &Factory{base: base.Copy(), opts: opts, creds: map[string]aws.CredentialsProvider{}, configs: map[string]aws.Config{}, clients: map[string]*Clients{}}
	f.base.Retryer = newRetryer(opts.MaxAttempts, opts.MaxBackoff)
	return f
}

// newRetryer returns a Retryer factory that hands out one adaptive-mode
// retryer, so that every client of a configuration shares its client-side
// rate limit when AWS throttles.
func newRetryer(attempts int, backoff time.Duration) func() aws.Retryer {
	r := retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = attempts
			so.MaxBackoff = backoff
		})
	})
	return func() aws.Retryer { return r }
}

// Base returns the engine's own configuration in a region ("" keeps the
// default region).
func (f *Factory) Base(region string) aws.Config {
	c := f.base.Copy()
	if region != "" {
		c.Region = region
	}
	return c
}

// Region returns the default region of the engine's own configuration.
func (f *Factory) Region() string { return f.base.Region }

// RoleARN returns the member role's ARN in an account.
func (f *Factory) RoleARN(partition, account string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, f.opts.RoleName)
}

// For returns the configuration for a member account and region: the
// member role's credentials (assumed once per account and cached), the
// region, and a retryer of its own.
func (f *Factory) For(partition, account, region string) aws.Config {
	if partition == "" {
		partition = "aws"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := partition + "/" + account + "/" + region
	if c, ok := f.configs[key]; ok {
		return c
	}
	c := f.base.Copy()
	c.Region = region
	c.Retryer = newRetryer(f.opts.MaxAttempts, f.opts.MaxBackoff)
	if !f.opts.NoAssume {
		c.Credentials = f.credentials(partition, account)
	}
	f.configs[key] = c
	return c
}

// credentials returns the cached assumed-role credentials of an account.
// The caller holds f.mu.
func (f *Factory) credentials(partition, account string) aws.CredentialsProvider {
	key := partition + "/" + account
	if p, ok := f.creds[key]; ok {
		return p
	}
	stsClient := sts.NewFromConfig(f.base)
	role := f.RoleARN(partition, account)
	p := stscreds.NewAssumeRoleProvider(stsClient, role, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = f.opts.SessionName
		if f.opts.ExternalID != "" {
			o.ExternalID = aws.String(f.opts.ExternalID)
		}
		o.Duration = time.Hour
	})
	// Refresh five minutes (with jitter) before expiry, never mid-plan.
	cached := aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = 5 * time.Minute
		o.ExpiryWindowJitterFrac = 0.2
	})
	f.creds[key] = cached
	return cached
}
