package hub_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	. "github.com/cisguard/cisguard/internal/hub"
)

// cis is a genuine CIS v1.4.0 control finding of an account and control.
func cis(id, account, control string) types.AwsSecurityFinding {
	f := genuine(id)
	f.AwsAccountId = aws.String(account)
	f.Compliance.SecurityControlId = aws.String(control)
	f.Compliance.AssociatedStandards = []types.AssociatedStandard{{StandardsId: aws.String("standards/aws-foundational-security-best-practices/v/1.0.0")}, {StandardsId: aws.String(CIS140)}}
	return f
}

func getFindingsCalls(h *fake.SecurityHub) int {
	n := 0
	for _, c := range h.Log.Calls() {
		if c.Operation == "GetFindings" {
			n++
		}
	}
	return n
}

// TestBacklogFiltersServerSide: only ACTIVE, FAILED, NEW control findings
// of AWS associated with CIS v1.4.0 come back, every page of them.
func TestBacklogFiltersServerSide(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	for i := range 230 {
		h.Import(cis(fmt.Sprintf("new-%03d", i), "444455556666", "EC2.2"))
	}
	others := map[string]func(*types.AwsSecurityFinding){
		"notified": func(f *types.AwsSecurityFinding) { f.Workflow.Status = types.WorkflowStatusNotified },
		"passed":   func(f *types.AwsSecurityFinding) { f.Compliance.Status = types.ComplianceStatusPassed },
		"archived": func(f *types.AwsSecurityFinding) { f.RecordState = types.RecordStateArchived },
		"fsbp-only": func(f *types.AwsSecurityFinding) {
			f.Compliance.AssociatedStandards = f.Compliance.AssociatedStandards[:1]
		},
		"other-company": func(f *types.AwsSecurityFinding) { f.CompanyName = aws.String("Example Corp") },
	}
	for id, change := range others {
		f := cis(id, "444455556666", "EC2.2")
		change(&f)
		h.Import(f)
	}
	got, err := Backlog(context.Background(), h, "eu-central-1", Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 230 {
		t.Errorf("%d findings, want 230", len(got))
	}
	for _, f := range got {
		if _, other := others[aws.ToString(f.Id)]; other {
			t.Errorf("%s came back", aws.ToString(f.Id))
		}
	}
	if n := getFindingsCalls(h); n != 3 {
		t.Errorf("%d GetFindings calls, want 3 pages of 100", n)
	}
}

// TestBacklogChunksFilterValues: 25 controls and 21 accounts exceed the 20
// values GetFindings takes per attribute (the fake refuses more): 2 × 2
// queries, each finding found once.
func TestBacklogChunksFilterValues(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	var controls, accounts []string
	for i := range 25 {
		controls = append(controls, fmt.Sprintf("Ctl.%d", i))
	}
	for i := range 21 {
		accounts = append(accounts, fmt.Sprintf("1000000000%02d", i))
	}
	h.Import(cis("first", accounts[0], controls[0]), cis("last", accounts[20], controls[24]), cis("unasked", "999999999999", controls[3]), cis("unasked-control", accounts[1], "Other.1"))
	got, err := Backlog(context.Background(), h, "eu-central-1", Query{Controls: controls, Accounts: accounts})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range got {
		ids = append(ids, aws.ToString(f.Id))
	}
	if fmt.Sprint(ids) != "[first last]" {
		t.Errorf("findings %v, want [first last]", ids)
	}
	if n := getFindingsCalls(h); n != 4 {
		t.Errorf("%d GetFindings calls, want 4", n)
	}
}

// TestBacklogLimit stops reading at the limit, asking no more than needed.
func TestBacklogLimit(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	for i := range 300 {
		h.Import(cis(fmt.Sprintf("f-%03d", i), "444455556666", "EC2.2"))
	}
	got, err := Backlog(context.Background(), h, "eu-central-1", Query{Limit: 130})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 130 || aws.ToString(got[129].Id) != "f-129" {
		t.Errorf("%d findings", len(got))
	}
	if n := getFindingsCalls(h); n != 2 {
		t.Errorf("%d calls, want 2 (100, then 30)", n)
	}
}

func TestBacklogFailureNamesRegion(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	h.Log.Fail("SecurityHub/GetFindings", fake.APIError("AccessDeniedException", "not authorized"))
	if _, err := Backlog(context.Background(), h, "eu-central-1", Query{}); err == nil || err.Error() != "securityhub:GetFindings in eu-central-1: api error AccessDeniedException: not authorized" {
		t.Errorf("err = %v", err)
	}
}

func TestAggregationRegion(t *testing.T) {
	w := fake.NewOrg("222233334444")
	if r, err := AggregationRegion(context.Background(), w.Hub("eu-west-1")); r != "" || err != nil {
		t.Errorf("no aggregator: %q %v", r, err)
	}
	w.Aggregate("us-east-1", "eu-west-1", "eu-central-1")
	if r, err := AggregationRegion(context.Background(), w.Hub("eu-west-1")); r != "us-east-1" || err != nil {
		t.Errorf("aggregator: %q %v", r, err)
	}
}
