package fake

import "github.com/cisguard/cisguard/internal/awsapi"

// CloudTrail is a fake CloudTrail.
type CloudTrail struct {
	svc
	awsapi.CloudTrail // TODO: remove once every method is implemented
}

func (c clients) CloudTrail() awsapi.CloudTrail { return c.a.CloudTrail(c.region) }

// CloudTrail returns the account's CloudTrail in a region.
func (a *Account) CloudTrail(region string) *CloudTrail {
	return &CloudTrail{svc: svc{a, region, "CloudTrail"}}
}
