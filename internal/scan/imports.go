package scan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"golang.org/x/sync/errgroup"

	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/report"
)

// SecurityHub is what an import calls in a member account and region,
// with the member role: the account's own findings.
type SecurityHub interface {
	BatchImportFindings(context.Context, *securityhub.BatchImportFindingsInput, ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error)
	GetFindings(context.Context, *securityhub.GetFindingsInput, ...func(*securityhub.Options)) (*securityhub.GetFindingsOutput, error)
}

// Hubs gives the Security Hub of a member account and region.
type Hubs func(ctx context.Context, partition, account, region string) (SecurityHub, error)

// ImportPermissions are what an import calls in each account: it reads
// the account's earlier cisguard findings and imports under the account's
// own default product (the member policy scopes it to that product).
var ImportPermissions = controls.ImportPermissions

// Imported is what an import did.
type Imported struct {
	// Findings were imported (created or updated); Archived were earlier
	// findings no longer produced, now ARCHIVED.
	Findings, Archived int
	// Skipped counts ERROR results, which are not imported: they say
	// nothing about compliance.
	Skipped int
	// Failures name each account and region whose import failed, and why.
	Failures []string
}

func (i *Imported) String() string {
	s := fmt.Sprintf("imported %d finding(s), archived %d no longer found", i.Findings, i.Archived)
	if i.Skipped > 0 {
		s += fmt.Sprintf("; %d ERROR result(s) not imported (they say nothing about compliance)", i.Skipped)
	}
	if len(i.Failures) > 0 {
		s += fmt.Sprintf("; %d account/region(s) failed: %s", len(i.Failures), strings.Join(i.Failures, "; "))
	}
	return s
}

// Import sends the results to Security Hub with BatchImportFindings, in
// the account and region each belongs to, 100 at a time, under the
// account's default product with stable finding ids; earlier cisguard
// findings of the scanned recommendations that this scan did not produce
// are re-imported ARCHIVED. It returns what it did; a failing account or
// region is reported, not fatal.
func Import(ctx context.Context, hubs Hubs, rep *report.Report, scanned []string, parallel int) *Imported {
	type place struct{ partition, account, region string }
	groups := map[place][]report.Result{}
	var order []place
	for _, r := range rep.Results {
		p := place{r.Partition, r.Account, r.Region}
		if _, ok := groups[p]; !ok {
			order = append(order, p)
		}
		groups[p] = append(groups[p], r)
	}
	res := &Imported{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(context.WithoutCancel(ctx))
	g.SetLimit(max(parallel, 1))
	for _, p := range order {
		g.Go(func() error {
			n, archived, skipped, err := importPlace(gctx, hubs, p.partition, p.account, p.region, groups[p], scanned, rep.Started)
			mu.Lock()
			defer mu.Unlock()
			res.Findings += n
			res.Archived += archived
			res.Skipped += skipped
			if err != nil {
				res.Failures = append(res.Failures, fmt.Sprintf("account %s region %s: %v", p.account, p.region, err))
			}
			return nil
		})
	}
	_ = g.Wait()
	slices.Sort(res.Failures)
	return res
}

// importPlace imports one account and region's results and archives what
// is gone.
func importPlace(ctx context.Context, hubs Hubs, partition, account, region string, results []report.Result, scanned []string, now time.Time) (imported, archived, skipped int, err error) {
	ctx = perms.Declare(ctx, "import", ImportPermissions)
	hub, err := hubs(ctx, partition, account, region)
	if err != nil {
		return 0, 0, 0, err
	}
	product := report.ProductARN(partition, account, region)
	earlier, err := earlierFindings(ctx, hub, product)
	if err != nil {
		return 0, 0, 0, err
	}
	var fs []shtypes.AwsSecurityFinding
	seen := map[string]bool{}
	for _, r := range results {
		seen[report.FindingID(r)] = true // an ERROR keeps its earlier finding as it was
		f, ok := report.Finding(r, now)
		if !ok {
			skipped++
			continue
		}
		if old, ok := earlier[aws.ToString(f.Id)]; ok && old.CreatedAt != nil {
			f.CreatedAt = old.CreatedAt // first seen
		}
		fs = append(fs, f)
	}
	imported = len(fs)
	stamp := aws.String(now.UTC().Format(time.RFC3339))
	for id, old := range earlier {
		cis := strings.TrimPrefix(aws.ToString(old.GeneratorId), report.GeneratorPrefix)
		if seen[id] || !slices.Contains(scanned, cis) {
			continue
		}
		a := shtypes.AwsSecurityFinding{SchemaVersion: old.SchemaVersion, Id: old.Id, ProductArn: old.ProductArn, GeneratorId: old.GeneratorId,
			AwsAccountId: old.AwsAccountId, Region: old.Region, Types: old.Types, CreatedAt: old.CreatedAt, UpdatedAt: stamp, Severity: old.Severity,
			Title: old.Title, Description: old.Description, Compliance: old.Compliance, Resources: old.Resources, RecordState: shtypes.RecordStateArchived}
		fs = append(fs, a)
		archived++
	}
	for chunk := range slices.Chunk(fs, 100) {
		out, err := hub.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: chunk})
		if err != nil {
			return 0, 0, skipped, fmt.Errorf("securityhub:BatchImportFindings under %s: %w", product, err)
		}
		if n := len(out.FailedFindings); n > 0 {
			e := out.FailedFindings[0]
			return 0, 0, skipped, fmt.Errorf("securityhub:BatchImportFindings under %s: %d finding(s) refused, first %s: %s %s", product, n, aws.ToString(e.Id), aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
		}
	}
	return imported, archived, skipped, nil
}

// earlierFindings returns the active findings cisguard imported before
// under the product, by id.
func earlierFindings(ctx context.Context, hub SecurityHub, product string) (map[string]shtypes.AwsSecurityFinding, error) {
	out := map[string]shtypes.AwsSecurityFinding{}
	in := &securityhub.GetFindingsInput{MaxResults: aws.Int32(100), Filters: &shtypes.AwsSecurityFindingFilters{
		ProductArn:  []shtypes.StringFilter{{Value: aws.String(product), Comparison: shtypes.StringFilterComparisonEquals}},
		GeneratorId: []shtypes.StringFilter{{Value: aws.String(report.GeneratorPrefix), Comparison: shtypes.StringFilterComparisonPrefix}},
		RecordState: []shtypes.StringFilter{{Value: aws.String(string(shtypes.RecordStateActive)), Comparison: shtypes.StringFilterComparisonEquals}},
	}}
	for {
		pg, err := hub.GetFindings(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("securityhub:GetFindings of cisguard's earlier findings under %s: %w", product, err)
		}
		for _, f := range pg.Findings {
			out[aws.ToString(f.Id)] = f
		}
		if aws.ToString(pg.NextToken) == "" {
			return out, nil
		}
		in.NextToken = pg.NextToken
	}
}
