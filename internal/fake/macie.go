package fake

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/macie2"
	"github.com/aws/aws-sdk-go-v2/service/macie2/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// Macie is a fake Amazon Macie in one region: not enabled until
// SetMacie, and then ENABLED or PAUSED.
type Macie struct{ svc }

type macieState struct{ status types.MacieStatus }

func (c clients) Macie() awsapi.Macie { return c.a.Macie(c.region) }

// Macie returns the account's Macie in a region.
func (a *Account) Macie(region string) *Macie { return &Macie{svc{a, region, "Macie2"}} }

func (m *Macie) st() *macieState {
	return stateOf(m.a, "macie/"+m.region, func() *macieState { return &macieState{} })
}

// SetStatus enables (ENABLED), pauses (PAUSED) or disables ("") Macie.
func (m *Macie) SetStatus(s types.MacieStatus) {
	m.a.mu.Lock()
	defer m.a.mu.Unlock()
	m.st().status = s
}

// GetMacieSession answers as AWS does: AccessDeniedException while Macie
// is not enabled in the region.
func (m *Macie) GetMacieSession(ctx context.Context, _ *macie2.GetMacieSessionInput, _ ...func(*macie2.Options)) (*macie2.GetMacieSessionOutput, error) {
	unlock, err := m.call(ctx, "GetMacieSession")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if m.st().status == "" {
		return nil, APIError("AccessDeniedException", "Macie is not enabled.")
	}
	return &macie2.GetMacieSessionOutput{Status: m.st().status}, nil
}
