package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// SecurityHub is a fake Security Hub administrator in one region: it holds
// full findings (the SDK's AwsSecurityFinding), answers GetFindings with
// AWS's filter semantics, limits and pagination, and updates workflow and
// note as BatchUpdateFindings does.
type SecurityHub struct {
	Log *Log
	// Region is the hub's region.
	Region string
	// Caller is the account calling, for a member account's own hub
	// (Account.SecurityHub): BatchImportFindings takes findings of its
	// default product only. "" for the administrator's hub.
	Caller string

	mu       sync.Mutex
	findings []*types.AwsSecurityFinding // in import order, the order GetFindings returns
	// aggregator is the account's finding aggregator (Org.Aggregate), the
	// same in every region; nil when there is none.
	aggregator *Aggregator
	busy       map[string][]string // finding id → codes of the next updates left unprocessed
}

// Unprocess makes the next n BatchUpdateFindings calls that name a finding
// leave it unprocessed with code (ConcurrentUpdateError, InternalFailure),
// as Security Hub does when another request is updating it.
func (h *SecurityHub) Unprocess(id, code string, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.busy == nil {
		h.busy = map[string][]string{}
	}
	for range n {
		h.busy[id] = append(h.busy[id], code)
	}
}

// Aggregator is cross-Region aggregation: findings of the linked regions
// are also held in the home region.
type Aggregator struct {
	ARN, Home string
	Linked    []string
}

// ListFindingAggregators lists the account's one aggregator, if any.
func (h *SecurityHub) ListFindingAggregators(ctx context.Context, in *securityhub.ListFindingAggregatorsInput, _ ...func(*securityhub.Options)) (*securityhub.ListFindingAggregatorsOutput, error) {
	if err := h.Log.record(ctx, "SecurityHub", h.Region, "ListFindingAggregators"); err != nil {
		return nil, err
	}
	out := &securityhub.ListFindingAggregatorsOutput{}
	if a := h.aggregation(); a != nil {
		out.FindingAggregators = []types.FindingAggregator{{FindingAggregatorArn: aws.String(a.ARN)}}
	}
	return out, nil
}

func (h *SecurityHub) aggregation() *Aggregator {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.aggregator
}

func (h *SecurityHub) setAggregator(a *Aggregator) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.aggregator = a
}

// GetFindingAggregator describes the aggregator by its ARN.
func (h *SecurityHub) GetFindingAggregator(ctx context.Context, in *securityhub.GetFindingAggregatorInput, _ ...func(*securityhub.Options)) (*securityhub.GetFindingAggregatorOutput, error) {
	if err := h.Log.record(ctx, "SecurityHub", h.Region, "GetFindingAggregator"); err != nil {
		return nil, err
	}
	a := h.aggregation()
	if a == nil || aws.ToString(in.FindingAggregatorArn) != a.ARN {
		return nil, APIError("ResourceNotFoundException", "finding aggregator %s not found", aws.ToString(in.FindingAggregatorArn))
	}
	return &securityhub.GetFindingAggregatorOutput{FindingAggregatorArn: aws.String(a.ARN), FindingAggregationRegion: aws.String(a.Home),
		RegionLinkingMode: aws.String("SPECIFIED_REGIONS"), Regions: a.Linked}, nil
}

// NewSecurityHub returns an empty hub.
func NewSecurityHub(region string) *SecurityHub {
	return &SecurityHub{Log: &Log{}, Region: region}
}

// Import seeds findings as Security Hub holds them; a finding with the Id
// and ProductArn of one held is replaced, as BatchImportFindings does.
func (h *SecurityHub) Import(fs ...types.AwsSecurityFinding) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range fs {
		c := clone(f)
		if i := h.find(aws.ToString(f.Id), aws.ToString(f.ProductArn)); i >= 0 {
			h.findings[i] = c
			continue
		}
		h.findings = append(h.findings, c)
	}
}

// ImportJSON seeds the findings of an EventBridge event or an ASFF array
// ([...] or {"Findings": [...]}), decoded into the SDK's types.
func (h *SecurityHub) ImportJSON(data []byte) error {
	fs, err := ParseASFF(data)
	if err != nil {
		return err
	}
	h.Import(fs...)
	return nil
}

