package hub

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// CIS140 is the CIS AWS Foundations Benchmark v1.4.0 standard as control
// findings name it in Compliance.AssociatedStandards, in both forms
// (consolidated and standard-specific).
const CIS140 = "standards/cis-aws-foundations-benchmark/v/1.4.0"

// Query selects the backlog: the ACTIVE, FAILED, NEW findings of CIS
// v1.4.0 that Security Hub holds.
type Query struct {
	// Controls are Security Hub control ids (EC2.2, CloudWatch.1); every
	// control of the standard when empty.
	Controls []string
	// Accounts are member account ids; every account when empty.
	Accounts []string
	// Limit stops reading after that many findings; 0 reads them all.
	Limit int
}

// Backlog returns the findings of q that Security Hub holds in region:
// filtered server-side (record state, compliance and workflow status,
// AWS's own control findings associated with CIS v1.4.0, and the controls
// and accounts asked for), every page. GetFindings takes at most
// MaxFilterValues values per attribute, so a long list of controls or
// accounts is asked in chunks: one query per chunk of controls and chunk
// of accounts. The findings come back as Security Hub holds them; judging
// them (provenance, ownership) is the engine's.
func Backlog(ctx context.Context, api API, region string, q Query) ([]types.AwsSecurityFinding, error) {
	var out []types.AwsSecurityFinding
	for _, controls := range chunks(q.Controls) {
		for _, accounts := range chunks(q.Accounts) {
			in := &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{
				RecordState:                     []types.StringFilter{equals(string(types.RecordStateActive))},
				ComplianceStatus:                []types.StringFilter{equals(string(types.ComplianceStatusFailed))},
				WorkflowStatus:                  []types.StringFilter{equals(string(types.WorkflowStatusNew))},
				CompanyName:                     []types.StringFilter{equals("AWS")},
				ComplianceAssociatedStandardsId: []types.StringFilter{equals(CIS140)},
				ComplianceSecurityControlId:     equalsAny(controls),
				AwsAccountId:                    equalsAny(accounts),
			}}
			size := int32(maxResults)
			if q.Limit > 0 {
				size = int32(min(maxResults, q.Limit-len(out)))
			}
			pages := securityhub.NewGetFindingsPaginator(api, in, func(o *securityhub.GetFindingsPaginatorOptions) { o.Limit = size })
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					return out, fmt.Errorf("securityhub:GetFindings in %s: %w", region, err)
				}
				out = append(out, page.Findings...)
				if q.Limit > 0 && len(out) >= q.Limit {
					return out[:q.Limit], nil
				}
			}
		}
	}
	return out, nil
}

// chunks splits values into groups of at most MaxFilterValues; no values
// is one empty group (no filter on that attribute).
func chunks(values []string) [][]string {
	if len(values) == 0 {
		return [][]string{nil}
	}
	return slices.Collect(slices.Chunk(values, MaxFilterValues))
}

func equalsAny(values []string) []types.StringFilter {
	var out []types.StringFilter
	for _, v := range values {
		out = append(out, equals(v))
	}
	return out
}

// AggregationRegion returns the home region of Security Hub's cross-Region
// aggregation (where the findings of every linked region are), or "" when
// the account has no finding aggregator. api may be in any region.
func AggregationRegion(ctx context.Context, api API) (string, error) {
	list, err := api.ListFindingAggregators(ctx, &securityhub.ListFindingAggregatorsInput{})
	if err != nil {
		return "", fmt.Errorf("securityhub:ListFindingAggregators: %w", err)
	}
	if len(list.FindingAggregators) == 0 {
		return "", nil
	}
	arn := list.FindingAggregators[0].FindingAggregatorArn
	g, err := api.GetFindingAggregator(ctx, &securityhub.GetFindingAggregatorInput{FindingAggregatorArn: arn})
	if err != nil {
		return "", fmt.Errorf("securityhub:GetFindingAggregator %s: %w", aws.ToString(arn), err)
	}
	return aws.ToString(g.FindingAggregationRegion), nil
}
