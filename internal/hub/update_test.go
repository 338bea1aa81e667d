package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	. "github.com/cisguard/cisguard/internal/hub"
)

// TestUnprocessedRetriedThenReported: findings Security Hub leaves
// unprocessed because it is busy are sent again, at most len(retryWait)
// times; one it does not know is reported at once.
func TestUnprocessedRetriedThenReported(t *testing.T) {
	defer func(w []time.Duration) { *RetryWait = w }(*RetryWait)
	*RetryWait = []time.Duration{0, 0, 0}
	h := fake.NewSecurityHub("eu-central-1")
	for _, id := range []string{"busy", "failing"} {
		h.Import(types.AwsSecurityFinding{Id: aws.String(id), ProductArn: aws.String(product), Workflow: &types.Workflow{Status: types.WorkflowStatusNew}})
	}
	h.Unprocess("busy", "ConcurrentUpdateError", 2)
	h.Unprocess("failing", "InternalFailure", 4)
	var us []Update
	for _, id := range []string{"busy", "failing", "unknown"} {
		us = append(us, Update{ID: id, ProductARN: product, Status: types.WorkflowStatusResolved, Note: "n"})
	}
	failed := Apply(context.Background(), h, us)

	if err := failed["busy"]; err != nil || h.Finding("busy").Workflow != types.WorkflowStatusResolved {
		t.Errorf("busy: %v", err)
	}
	if err := failed["failing"]; err == nil || !strings.Contains(err.Error(), "InternalFailure") {
		t.Errorf("failing: %v", err)
	}
	if err := failed["unknown"]; err == nil || !strings.Contains(err.Error(), "FindingNotFound") {
		t.Errorf("unknown: %v", err)
	}
	if n := len(h.Log.Calls()); n != 4 {
		t.Errorf("%d calls, want 1 and 3 retries", n)
	}
}
