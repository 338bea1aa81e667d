package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/macie2"
)

// Macie is the part of Amazon Macie cisguard calls (2.1.4). Where Macie
// is not enabled, GetMacieSession fails with AccessDeniedException.
type Macie interface {
	GetMacieSession(context.Context, *macie2.GetMacieSessionInput, ...func(*macie2.Options)) (*macie2.GetMacieSessionOutput, error)
}

var _ Macie = (*macie2.Client)(nil)