// ParseASFF decodes the findings of an EventBridge event or an ASFF array
// into the SDK's type (whose field names are ASFF's member names).
func ParseASFF(data []byte) ([]types.AwsSecurityFinding, error) {
	var env struct {
		Detail *struct {
			Findings []types.AwsSecurityFinding `json:"findings"`
		} `json:"detail"`
		Findings []types.AwsSecurityFinding `json:"Findings"`
	}
	if strings.HasPrefix(strings.TrimSpace(string(data)), "[") {
		var fs []types.AwsSecurityFinding
		if err := json.Unmarshal(data, &fs); err != nil {
			return nil, fmt.Errorf("fake: not ASFF: %w", err)
		}
		return fs, nil
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("fake: not ASFF: %w", err)
	}
	if env.Detail != nil {
		return env.Detail.Findings, nil
	}
	return env.Findings, nil
}

// Update changes a held finding (the first with that Id), as time or an
// analyst would; it fails the test's setup if there is none.
func (h *SecurityHub) Update(id string, change func(*types.AwsSecurityFinding)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.findings {
		if aws.ToString(f.Id) == id {
			change(f)
			return
		}
	}
	panic("fake: Security Hub holds no finding " + id)
}

// HubFinding is the state of a finding in the fake hub.
type HubFinding struct {
	ID, ProductARN string
	Workflow       types.WorkflowStatus
	Note           string
}

// Finding returns the state of the first finding held with that Id, or nil.
func (h *SecurityHub) Finding(id string) *HubFinding {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.findings {
		if aws.ToString(f.Id) == id {
			s := &HubFinding{ID: id, ProductARN: aws.ToString(f.ProductArn)}
			if f.Workflow != nil {
				s.Workflow = f.Workflow.Status
			}
			if f.Note != nil {
				s.Note = aws.ToString(f.Note.Text)
			}
			return s
		}
	}
	return nil
}

func (h *SecurityHub) find(id, product string) int {
	for i, f := range h.findings {
		if aws.ToString(f.Id) == id && aws.ToString(f.ProductArn) == product {
			return i
		}
	}
	return -1
}

// clone deep-copies a finding through JSON, so callers never share state.
func clone(f types.AwsSecurityFinding) *types.AwsSecurityFinding {
	b, err := json.Marshal(f)
	if err != nil {
		panic(err)
	}
	var c types.AwsSecurityFinding
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}

// GetFindings returns the findings that match the filters, a page at a
// time. It enforces what AWS documents: at most 10 filtered attributes and
// 20 values per attribute, a known comparison and a non-empty value in
// every string filter, EQUALS not mixed with NOT_EQUALS or
// PREFIX_NOT_EQUALS on one attribute, CONTAINS only with CONTAINS and
// NOT_CONTAINS only with NOT_CONTAINS, MaxResults from 1 to 100 (default
// 100), and only tokens it issued. Filters on attributes it does not
// implement are refused rather than ignored.
func (h *SecurityHub) GetFindings(ctx context.Context, in *securityhub.GetFindingsInput, _ ...func(*securityhub.Options)) (*securityhub.GetFindingsOutput, error) {
	if err := h.Log.record(ctx, "SecurityHub", h.Region, "GetFindings"); err != nil {
		return nil, err
	}
	if in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > 100) {
		return nil, APIError("InvalidInputException", "MaxResults must be between 1 and 100, got %d", *in.MaxResults)
	}
	if len(in.SortCriteria) > 0 {
		return nil, fmt.Errorf("fake: GetFindings SortCriteria not implemented")
	}
	match, err := compileFilters(in.Filters)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var hits []*types.AwsSecurityFinding
	for _, f := range h.findings {
		if match(f) {
			hits = append(hits, f)
		}
	}
	pg, next, err := page(hits, in.NextToken, aws.ToInt32(in.MaxResults), 100)
	if err != nil {
		return nil, APIError("InvalidInputException", "invalid NextToken")
	}
	out := &securityhub.GetFindingsOutput{NextToken: next, Findings: make([]types.AwsSecurityFinding, len(pg))}
	for i, f := range pg {
		out.Findings[i] = *clone(*f) // only the page is copied
	}
	return out, nil
}

