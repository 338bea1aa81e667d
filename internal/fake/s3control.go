package fake

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/smithy-go"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// S3Control is a fake S3 Control. The account's Block Public Access
// configuration is one setting for the whole account, whatever region the
// client is in, as in AWS.
type S3Control struct{ svc }

type s3ControlState struct {
	// publicAccessBlock is nil when none is configured.
	publicAccessBlock *types.PublicAccessBlockConfiguration
}

func (c clients) S3Control() awsapi.S3Control { return c.a.S3Control(c.region) }

// S3Control returns the account's S3Control in a region.
func (a *Account) S3Control(region string) *S3Control {
	return &S3Control{svc: svc{a, region, "S3 Control"}}
}

func (s *S3Control) st() *s3ControlState {
	return stateOf(s.a, "s3control", func() *s3ControlState { return &s3ControlState{} })
}

// SetAccountPublicAccessBlock seeds the account's Block Public Access
// configuration; nil removes it.
func (a *Account) SetAccountPublicAccessBlock(c *types.PublicAccessBlockConfiguration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := stateOf(a, "s3control", func() *s3ControlState { return &s3ControlState{} })
	st.publicAccessBlock = clonePAB(c)
}

// AccountPublicAccessBlock returns a copy of the account's Block Public
// Access configuration, or nil.
func (a *Account) AccountPublicAccessBlock() *types.PublicAccessBlockConfiguration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return clonePAB(stateOf(a, "s3control", func() *s3ControlState { return &s3ControlState{} }).publicAccessBlock)
}

// clonePAB copies a configuration; a flag left out is stored as false.
func clonePAB(c *types.PublicAccessBlockConfiguration) *types.PublicAccessBlockConfiguration {
	if c == nil {
		return nil
	}
	return &types.PublicAccessBlockConfiguration{
		BlockPublicAcls:       aws.Bool(aws.ToBool(c.BlockPublicAcls)),
		IgnorePublicAcls:      aws.Bool(aws.ToBool(c.IgnorePublicAcls)),
		BlockPublicPolicy:     aws.Bool(aws.ToBool(c.BlockPublicPolicy)),
		RestrictPublicBuckets: aws.Bool(aws.ToBool(c.RestrictPublicBuckets)),
	}
}

// account checks the AccountId every S3 Control request carries: the SDK
// refuses a missing one before sending, and AWS denies another account's.
func (s *S3Control) account(op string, id *string) error {
	if id == nil || *id == "" {
		inv := smithy.InvalidParamsError{Context: op + "Input"}
		inv.Add(smithy.NewErrParamRequired("AccountId"))
		return &inv
	}
	if *id != s.a.ID {
		return APIError("AccessDenied", "Access Denied: account %s cannot act on account %s", s.a.ID, *id)
	}
	return nil
}

func (s *S3Control) GetPublicAccessBlock(ctx context.Context, in *s3control.GetPublicAccessBlockInput, _ ...func(*s3control.Options)) (*s3control.GetPublicAccessBlockOutput, error) {
	unlock, err := s.call(ctx, "GetPublicAccessBlock")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := s.account("GetPublicAccessBlock", in.AccountId); err != nil {
		return nil, err
	}
	c := s.st().publicAccessBlock
	if c == nil {
		return nil, APIError("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	}
	return &s3control.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: clonePAB(c)}, nil
}

// PutPublicAccessBlock replaces the whole configuration: a flag left out
// is false, as in AWS.
func (s *S3Control) PutPublicAccessBlock(ctx context.Context, in *s3control.PutPublicAccessBlockInput, _ ...func(*s3control.Options)) (*s3control.PutPublicAccessBlockOutput, error) {
	unlock, err := s.call(ctx, "PutPublicAccessBlock")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := s.account("PutPublicAccessBlock", in.AccountId); err != nil {
		return nil, err
	}
	if in.PublicAccessBlockConfiguration == nil {
		inv := smithy.InvalidParamsError{Context: "PutPublicAccessBlockInput"}
		inv.Add(smithy.NewErrParamRequired("PublicAccessBlockConfiguration"))
		return nil, &inv
	}
	s.st().publicAccessBlock = clonePAB(in.PublicAccessBlockConfiguration)
	return &s3control.PutPublicAccessBlockOutput{}, nil
}
