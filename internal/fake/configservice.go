package fake

import "github.com/cisguard/cisguard/internal/awsapi"

// Config is a fake Config Service.
type Config struct {
	svc
	awsapi.Config // TODO: remove once every method is implemented
}

func (c clients) Config() awsapi.Config { return c.a.Config(c.region) }

// Config returns the account's Config in a region.
func (a *Account) Config(region string) *Config {
	return &Config{svc: svc{a, region, "Config Service"}}
}
