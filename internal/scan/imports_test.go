package scan_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/report"
	"github.com/cisguard/cisguard/internal/scan"
)

func orgHubs(org *fake.Org) scan.Hubs {
	return func(ctx context.Context, p, a, r string) (scan.SecurityHub, error) {
		return org.MemberHub(ctx, p, a, r)
	}
}

func hubFindings(t *testing.T, h *fake.SecurityHub) map[string]shtypes.AwsSecurityFinding {
	t.Helper()
	out := map[string]shtypes.AwsSecurityFinding{}
	var token *string
	for {
		pg, err := h.GetFindings(context.Background(), &securityhub.GetFindingsInput{NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range pg.Findings {
			out[aws.ToString(f.Id)] = f
		}
		if token = pg.NextToken; token == nil {
			return out
		}
	}
}

func TestImportFindings(t *testing.T) {
	org := fake.NewOrg("999999999999")
	a := org.Account("111122223333")
	a.SetRegions("us-east-1")
	for i := range 120 {
		a.AddBucket(fmt.Sprintf("bucket-%03d", i), "us-east-1")
	}
	opts := options(t, "us-east-1")
	opts.Controls = []string{"2.1.1", "2.1.2", "2.3.1"}
	scanned := []string{"2.1.1", "2.1.2", "2.3.1"}
	rep, err := scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	// One ERROR, which is not imported.
	rep.Results = append(rep.Results, report.Result{CIS: "2.2.1", Account: a.ID, Region: "us-east-1", Resource: "AWS::::Account:" + a.ID, Status: controls.Error, Reason: "Throttling"})
	a.Log.Reset()
	res := scan.Import(context.Background(), orgHubs(org), rep, scanned, 4)
	if res.Findings != 241 || res.Skipped != 1 || res.Archived != 0 || len(res.Failures) > 0 {
		t.Fatalf("imported %+v, want 241 findings (120+120 buckets, one N/A), 1 skipped", res)
	}
	imports := 0
	for _, c := range a.Log.Calls() {
		if c.Operation == "BatchImportFindings" {
			imports++
		}
	}
	if imports != 3 {
		t.Errorf("%d BatchImportFindings calls for 241 findings, want 3 (100 per call)", imports)
	}
	hub := a.SecurityHub("us-east-1")
	held := hubFindings(t, hub)
	if len(held) != 241 {
		t.Fatalf("hub holds %d findings", len(held))
	}
	for _, f := range held {
		if aws.ToString(f.ProductArn) != "arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default" ||
			!strings.HasPrefix(aws.ToString(f.GeneratorId), "cisguard/cis-aws-foundations-benchmark/v/1.4.0/") || f.RecordState != shtypes.RecordStateActive {
			t.Fatalf("finding %+v", f)
		}
	}
	want := map[string]shtypes.ComplianceStatus{"2.1.1": shtypes.ComplianceStatusPassed, "2.1.2": shtypes.ComplianceStatusFailed, "2.3.1": shtypes.ComplianceStatusNotAvailable}
	for _, r := range rep.Results {
		f, ok := held[report.FindingID(r)]
		if r.Status == controls.Error {
			if ok {
				t.Error("an ERROR result was imported")
			}
			continue
		}
		if !ok || f.Compliance.Status != want[r.CIS] {
			t.Fatalf("%s %s: %+v", r.CIS, r.Resource, f.Compliance)
		}
	}

	// The next scan: a bucket gone, the rest the same. Its findings keep
	// their ids and first-seen time; the gone bucket's are archived.
	first := held[report.FindingID(rep.Results[0])]
	a.DeleteBucket("bucket-000")
	rep2, _ := scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}}, opts)
	res = scan.Import(context.Background(), orgHubs(org), rep2, scanned, 4)
	if res.Findings != 239 || res.Archived != 2 {
		t.Fatalf("second import %+v, want 239 findings and the gone bucket's 2 archived", res)
	}
	held = hubFindings(t, hub)
	if len(held) != 241 {
		t.Fatalf("hub holds %d findings, want the same ids updated", len(held))
	}
	archived := 0
	for _, f := range held {
		if f.RecordState == shtypes.RecordStateArchived {
			archived++
			if !strings.Contains(aws.ToString(f.Resources[0].Id), "bucket-000") {
				t.Errorf("archived %s", aws.ToString(f.Resources[0].Id))
			}
		}
	}
	if archived != 2 {
		t.Errorf("%d archived", archived)
	}
	if again := held[aws.ToString(first.Id)]; aws.ToString(again.CreatedAt) != aws.ToString(first.CreatedAt) {
		t.Errorf("CreatedAt %s, want the first import's %s", aws.ToString(again.CreatedAt), aws.ToString(first.CreatedAt))
	}
	// A scan of other controls leaves these findings alone.
	opts.Controls = []string{"2.2.1"}
	rep3, _ := scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}}, opts)
	if res := scan.Import(context.Background(), orgHubs(org), rep3, []string{"2.2.1"}, 4); res.Archived != 0 {
		t.Errorf("a scan of 2.2.1 archived %d findings of other controls", res.Archived)
	}
}

// The fake refuses what Security Hub refuses: another account's product,
// more than 100 findings, a finding without its required fields.
func TestFakeHubValidatesImports(t *testing.T) {
	a := fake.NewAccount("111122223333")
	h := a.SecurityHub("eu-west-1")
	ctx := perms.Declare(context.Background(), "import", controls.ImportPermissions)
	r := report.Result{CIS: "1.8", Account: a.ID, Region: "eu-west-1", Resource: "AWS::::Account:" + a.ID, Status: controls.Fail, Reason: "short", Partition: "aws"}
	f, _ := report.Finding(r, now)
	other := f
	other.ProductArn = aws.String("arn:aws:securityhub:eu-west-1:444455556666:product/444455556666/default")
	if _, err := h.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{other}}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("another account's product: %v", err)
	}
	many := make([]shtypes.AwsSecurityFinding, 101)
	for i := range many {
		many[i] = f
	}
	if _, err := h.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: many}); err == nil {
		t.Error("101 findings accepted")
	}
	bad := f
	bad.Title = nil
	out, err := h.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{bad, f}})
	if err != nil || aws.ToInt32(out.FailedCount) != 1 || aws.ToInt32(out.SuccessCount) != 1 {
		t.Errorf("a finding without Title: %+v, %v", out, err)
	}
	if _, err := h.BatchImportFindings(context.Background(), &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{f}}); err != nil {
		t.Errorf("undeclared context: %v", err)
	}
	if _, err := h.BatchImportFindings(perms.Declare(context.Background(), "x", []string{"securityhub:GetFindings"}), &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{f}}); err == nil {
		t.Error("an import without declaring it")
	}
}

// The member policy carries the import only when configured, scoped to
// the account's own default product.
func TestImportGrant(t *testing.T) {
	cfg, s := settings(t)
	if strings.Contains(engine.MemberPolicy(cfg, s).JSON(), "BatchImportFindings") {
		t.Error("imports allowed by default")
	}
	cfg = config.Default()
	cfg.SecurityHub.ImportFindings = true
	doc := engine.MemberPolicy(cfg, s).JSON()
	if !strings.Contains(doc, `"securityhub:BatchImportFindings"`) || !strings.Contains(doc, `product/${AWS::AccountId}/default`) {
		t.Errorf("policy %s", doc)
	}
}
