package fake

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// SecurityHub returns the account's own Security Hub in a region, as the
// account's credentials (the member role) reach it: its calls go to the
// account's Log. Findings imported there are held like the
// administrator's.
func (a *Account) SecurityHub(region string) *SecurityHub {
	a.mu.Lock()
	defer a.mu.Unlock()
	return stateOf(a, "securityhub/"+region, func() *SecurityHub {
		h := NewSecurityHub(region)
		h.Log, h.Caller = a.Log, a.ID
		return h
	})
}

// MemberHub returns a member account's own Security Hub, reached through
// the member role; an account never created has no role.
func (o *Org) MemberHub(ctx context.Context, partition, account, region string) (*SecurityHub, error) {
	if _, err := o.Member(ctx, partition, account, region); err != nil {
		return nil, err
	}
	return o.Account(account).SecurityHub(region), nil
}

// BatchImportFindings imports findings as Security Hub does for a custom
// integration: at most 100 per call; the product must be the caller
// account's default product in this region (else AccessDeniedException
// for the call); each finding must carry the required fields and
// AwsAccountId the caller, or it fails alone (FailedFindings). A finding
// with the Id and ProductArn of one held replaces it.
func (h *SecurityHub) BatchImportFindings(ctx context.Context, in *securityhub.BatchImportFindingsInput, _ ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error) {
	if err := h.Log.record(ctx, "SecurityHub", h.Region, "BatchImportFindings"); err != nil {
		return nil, err
	}
	if n := len(in.Findings); n < 1 || n > 100 {
		return nil, APIError("InvalidInputException", "Findings must contain 1 to 100 findings, got %d", n)
	}
	out := &securityhub.BatchImportFindingsOutput{}
	var ok []types.AwsSecurityFinding
	for _, f := range in.Findings {
		product := aws.ToString(f.ProductArn)
		if h.Caller != "" && !strings.HasSuffix(product, ":securityhub:"+h.Region+":"+h.Caller+":product/"+h.Caller+"/default") {
			return nil, APIError("AccessDeniedException", "account %s is not allowed to import findings of product %s in %s", h.Caller, product, h.Region)
		}
		if msg := invalidFinding(f, h.Caller); msg != "" {
			out.FailedFindings = append(out.FailedFindings, types.ImportFindingsError{Id: f.Id, ErrorCode: aws.String("InvalidInput"), ErrorMessage: aws.String(msg)})
			continue
		}
		ok = append(ok, f)
	}
	h.Import(ok...)
	out.SuccessCount = aws.Int32(int32(len(ok)))
	out.FailedCount = aws.Int32(int32(len(out.FailedFindings)))
	return out, nil
}

// invalidFinding says what a finding lacks, "" when it is whole.
func invalidFinding(f types.AwsSecurityFinding, caller string) string {
	for name, v := range map[string]*string{"SchemaVersion": f.SchemaVersion, "Id": f.Id, "ProductArn": f.ProductArn, "GeneratorId": f.GeneratorId,
		"AwsAccountId": f.AwsAccountId, "CreatedAt": f.CreatedAt, "UpdatedAt": f.UpdatedAt, "Title": f.Title, "Description": f.Description} {
		if aws.ToString(v) == "" {
			return name + " is required"
		}
	}
	switch {
	case len(f.Types) == 0:
		return "Types is required"
	case f.Severity == nil || f.Severity.Label == "" && f.Severity.Normalized == nil:
		return "Severity.Label is required"
	case len(f.Resources) < 1 || len(f.Resources) > 32:
		return fmt.Sprintf("Resources must hold 1 to 32 resources, got %d", len(f.Resources))
	case caller != "" && aws.ToString(f.AwsAccountId) != caller:
		return fmt.Sprintf("AwsAccountId %s is not the calling account %s", aws.ToString(f.AwsAccountId), caller)
	case len(aws.ToString(f.Id)) > 512 || len(aws.ToString(f.Title)) > 256 || len(aws.ToString(f.Description)) > 1024:
		return "Id, Title or Description is too long"
	}
	for _, r := range f.Resources {
		if aws.ToString(r.Type) == "" || aws.ToString(r.Id) == "" {
			return "every resource needs Type and Id"
		}
	}
	return ""
}
