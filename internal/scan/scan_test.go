package scan_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/report"
	"github.com/cisguard/cisguard/internal/scan"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func settings(t testing.TB) (*config.Config, *controls.Settings) {
	t.Helper()
	cfg := config.Default()
	s, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, s
}

func options(t testing.TB, regions ...string) scan.Options {
	cfg, s := settings(t)
	return scan.Options{Home: "us-east-1", Regions: regions, Settings: s, ExemptTag: cfg.ExemptTag, Now: func() time.Time { return now }}
}

func TestScanSmoke(t *testing.T) {
	org := fake.NewOrg("999999999999")
	a := org.Account("111122223333")
	a.SetRegions("us-east-1", "eu-west-1")
	a.AddBucket("logs", "eu-west-1")
	a.EC2("eu-west-1").AddVPC("10.0.0.0/16")
	rep, err := scan.Run(context.Background(), org, []scan.Account{{ID: "111122223333"}}, options(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.Table(&b, rep); err != nil {
		t.Fatal(err)
	}
	t.Log(b.String())
}

// An organization scan: an account whose role cannot be assumed yields
// ERROR results and the others are scanned; a region given but not
// enabled is skipped; results are in a stable order.
func TestScanOrgAccountsAndFailures(t *testing.T) {
	org := fake.NewOrg("999999999999")
	for _, id := range []string{"111111111111", "222222222222"} {
		a := org.Account(id)
		a.SetRegions("us-east-1", "eu-west-1")
		a.AddBucket("b-"+id, "eu-west-1")
	}
	org.Account("222222222222").SetRegions("us-east-1") // eu-west-1 not enabled there
	accounts := []scan.Account{{ID: "111111111111"}, {ID: "222222222222"}, {ID: "333333333333"}}
	opts := options(t, "us-east-1", "eu-west-1")
	opts.Controls = []string{"2.1.2", "2.2.1"}
	opts.Parallel = 3
	rep, err := scan.Run(context.Background(), org, accounts, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rep.Results {
		got[r.Account+" "+r.CIS+" "+r.Region+" "+r.Resource] = string(r.Status)
	}
	want := map[string]string{
		"111111111111 2.1.2 eu-west-1 arn:aws:s3:::b-111111111111": "FAIL",
		"111111111111 2.2.1 eu-west-1 AWS::::Account:111111111111": "FAIL",
		"111111111111 2.2.1 us-east-1 AWS::::Account:111111111111": "FAIL",
		"222222222222 2.1.2 us-east-1 AWS::::Account:222222222222": "NOT_APPLICABLE", // its bucket is in a region not enabled
		"222222222222 2.2.1 us-east-1 AWS::::Account:222222222222": "FAIL",
		"333333333333 2.1.2 us-east-1 AWS::::Account:333333333333": "ERROR",
		"333333333333 2.2.1 us-east-1 AWS::::Account:333333333333": "ERROR",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("results %v", got)
	}
	for _, r := range rep.Results {
		if r.Status == "ERROR" && !strings.Contains(r.Reason, "AccessDenied") {
			t.Errorf("ERROR without the AWS error: %s", r.Reason)
		}
	}
	if s := rep.Summary; s.Accounts != 3 || s.Fail != 4 || s.Error != 2 || s.NotApplicable != 1 {
		t.Errorf("summary %+v", s)
	}
}

func TestSelect(t *testing.T) {
	for _, c := range []struct {
		patterns []string
		want     string
	}{
		{[]string{"4.*"}, "4.1 4.2 4.3 4.4 4.5 4.6 4.7 4.8 4.9 4.10 4.11 4.12 4.13 4.14 4.15"},
		{[]string{"2.1.5"}, "2.1.5.1 2.1.5.2"},
		{[]string{"1.8", "5"}, "1.8 5.1 5.2 5.3 5.4"},
		{[]string{"3.1"}, "3.1"},
	} {
		cs, err := scan.Select(c.patterns)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range cs {
			ids = append(ids, x.ID)
		}
		if got := strings.Join(ids, " "); got != c.want {
			t.Errorf("%v: %s, want %s", c.patterns, got, c.want)
		}
	}
	if _, err := scan.Select([]string{"9.9"}); err == nil {
		t.Error("a pattern selecting nothing is accepted")
	}
}
