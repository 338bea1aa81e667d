package hub

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"golang.org/x/sync/errgroup"
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
	var mu sync.Mutex
	held := make(map[Key]types.AwsSecurityFinding, len(unique))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(getParallel)
	for chunk := range slices.Chunk(unique, MaxFilterValues) {
		g.Go(func() error {
			fs, err := get(gctx, api, chunk)
			if err != nil {
				return fmt.Errorf("securityhub:GetFindings in %s (%d finding ids): %w", region, len(chunk), err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, f := range fs {
				if k := (Key{aws.ToString(f.Id), aws.ToString(f.ProductArn)}); want[k] {
					held[k] = f
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return held, nil
}

// getParallel bounds the GetFindings calls of one Get in flight: Security
// Hub allows 3 per second per account and region (burst 6), and the SDK's
// adaptive retryer slows down when it throttles.
const getParallel = 3

// get reads every page of the findings of one chunk of keys.
func get(ctx context.Context, api API, chunk []Key) ([]types.AwsSecurityFinding, error) {
	var ids, products []types.StringFilter
	seen := map[string]bool{}
	for _, k := range chunk {
		ids = append(ids, equals(k.ID))
		if !seen[k.ProductARN] {
			seen[k.ProductARN] = true
			products = append(products, equals(k.ProductARN))
		}
	}
	in := &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{Id: ids, ProductArn: products}}
	var out []types.AwsSecurityFinding
	pages := securityhub.NewGetFindingsPaginator(api, in, func(o *securityhub.GetFindingsPaginatorOptions) { o.Limit = maxResults })
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Findings...)
	}
	return out, nil
}

func equals(v string) types.StringFilter {
	return types.StringFilter{Comparison: types.StringFilterComparisonEquals, Value: aws.String(v)}
}
