package scan_test

import (
	"context"
	"slices"
	"testing"

	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/scan"
)

// TestEveryRecommendationYieldsResults: a scan of an account gives at
// least one result for each of the 58 recommendations (2.1.5 in its two
// parts).
func TestEveryRecommendationYieldsResults(t *testing.T) {
	org := fake.NewOrg("999999999999")
	a := org.Account("111122223333")
	a.SetRegions("us-east-1")
	rep, err := scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}}, options(t))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		seen[r.CIS] = true
	}
	sel, _ := scan.Select(nil)
	if len(sel) != 59 {
		t.Errorf("%d controls are scanned, want 59 (58 recommendations, 2.1.5 in two parts)", len(sel))
	}
	for _, c := range sel {
		if !seen[c.ID] {
			t.Errorf("%s yields no result", c.ID)
		}
	}
}

// TestAnalyzerOnlyInEnabledRegions: 1.20 reports each enabled region and
// no opt-in region the account has not enabled.
func TestAnalyzerOnlyInEnabledRegions(t *testing.T) {
	org := fake.NewOrg("999999999999")
	a := org.Account("111122223333")
	a.SetRegions("us-east-1", "eu-west-1") // not af-south-1, an opt-in region
	a.AccessAnalyzer("eu-west-1").AddAnalyzer("existing", aatypes.TypeAccount, aatypes.AnalyzerStatusActive)
	opts := options(t)
	opts.Controls = []string{"1.20"}
	rep, err := scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rep.Results {
		got[r.Region] = string(r.Status)
	}
	if len(got) != 2 || got["us-east-1"] != "FAIL" || got["eu-west-1"] != "PASS" {
		t.Errorf("1.20 by region: %v, want FAIL in us-east-1, PASS in eu-west-1 and nothing else", got)
	}
	for _, c := range a.Log.Calls() {
		if c.Service == "AccessAnalyzer" && !slices.Contains([]string{"us-east-1", "eu-west-1"}, c.Region) {
			t.Errorf("called %s in %s, a region not enabled", c, c.Region)
		}
	}
}
