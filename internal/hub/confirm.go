package hub

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// Key identifies a finding: Security Hub's findings are unique per Id and
// ProductArn, so an Id alone could name another product's finding.
type Key struct{ ID, ProductARN string }

// MaxFilterValues is the most values GetFindings takes for one filtered
// attribute (AwsSecurityFindingFilters: 10 attributes, 20 values each).
const MaxFilterValues = 20

// maxResults is the largest page GetFindings returns.
const maxResults = 100

// Get returns Security Hub's own copy of each of the findings it holds
// among keys. It asks once per MaxFilterValues findings (Id EQUALS any of
// theirs and ProductArn EQUALS any of theirs), reading every page, and
// keeps only exact (Id, ProductArn) matches. The records come back in any
// state (archived, resolved, suppressed …): judging them is the caller's.
// region names the hub in errors.
func Get(ctx context.Context, api API, region string, keys []Key) (map[Key]types.AwsSecurityFinding, error) {
	want := map[Key]bool{}
	var unique []Key
	for _, k := range keys {
		if !want[k] {
			want[k] = true
			unique = append(unique, k)
		}
	}
	held := make(map[Key]types.AwsSecurityFinding, len(unique))
	for chunk := range slices.Chunk(unique, MaxFilterValues) {
		var ids, products []types.StringFilter
		seen := map[string]bool{}
		for _, k := range chunk {
			ids = append(ids, equals(k.ID))
			if !seen[k.ProductARN] {
				seen[k.ProductARN] = true
				products = append(products, equals(k.ProductARN))
			}
		}
		in := &securityhub.GetFindingsInput{
			Filters:    &types.AwsSecurityFindingFilters{Id: ids, ProductArn: products},
			MaxResults: aws.Int32(maxResults),
		}
		for {
			out, err := api.GetFindings(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("securityhub:GetFindings in %s (%d finding ids): %w", region, len(chunk), err)
			}
			for _, f := range out.Findings {
				if k := (Key{aws.ToString(f.Id), aws.ToString(f.ProductArn)}); want[k] {
					held[k] = f
				}
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	return held, nil
}

func equals(v string) types.StringFilter {
	return types.StringFilter{Comparison: types.StringFilterComparisonEquals, Value: aws.String(v)}
}
