package fake

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	acct "github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/account/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// AccountManagement is a fake AWS Account Management API (global): the
// account's contact information and its alternate contacts (billing,
// operations, security), of the caller's own account only.
type AccountManagement struct{ svc }

type contactState struct {
	info      *types.ContactInformation
	alternate map[types.AlternateContactType]types.AlternateContact
}

func (c clients) AccountManagement() awsapi.Account { return c.a.AccountManagement() }

// AccountManagement returns the account's Account Management API.
func (a *Account) AccountManagement() *AccountManagement {
	return &AccountManagement{svc{a, "us-east-1", "Account"}}
}

func (f *AccountManagement) st() *contactState {
	return stateOf(f.a, "account", func() *contactState {
		return &contactState{
			info: &types.ContactInformation{FullName: aws.String("Example Corp Cloud Team"), AddressLine1: aws.String("1 Main Street"), City: aws.String("Springfield"),
				CountryCode: aws.String("US"), PostalCode: aws.String("12345"), PhoneNumber: aws.String("+1 555 0100"), CompanyName: aws.String("Example Corp")},
			alternate: map[types.AlternateContactType]types.AlternateContact{},
		}
	})
}

// SetAlternateContact seeds an alternate contact; nil removes it.
func (f *AccountManagement) SetAlternateContact(typ types.AlternateContactType, c *types.AlternateContact) {
	f.a.mu.Lock()
	defer f.a.mu.Unlock()
	if c == nil {
		delete(f.st().alternate, typ)
		return
	}
	c.AlternateContactType = typ
	f.st().alternate[typ] = *c
}

// AlternateContact returns an alternate contact, nil when none is set.
func (f *AccountManagement) AlternateContact(typ types.AlternateContactType) *types.AlternateContact {
	f.a.mu.Lock()
	defer f.a.mu.Unlock()
	if c, ok := f.st().alternate[typ]; ok {
		return &c
	}
	return nil
}

// GetContactInformation returns the account's primary contact.
func (f *AccountManagement) GetContactInformation(ctx context.Context, in *acct.GetContactInformationInput, _ ...func(*acct.Options)) (*acct.GetContactInformationOutput, error) {
	unlock, err := f.call(ctx, "GetContactInformation")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if in.AccountId != nil && *in.AccountId != f.a.ID {
		return nil, APIError("AccessDeniedException", "only the management account may name another account")
	}
	info := *f.st().info
	return &acct.GetContactInformationOutput{ContactInformation: &info}, nil
}

func validContactType(t types.AlternateContactType) bool {
	return t == types.AlternateContactTypeBilling || t == types.AlternateContactTypeOperations || t == types.AlternateContactTypeSecurity
}

// GetAlternateContact returns one alternate contact; a type without one
// is ResourceNotFoundException, as in AWS.
func (f *AccountManagement) GetAlternateContact(ctx context.Context, in *acct.GetAlternateContactInput, _ ...func(*acct.Options)) (*acct.GetAlternateContactOutput, error) {
	unlock, err := f.call(ctx, "GetAlternateContact")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if !validContactType(in.AlternateContactType) {
		return nil, APIError("ValidationException", "invalid AlternateContactType %q", in.AlternateContactType)
	}
	c, ok := f.st().alternate[in.AlternateContactType]
	if !ok {
		return nil, APIError("ResourceNotFoundException", "No contact of the inputted alternate contact type found.")
	}
	return &acct.GetAlternateContactOutput{AlternateContact: &c}, nil
}

// PutAlternateContact sets an alternate contact; every field is required.
func (f *AccountManagement) PutAlternateContact(ctx context.Context, in *acct.PutAlternateContactInput, _ ...func(*acct.Options)) (*acct.PutAlternateContactOutput, error) {
	unlock, err := f.call(ctx, "PutAlternateContact")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if !validContactType(in.AlternateContactType) || aws.ToString(in.EmailAddress) == "" || aws.ToString(in.Name) == "" || aws.ToString(in.PhoneNumber) == "" || aws.ToString(in.Title) == "" {
		return nil, APIError("ValidationException", "AlternateContactType, EmailAddress, Name, PhoneNumber and Title are required")
	}
	f.st().alternate[in.AlternateContactType] = types.AlternateContact{AlternateContactType: in.AlternateContactType, EmailAddress: in.EmailAddress, Name: in.Name, PhoneNumber: in.PhoneNumber, Title: in.Title}
	return &acct.PutAlternateContactOutput{}, nil
}
