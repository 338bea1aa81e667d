package fake

import "github.com/cisguard/cisguard/internal/awsapi"

// S3Control is a fake S3 Control.
type S3Control struct {
	svc
	awsapi.S3Control // TODO: remove once every method is implemented
}

func (c clients) S3Control() awsapi.S3Control { return c.a.S3Control(c.region) }

// S3Control returns the account's S3Control in a region.
func (a *Account) S3Control(region string) *S3Control {
	return &S3Control{svc: svc{a, region, "S3 Control"}}
}
