package scan_test

import (
	"bytes"
	"context"
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
