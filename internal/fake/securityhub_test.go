package fake

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

func sampleHub(t *testing.T) *SecurityHub {
	t.Helper()
	h := NewSecurityHub("eu-central-1")
	for _, name := range []string{"imported-standard-5.3.json", "custom-action-two-findings.json", "imported-mixed-states.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := h.ImportJSON(b); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func eq(v string) types.StringFilter {
	return types.StringFilter{Comparison: types.StringFilterComparisonEquals, Value: aws.String(v)}
}

func TestGetFindingsFilters(t *testing.T) {
	h := sampleHub(t)
	count := func(f *types.AwsSecurityFindingFilters) int {
		t.Helper()
		out, err := h.GetFindings(context.Background(), &securityhub.GetFindingsInput{Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Findings)
	}
	all := count(nil)
	if all != 7 {
		t.Fatalf("%d findings held", all)
	}
	if n := count(&types.AwsSecurityFindingFilters{WorkflowStatus: []types.StringFilter{eq("NOTIFIED")}}); n != 1 {
		t.Errorf("WorkflowStatus NOTIFIED: %d", n)
	}
	if n := count(&types.AwsSecurityFindingFilters{RecordState: []types.StringFilter{eq("ACTIVE")}, ComplianceStatus: []types.StringFilter{eq("FAILED")}}); n != 5 {
		t.Errorf("ACTIVE and FAILED: %d", n)
	}
	if n := count(&types.AwsSecurityFindingFilters{RecordState: []types.StringFilter{{Comparison: types.StringFilterComparisonNotEquals, Value: aws.String("ACTIVE")}}}); n != 1 {
		t.Errorf("not ACTIVE: %d", n)
	}
	if n := count(&types.AwsSecurityFindingFilters{ComplianceSecurityControlId: []types.StringFilter{eq("EC2.2"), eq("EC2.7")}}); n < 3 {
		t.Errorf("EC2.2 or EC2.7: %d", n)
	}
	if n := count(&types.AwsSecurityFindingFilters{Id: []types.StringFilter{{Comparison: types.StringFilterComparisonPrefix, Value: aws.String("arn:aws:securityhub:eu-central-1:444455556666:subscription/")}}}); n == 0 || n == all {
		t.Errorf("Id PREFIX: %d of %d", n, all)
	}
}

func TestGetFindingsValidation(t *testing.T) {
	h := sampleHub(t)
	var many []types.StringFilter
	for i := range 21 {
		many = append(many, eq(fmt.Sprintf("id-%d", i)))
	}
	eleven := &types.AwsSecurityFindingFilters{}
	for _, p := range []*[]types.StringFilter{&eleven.Id, &eleven.ProductArn, &eleven.AwsAccountId, &eleven.GeneratorId, &eleven.Region, &eleven.CompanyName,
		&eleven.RecordState, &eleven.WorkflowStatus, &eleven.ComplianceStatus, &eleven.ComplianceSecurityControlId, &eleven.ResourceId} {
		*p = []types.StringFilter{eq("x")}
	}
	tests := []struct {
		name string
		in   *securityhub.GetFindingsInput
		want string
	}{
		{"21 values", &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{Id: many}}, "at most 20 filter values"},
		{"11 attributes", &securityhub.GetFindingsInput{Filters: eleven}, "at most 10 attributes"},
		{"EQUALS with NOT_EQUALS", &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{Id: []types.StringFilter{eq("a"), {Comparison: types.StringFilterComparisonNotEquals, Value: aws.String("b")}}}}, "EQUALS cannot be combined"},
		{"CONTAINS with EQUALS", &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{Id: []types.StringFilter{eq("a"), {Comparison: types.StringFilterComparisonContains, Value: aws.String("b")}}}}, "their own kind"},
		{"empty value", &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{Id: []types.StringFilter{eq("")}}}, "must not be empty"},
		{"no comparison", &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{Id: []types.StringFilter{{Value: aws.String("a")}}}}, "invalid comparison"},
		{"MaxResults 0", &securityhub.GetFindingsInput{MaxResults: aws.Int32(0)}, "MaxResults"},
		{"MaxResults 101", &securityhub.GetFindingsInput{MaxResults: aws.Int32(101)}, "MaxResults"},
		{"forged token", &securityhub.GetFindingsInput{NextToken: aws.String("abc")}, "NextToken"},
		{"unimplemented filter", &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{Title: []types.StringFilter{eq("x")}}}, "not implemented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.GetFindings(context.Background(), tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestGetFindingsPages(t *testing.T) {
	h := sampleHub(t)
	in := &securityhub.GetFindingsInput{MaxResults: aws.Int32(4)}
	seen, calls := 0, 0
	for {
		out, err := h.GetFindings(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		calls++
		seen += len(out.Findings)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if seen != 7 || calls != 2 {
		t.Errorf("%d findings in %d pages", seen, calls)
	}
}
