package fake

import "github.com/cisguard/cisguard/internal/awsapi"

// SNS is a fake SNS.
type SNS struct {
	svc
	awsapi.SNS // TODO: remove once every method is implemented
}

func (c clients) SNS() awsapi.SNS { return c.a.SNS(c.region) }

// SNS returns the account's SNS in a region.
func (a *Account) SNS(region string) *SNS { return &SNS{svc: svc{a, region, "SNS"}} }
