package controls

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

func iamUndoCases() []undoCase {
	return []undoCase{
		{name: "security contact registered", id: "1.2", settings: securityContact,
			seed: func(h *harness) (finding.Resource, func() any) {
				return accountResource(), func() any { return h.acct.AccountManagement().AlternateContact(accttypes.AlternateContactTypeSecurity) }
			},
			meddle: func(h *harness) {
				h.acct.AccountManagement().SetAlternateContact(accttypes.AlternateContactTypeSecurity, &accttypes.AlternateContact{Name: aws.String("SOC"), Title: aws.String("SOC"),
					EmailAddress: aws.String("soc@example.com"), PhoneNumber: aws.String("+1 555 0199"), AlternateContactType: accttypes.AlternateContactTypeSecurity})
			},
			refused: "the security contact is now SOC <soc@example.com>",
		},
		{name: "analyzer created", id: "1.20",
			seed: func(h *harness) (finding.Resource, func() any) {
				return accountResource(), func() any { return orNil(h.acct.AccessAnalyzer(testRegion).Analyzers()) }
			},
		},
	}
}

// A deleted server certificate cannot come back: the revert says so.
func TestRevertOfDeletedCertificate(t *testing.T) {
	h := newHarness(t)
	arn := h.acct.AddServerCertificate(fake.ServerCertificate{Name: "expired", Expiration: testNow.AddDate(0, -1, 0)})
	res := resource("AwsIamServerCertificate", arn)
	rs := h.applyRecorded("1.19", res, "{mode: auto}")
	plans, errs := h.revert("1.19", res, rs)
	if errs[0] != nil || !strings.Contains(left(plans), "iam:server-certificate-deleted of expired cannot be restored: IAM keeps no copy of a deleted server certificate") {
		t.Errorf("revert: %v %q", errs[0], left(plans))
	}
}
