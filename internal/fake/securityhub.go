package fake

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// SecurityHub is a fake Security Hub administrator: it holds findings and
// updates their workflow and note as BatchUpdateFindings does.
type SecurityHub struct {
	Log *Log
	// Region is the hub's region.
	Region string

	mu       sync.Mutex
	findings map[string]*HubFinding
	calls    int
}

// HubFinding is the state of a finding in the fake hub.
type HubFinding struct {
	ID, ProductARN string
	Workflow       types.WorkflowStatus
	Note           string
}

// NewSecurityHub returns an empty hub.
func NewSecurityHub(region string) *SecurityHub {
	return &SecurityHub{Log: &Log{}, Region: region, findings: map[string]*HubFinding{}}
}

// AddFinding seeds a finding in workflow NEW.
func (h *SecurityHub) AddFinding(id, productARN string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.findings[id] = &HubFinding{ID: id, ProductARN: productARN, Workflow: types.WorkflowStatusNew}
}

// Finding returns a copy of a finding's state, or nil.
func (h *SecurityHub) Finding(id string) *HubFinding {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f, ok := h.findings[id]; ok {
		c := *f
		return &c
	}
	return nil
}

// BatchUpdateFindings enforces the 1..100 identifiers limit and reports
// unknown findings as unprocessed.
func (h *SecurityHub) BatchUpdateFindings(ctx context.Context, in *securityhub.BatchUpdateFindingsInput, _ ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsOutput, error) {
	if err := h.Log.record(ctx, "SecurityHub", h.Region, "BatchUpdateFindings"); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(in.FindingIdentifiers); n == 0 || n > 100 {
		return nil, APIError("InvalidInputException", "FindingIdentifiers must hold 1 to 100 items, got %d", n)
	}
	if in.Note != nil && (len(aws.ToString(in.Note.Text)) > 512 || aws.ToString(in.Note.UpdatedBy) == "") {
		return nil, APIError("InvalidInputException", "Note.Text must be at most 512 characters and Note.UpdatedBy is required")
	}
	out := &securityhub.BatchUpdateFindingsOutput{}
	for _, id := range in.FindingIdentifiers {
		f, ok := h.findings[aws.ToString(id.Id)]
		if !ok || f.ProductARN != aws.ToString(id.ProductArn) {
			out.UnprocessedFindings = append(out.UnprocessedFindings, types.BatchUpdateFindingsUnprocessedFinding{
				FindingIdentifier: &id, ErrorCode: aws.String("FindingNotFound"), ErrorMessage: aws.String("Finding not found")})
			continue
		}
		if in.Workflow != nil && in.Workflow.Status != "" {
			f.Workflow = in.Workflow.Status
		}
		if in.Note != nil {
			f.Note = aws.ToString(in.Note.Text)
		}
		out.ProcessedFindings = append(out.ProcessedFindings, id)
	}
	return out, nil
}
