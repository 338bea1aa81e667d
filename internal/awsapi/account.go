package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/account"
)

// Account is the part of AWS Account Management cisguard calls (1.1,
// 1.2), always about the caller's own account (no AccountId).
type Account interface {
	GetContactInformation(context.Context, *account.GetContactInformationInput, ...func(*account.Options)) (*account.GetContactInformationOutput, error)
	GetAlternateContact(context.Context, *account.GetAlternateContactInput, ...func(*account.Options)) (*account.GetAlternateContactOutput, error)
	PutAlternateContact(context.Context, *account.PutAlternateContactInput, ...func(*account.Options)) (*account.PutAlternateContactOutput, error)
	// DeleteAlternateContact serves a revert of 1.2.
	DeleteAlternateContact(context.Context, *account.DeleteAlternateContactInput, ...func(*account.Options)) (*account.DeleteAlternateContactOutput, error)
}

var _ Account = (*account.Client)(nil)
