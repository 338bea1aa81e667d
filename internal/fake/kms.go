package fake

import "github.com/cisguard/cisguard/internal/awsapi"

// KMS is a fake KMS.
type KMS struct {
	svc
	awsapi.KMS // TODO: remove once every method is implemented
}

func (c clients) KMS() awsapi.KMS { return c.a.KMS(c.region) }

// KMS returns the account's KMS in a region.
func (a *Account) KMS(region string) *KMS { return &KMS{svc: svc{a, region, "KMS"}} }
