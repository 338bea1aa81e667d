package fake

import "github.com/cisguard/cisguard/internal/awsapi"

// CloudWatch is a fake CloudWatch.
type CloudWatch struct {
	svc
	awsapi.CloudWatch // TODO: remove once every method is implemented
}

func (c clients) CloudWatch() awsapi.CloudWatch { return c.a.CloudWatch(c.region) }

// CloudWatch returns the account's CloudWatch in a region.
func (a *Account) CloudWatch(region string) *CloudWatch {
	return &CloudWatch{svc: svc{a, region, "CloudWatch"}}
}
