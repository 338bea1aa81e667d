package fake

import "github.com/cisguard/cisguard/internal/awsapi"

// RDS is a fake RDS.
type RDS struct {
	svc
	awsapi.RDS // TODO: remove once every method is implemented
}

func (c clients) RDS() awsapi.RDS { return c.a.RDS(c.region) }

// RDS returns the account's RDS in a region.
func (a *Account) RDS(region string) *RDS { return &RDS{svc: svc{a, region, "RDS"}} }