// findingAttributes are the filter attributes the fake implements, each
// with the values a finding has for it.
var findingAttributes = map[string]func(*types.AwsSecurityFinding) []string{
	"Id":           func(f *types.AwsSecurityFinding) []string { return []string{aws.ToString(f.Id)} },
	"ProductArn":   func(f *types.AwsSecurityFinding) []string { return []string{aws.ToString(f.ProductArn)} },
	"AwsAccountId": func(f *types.AwsSecurityFinding) []string { return []string{aws.ToString(f.AwsAccountId)} },
	"GeneratorId":  func(f *types.AwsSecurityFinding) []string { return []string{aws.ToString(f.GeneratorId)} },
	"Region":       func(f *types.AwsSecurityFinding) []string { return []string{aws.ToString(f.Region)} },
	"CompanyName":  func(f *types.AwsSecurityFinding) []string { return []string{aws.ToString(f.CompanyName)} },
	"ProductName":  func(f *types.AwsSecurityFinding) []string { return []string{aws.ToString(f.ProductName)} },
	"ComplianceAssociatedStandardsId": func(f *types.AwsSecurityFinding) []string {
		if f.Compliance == nil {
			return []string{""}
		}
		var ids []string
		for _, s := range f.Compliance.AssociatedStandards {
			ids = append(ids, aws.ToString(s.StandardsId))
		}
		return ids
	},
	"RecordState": func(f *types.AwsSecurityFinding) []string { return []string{string(f.RecordState)} },
	"WorkflowStatus": func(f *types.AwsSecurityFinding) []string {
		if f.Workflow == nil {
			return []string{""}
		}
		return []string{string(f.Workflow.Status)}
	},
	"ComplianceStatus": func(f *types.AwsSecurityFinding) []string {
		if f.Compliance == nil {
			return []string{""}
		}
		return []string{string(f.Compliance.Status)}
	},
	"ComplianceSecurityControlId": func(f *types.AwsSecurityFinding) []string {
		if f.Compliance == nil {
			return []string{""}
		}
		return []string{aws.ToString(f.Compliance.SecurityControlId)}
	},
	"ResourceId": func(f *types.AwsSecurityFinding) []string {
		var ids []string
		for _, r := range f.Resources {
			ids = append(ids, aws.ToString(r.Id))
		}
		return ids
	},
}

// compileFilters validates the filters and returns the predicate they
// define: attributes are ANDed; on one attribute the positive comparisons
// (EQUALS, PREFIX, CONTAINS) are ORed and the negative ones ANDed.
func compileFilters(filters *types.AwsSecurityFindingFilters) (func(*types.AwsSecurityFinding) bool, error) {
	if filters == nil {
		return func(*types.AwsSecurityFinding) bool { return true }, nil
	}
	type attribute struct {
		values  func(*types.AwsSecurityFinding) []string
		filters []types.StringFilter
	}
	var attrs []attribute
	v := reflect.ValueOf(*filters)
	for i := range v.NumField() {
		field := v.Type().Field(i)
		fv := v.Field(i)
		if !field.IsExported() || fv.Kind() != reflect.Slice || fv.Len() == 0 {
			continue
		}
		if fv.Len() > 20 {
			return nil, APIError("InvalidInputException", "Filters.%s: at most 20 filter values, got %d", field.Name, fv.Len())
		}
		values, ok := findingAttributes[field.Name]
		sf, isString := fv.Interface().([]types.StringFilter)
		if !ok || !isString {
			return nil, fmt.Errorf("fake: GetFindings filter on %s not implemented", field.Name)
		}
		if err := checkStringFilters(field.Name, sf); err != nil {
			return nil, err
		}
		attrs = append(attrs, attribute{values, sf})
	}
	if len(attrs) > 10 {
		return nil, APIError("InvalidInputException", "Filters: at most 10 attributes, got %d", len(attrs))
	}
	return func(f *types.AwsSecurityFinding) bool {
		for _, a := range attrs {
			if !matchAttribute(a.values(f), a.filters) {
				return false
			}
		}
		return true
	}, nil
}

func checkStringFilters(name string, fs []types.StringFilter) error {
	has := map[types.StringFilterComparison]bool{}
	for _, f := range fs {
		switch f.Comparison {
		case types.StringFilterComparisonEquals, types.StringFilterComparisonPrefix, types.StringFilterComparisonContains,
			types.StringFilterComparisonNotEquals, types.StringFilterComparisonPrefixNotEquals, types.StringFilterComparisonNotContains:
		default:
			return APIError("InvalidInputException", "Filters.%s: invalid comparison %q", name, f.Comparison)
		}
		if aws.ToString(f.Value) == "" {
			return APIError("InvalidInputException", "Filters.%s: a filter value must not be empty", name)
		}
		has[f.Comparison] = true
	}
	switch {
	case has[types.StringFilterComparisonEquals] && (has[types.StringFilterComparisonNotEquals] || has[types.StringFilterComparisonPrefixNotEquals]):
		return APIError("InvalidInputException", "Filters.%s: EQUALS cannot be combined with NOT_EQUALS or PREFIX_NOT_EQUALS", name)
	case has[types.StringFilterComparisonContains] && len(has) > 1, has[types.StringFilterComparisonNotContains] && len(has) > 1:
		return APIError("InvalidInputException", "Filters.%s: CONTAINS and NOT_CONTAINS filters can only be combined with their own kind", name)
	}
	return nil
}

