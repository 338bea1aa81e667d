package hub_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	. "github.com/cisguard/cisguard/internal/hub"
)

const product = "arn:aws:securityhub:eu-central-1::product/aws/securityhub"

// genuine is a finding of Security Hub's own product, FAILED and NEW.
func genuine(id string) types.AwsSecurityFinding {
	return types.AwsSecurityFinding{
		Id: aws.String(id), ProductArn: aws.String(product), AwsAccountId: aws.String("444455556666"), Region: aws.String("eu-central-1"),
		CompanyName: aws.String("AWS"), ProductFields: map[string]string{"aws/securityhub/CompanyName": "AWS"},
		RecordState: types.RecordStateActive, Workflow: &types.Workflow{Status: types.WorkflowStatusNew},
		Compliance: &types.Compliance{Status: types.ComplianceStatusFailed},
		Resources:  []types.Resource{{Type: aws.String("AwsAccount"), Id: aws.String("AWS::::Account:444455556666")}},
	}
}

func TestApplyBatches(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	var updates []Update
	for i := range 250 {
		id := fmt.Sprintf("finding-%03d", i)
		h.Import(genuine(id))
		status, note := types.WorkflowStatusResolved, "cisguard: fixed"
		if i%50 == 0 {
			status, note = types.WorkflowStatusNotified, "cisguard: sent steps"
		}
		updates = append(updates, Update{ID: id, ProductARN: product, Status: status, Note: note})
	}
	failed := Apply(context.Background(), h, updates)
	if len(failed) != 0 {
		t.Fatalf("failed: %v", failed)
	}
	// 245 RESOLVED in 3 calls, 5 NOTIFIED in 1.
	if n := len(h.Log.Calls()); n != 4 {
		t.Errorf("%d calls, want 4", n)
	}
	if f := h.Finding("finding-050"); f.Workflow != types.WorkflowStatusNotified || f.Note != "cisguard: sent steps" {
		t.Errorf("finding-050 = %+v", f)
	}
	if f := h.Finding("finding-249"); f.Workflow != types.WorkflowStatusResolved {
		t.Errorf("finding-249 = %+v", f)
	}
}

func TestApplyReportsFailures(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	h.Import(genuine("known"))
	failed := Apply(context.Background(), h, []Update{
		{ID: "known", ProductARN: product, Status: types.WorkflowStatusNotified, Note: strings.Repeat("é", 400)},
		{ID: "unknown", ProductARN: product, Status: types.WorkflowStatusNotified, Note: strings.Repeat("é", 400)},
	})
	if len(failed) != 1 || !strings.Contains(failed["unknown"].Error(), "FindingNotFound") {
		t.Fatalf("failed = %v", failed)
	}
	if n := len(h.Finding("known").Note); n > MaxNote {
		t.Errorf("note of %d bytes was sent", n)
	}

	h.Log.Fail("SecurityHub/BatchUpdateFindings", fake.Throttled())
	failed = Apply(context.Background(), h, []Update{{ID: "known", ProductARN: product, Status: types.WorkflowStatusResolved, Note: "x"}})
	if err := failed["known"]; err == nil || !strings.Contains(err.Error(), "Throttling") {
		t.Fatalf("failed = %v", failed)
	}
}
