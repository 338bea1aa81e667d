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

// TestGetChunksAndPages: 45 findings cost ceil(45/20) = 3 calls (20 filter
// values per attribute), each reading every page; only exact
// (Id, ProductArn) matches come back, in whatever state they are.
func TestGetChunksAndPages(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	var keys []Key
	for i := range 45 {
		f := genuine(fmt.Sprintf("finding-%02d", i))
		if i == 7 {
			f.Workflow.Status = types.WorkflowStatusSuppressed
		}
		h.Import(f)
		keys = append(keys, Key{ID: *f.Id, ProductARN: product})
	}
	// A forged finding with a genuine id, under an account's own product.
	forged := genuine("finding-03")
	forged.ProductArn = aws.String("arn:aws:securityhub:eu-central-1:444455556666:product/444455556666/default")
	h.Import(forged)
	keys = append(keys, Key{ID: "unknown", ProductARN: product}, keys[0]) // an unknown id and a duplicate

	held, err := Get(context.Background(), h, "eu-central-1", keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 45 {
		t.Errorf("%d findings held, want 45", len(held))
	}
	if f := held[Key{"finding-03", product}]; aws.ToString(f.ProductArn) != product {
		t.Errorf("finding-03 is %s, want Security Hub's own", aws.ToString(f.ProductArn))
	}
	if f := held[Key{"finding-07", product}]; f.Workflow.Status != types.WorkflowStatusSuppressed {
		t.Errorf("finding-07 workflow %s", f.Workflow.Status)
	}
	if _, ok := held[Key{"unknown", product}]; ok {
		t.Error("an unknown id was held")
	}
	if n := len(h.Log.Calls()); n != 3 {
		t.Errorf("%d GetFindings calls, want 3", n)
	}
}

func TestGetFailureNamesRegion(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	h.Log.Fail("SecurityHub/GetFindings", fake.APIError("AccessDeniedException", "not authorized to perform: securityhub:GetFindings"))
	_, err := Get(context.Background(), h, "eu-central-1", []Key{{"a", product}})
	if err == nil || !strings.Contains(err.Error(), "securityhub:GetFindings in eu-central-1") || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Errorf("err = %v", err)
	}
}