func matchAttribute(values []string, fs []types.StringFilter) bool {
	anyPositive, positive := false, false
	for _, f := range fs {
		want := aws.ToString(f.Value)
		hit := func(test func(v string) bool) bool {
			for _, v := range values {
				if test(v) {
					return true
				}
			}
			return false
		}
		switch f.Comparison {
		case types.StringFilterComparisonEquals:
			anyPositive = true
			positive = positive || hit(func(v string) bool { return v == want })
		case types.StringFilterComparisonPrefix:
			anyPositive = true
			positive = positive || hit(func(v string) bool { return strings.HasPrefix(v, want) })
		case types.StringFilterComparisonContains:
			anyPositive = true
			positive = positive || hit(func(v string) bool { return strings.Contains(v, want) })
		case types.StringFilterComparisonNotEquals:
			if hit(func(v string) bool { return v == want }) {
				return false
			}
		case types.StringFilterComparisonPrefixNotEquals:
			if hit(func(v string) bool { return strings.HasPrefix(v, want) }) {
				return false
			}
		case types.StringFilterComparisonNotContains:
			if hit(func(v string) bool { return strings.Contains(v, want) }) {
				return false
			}
		}
	}
	return !anyPositive || positive
}

// BatchUpdateFindings enforces the 1..100 identifiers limit and the note's
// rules, and reports unknown findings as unprocessed.
func (h *SecurityHub) BatchUpdateFindings(ctx context.Context, in *securityhub.BatchUpdateFindingsInput, _ ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsOutput, error) {
	if err := h.Log.record(ctx, "SecurityHub", h.Region, "BatchUpdateFindings"); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(in.FindingIdentifiers); n == 0 || n > 100 {
		return nil, APIError("InvalidInputException", "FindingIdentifiers must hold 1 to 100 items, got %d", n)
	}
	if in.Note != nil {
		if n := len(aws.ToString(in.Note.Text)); n == 0 || n > 512 || aws.ToString(in.Note.UpdatedBy) == "" {
			return nil, APIError("InvalidInputException", "Note.Text must hold 1 to 512 characters and Note.UpdatedBy is required")
		}
	}
	out := &securityhub.BatchUpdateFindingsOutput{}
	for _, id := range in.FindingIdentifiers {
		if codes := h.busy[aws.ToString(id.Id)]; len(codes) > 0 {
			h.busy[aws.ToString(id.Id)] = codes[1:]
			out.UnprocessedFindings = append(out.UnprocessedFindings, types.BatchUpdateFindingsUnprocessedFinding{
				FindingIdentifier: &id, ErrorCode: aws.String(codes[0]), ErrorMessage: aws.String("Security Hub could not update the finding now")})
			continue
		}
		i := h.find(aws.ToString(id.Id), aws.ToString(id.ProductArn))
		if i < 0 {
			out.UnprocessedFindings = append(out.UnprocessedFindings, types.BatchUpdateFindingsUnprocessedFinding{
				FindingIdentifier: &id, ErrorCode: aws.String("FindingNotFound"), ErrorMessage: aws.String("Finding not found")})
			continue
		}
		f := h.findings[i]
		if in.Workflow != nil && in.Workflow.Status != "" {
			f.Workflow = &types.Workflow{Status: in.Workflow.Status}
			f.WorkflowState = "" // deprecated; Security Hub keeps it in step, cisguard reads Workflow
		}
		if in.Note != nil {
			f.Note = &types.Note{Text: in.Note.Text, UpdatedBy: in.Note.UpdatedBy, UpdatedAt: aws.String("2026-11-26T00:00:00Z")}
		}
		out.ProcessedFindings = append(out.ProcessedFindings, id)
	}
	return out, nil
}

// RewriteEvent returns an EventBridge event (or ASFF array) with each of its
// findings changed by change, for tests that need a variant of a sample:
// another account, a forged product, a finding Security Hub resolved.
func RewriteEvent(data []byte, change func(i int, f *types.AwsSecurityFinding)) ([]byte, error) {
	fs, err := ParseASFF(data)
	if err != nil {
		return nil, err
	}
	for i := range fs {
		change(i, &fs[i])
	}
	if strings.HasPrefix(strings.TrimSpace(string(data)), "[") {
		return json.Marshal(fs)
	}
	var env map[string]any
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, err
	}
	if d, ok := env["detail"].(map[string]any); ok {
		d["findings"] = fs
	} else {
		env["Findings"] = fs
	}
	return json.Marshal(env)
}
