package hub_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	. "github.com/cisguard/cisguard/internal/hub"
)

const product = "arn:aws:securityhub:eu-central-1::product/aws/securityhub"

func TestApplyBatches(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	var updates []Update
	for i := range 250 {
		id := fmt.Sprintf("finding-%03d", i)
		h.AddFinding(id, product)
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
	h.AddFinding("known", product)
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
