package fake

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// AccessAnalyzer is a fake IAM Access Analyzer in one region. As in AWS,
// an account outside an organization's management (or delegated
// administrator) account has at most one analyzer with the account as
// zone of trust per region, names are unique per region, and the first
// analyzer of the account creates Access Analyzer's service-linked role
// (iam:CreateServiceLinkedRole).
type AccessAnalyzer struct{ svc }

type analyzerState struct{ analyzers []types.AnalyzerSummary }

// AccessAnalyzerSLR is the service-linked role CreateAnalyzer creates.
const AccessAnalyzerSLR = "AWSServiceRoleForAccessAnalyzer"

func (c clients) AccessAnalyzer() awsapi.AccessAnalyzer { return c.a.AccessAnalyzer(c.region) }

// AccessAnalyzer returns the account's Access Analyzer in a region.
func (a *Account) AccessAnalyzer(region string) *AccessAnalyzer {
	return &AccessAnalyzer{svc{a, region, "AccessAnalyzer"}}
}

func (f *AccessAnalyzer) st() *analyzerState {
	return stateOf(f.a, "accessanalyzer/"+f.region, func() *analyzerState { return &analyzerState{} })
}

// AddAnalyzer seeds an analyzer of a type and status and returns its ARN.
func (f *AccessAnalyzer) AddAnalyzer(name string, typ types.Type, status types.AnalyzerStatus) string {
	f.a.mu.Lock()
	defer f.a.mu.Unlock()
	return f.add(name, typ, status, nil)
}

func (f *AccessAnalyzer) add(name string, typ types.Type, status types.AnalyzerStatus, tags map[string]string) string {
	arn := fmt.Sprintf("arn:%s:access-analyzer:%s:%s:analyzer/%s", f.a.Partition, f.region, f.a.ID, name)
	s := types.AnalyzerSummary{Arn: aws.String(arn), Name: aws.String(name), Type: typ, Status: status, CreatedAt: aws.Time(CredentialReportTime), Tags: tags}
	if status == types.AnalyzerStatusDisabled || status == types.AnalyzerStatusFailed {
		s.StatusReason = &types.StatusReason{Code: types.ReasonCodeAwsServiceAccessDisabled}
	}
	f.st().analyzers = append(f.st().analyzers, s)
	return arn
}

// Analyzers returns the region's analyzers.
func (f *AccessAnalyzer) Analyzers() []types.AnalyzerSummary {
	f.a.mu.Lock()
	defer f.a.mu.Unlock()
	return slices.Clone(f.st().analyzers)
}

// ListAnalyzers lists the region's analyzers of a type (all without one),
// MaxResults a page (default 10, so callers must page).
func (f *AccessAnalyzer) ListAnalyzers(ctx context.Context, in *accessanalyzer.ListAnalyzersInput, _ ...func(*accessanalyzer.Options)) (*accessanalyzer.ListAnalyzersOutput, error) {
	unlock, err := f.call(ctx, "ListAnalyzers")
	defer unlock()
	if err != nil {
		return nil, err
	}
	var all []types.AnalyzerSummary
	for _, a := range f.st().analyzers {
		if in.Type == "" || a.Type == in.Type {
			all = append(all, a)
		}
	}
	items, next, err := page(all, in.NextToken, aws.ToInt32(in.MaxResults), 10)
	if err != nil {
		return nil, err
	}
	return &accessanalyzer.ListAnalyzersOutput{Analyzers: items, NextToken: next}, nil
}

var analyzerName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,254}$`)

// CreateAnalyzer creates an ACCOUNT analyzer, ACTIVE at once (AWS shows
// CREATING for a moment).
func (f *AccessAnalyzer) CreateAnalyzer(ctx context.Context, in *accessanalyzer.CreateAnalyzerInput, _ ...func(*accessanalyzer.Options)) (*accessanalyzer.CreateAnalyzerOutput, error) {
	unlock, err := f.call(ctx, "CreateAnalyzer")
	defer unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.AnalyzerName)
	switch {
	case !analyzerName.MatchString(name):
		return nil, APIError("ValidationException", "invalid analyzer name %q", name)
	case in.Type != types.TypeAccount:
		return nil, APIError("ValidationException", "the fake creates only ACCOUNT analyzers (a member account cannot create ORGANIZATION ones), not %q", in.Type)
	case slices.ContainsFunc(f.st().analyzers, func(a types.AnalyzerSummary) bool { return aws.ToString(a.Name) == name }):
		return nil, APIError("ConflictException", "analyzer %s already exists", name)
	case slices.ContainsFunc(f.st().analyzers, func(a types.AnalyzerSummary) bool { return a.Type == types.TypeAccount }):
		return nil, APIError("ServiceQuotaExceededException", "an account may have one analyzer with the account as zone of trust per region")
	}
	if len(in.Tags) > 0 {
		if err := f.implied(ctx, "TagResource"); err != nil {
			return nil, err
		}
	}
	st := iamOf(f.a)
	if st.role(AccessAnalyzerSLR) == nil {
		if err := (svc{f.a, f.region, "IAM"}).implied(ctx, "CreateServiceLinkedRole"); err != nil {
			return nil, err
		}
		path := "/aws-service-role/access-analyzer.amazonaws.com/"
		st.roles = append(st.roles, &Role{Name: AccessAnalyzerSLR, Path: path, ARN: fmt.Sprintf("arn:%s:iam::%s:role%s%s", f.a.Partition, f.a.ID, path, AccessAnalyzerSLR), Created: CredentialReportTime})
	}
	return &accessanalyzer.CreateAnalyzerOutput{Arn: aws.String(f.add(name, in.Type, types.AnalyzerStatusActive, in.Tags))}, nil
}
