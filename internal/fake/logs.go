package fake

import "github.com/cisguard/cisguard/internal/awsapi"

// Logs is a fake CloudWatch Logs.
type Logs struct {
	svc
	awsapi.Logs // TODO: remove once every method is implemented
}

func (c clients) Logs() awsapi.Logs { return c.a.Logs(c.region) }

// Logs returns the account's Logs in a region.
func (a *Account) Logs(region string) *Logs { return &Logs{svc: svc{a, region, "CloudWatch Logs"}} }
