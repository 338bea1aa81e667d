package scan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/scan"
)

// scan --remediate: the FAIL results of automatic controls go through the
// engine's plans, without Security Hub; the next scan finds them PASS.
func TestScanRemediate(t *testing.T) {
	org := fake.NewOrg("999999999999")
	a := org.Account("111122223333")
	a.SetRegions("eu-west-1")
	a.AddBucket("data", "eu-west-1")
	_, def, _ := a.EC2("eu-west-1").AddVPC("10.0.0.0/16")
	opts := options(t, "eu-west-1")
	opts.Controls = []string{"1.8", "2.1.1", "2.1.2", "2.2.1", "5.3"}
	rep, err := scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	items := scan.Remediable(rep, opts.Settings)
	if len(items) != 4 { // 1.8, 2.1.2, 2.2.1 and 5.3 are automatic; 2.1.1 passes (SSE-S3)
		t.Fatalf("%d remediable results: %+v", len(items), items)
	}
	cfg, s := settings(t)
	cfg.Notifications.Disabled = true
	eng := engine.New(cfg, s, org, engine.Options{Now: opts.Now})

	dry := engine.New(cfg, s, org, engine.Options{Now: opts.Now, DryRun: true})
	for _, r := range dry.RunScan(context.Background(), items) {
		if r.Decision != engine.Planned {
			t.Errorf("dry run %s %s: %s %s", r.CIS, r.Resource, r.Decision, r.Reason)
		}
	}
	if hub := org.SecurityHub("eu-west-1"); len(hub.Log.Calls()) != 0 {
		t.Errorf("Security Hub was called: %v", hub.Log.Calls())
	}
	for _, r := range eng.RunScan(context.Background(), items) {
		if r.Decision != engine.Remediated {
			t.Errorf("%s %s: %s %s", r.CIS, r.Resource, r.Decision, r.Reason)
		}
	}
	again, _ := scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}}, opts)
	for _, r := range again.Results {
		if r.Status != "PASS" {
			t.Errorf("after remediation %s %s: %s %s", r.CIS, r.Resource, r.Status, r.Reason)
		}
	}
	if len(a.EC2("eu-west-1").Rules(def)) != 0 {
		t.Error("default group keeps rules")
	}
	// An excluded account is not changed.
	cfg.ExcludedAccounts = []string{a.ID}
	a.SetPasswordPolicy(nil)
	rep, _ = scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}}, opts)
	for _, r := range engine.New(cfg, s, org, engine.Options{Now: opts.Now}).RunScan(context.Background(), scan.Remediable(rep, s)) {
		if r.Decision != engine.Skipped {
			t.Errorf("excluded account: %s %s", r.Decision, r.Reason)
		}
	}
}

// scan --remediate acts only on resources of the account scanned: a result
// whose resource names another account (a report edited, or a control that
// reports a resource it does not own) is skipped before any plan, as a
// Security Hub finding would be.
func TestScanRemediateOnlyOwnResources(t *testing.T) {
	org := fake.NewOrg("999999999999")
	a := org.Account("111122223333")
	b := org.Account("444455556666")
	groups := map[*fake.Account]string{}
	for _, x := range []*fake.Account{a, b} {
		x.SetRegions("eu-west-1")
		_, def, _ := x.EC2("eu-west-1").AddVPC("10.0.0.0/16")
		groups[x] = def
	}
	opts := options(t, "eu-west-1")
	opts.Controls = []string{"5.3"}
	rep, err := scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}, {ID: b.ID}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	items := scan.Remediable(rep, opts.Settings)
	if len(items) != 2 {
		t.Fatalf("%d remediable results, want a's and b's default group: %+v", len(items), items)
	}
	var forged []engine.Failing
	for _, it := range items {
		if it.Account == b.ID {
			it.Account = a.ID // b's group, as if a's result
			forged = append(forged, it)
		}
	}
	cfg, s := settings(t)
	cfg.Notifications.Disabled = true
	for _, r := range engine.New(cfg, s, org, engine.Options{Now: opts.Now}).RunScan(context.Background(), forged) {
		if r.Decision != engine.Skipped || !strings.Contains(r.Reason, "belongs to account "+b.ID) {
			t.Errorf("result of %s naming %s: %s %s", a.ID, r.Resource, r.Decision, r.Reason)
		}
	}
	for x, def := range groups {
		if len(x.EC2("eu-west-1").Rules(def)) == 0 {
			t.Errorf("account %s: default group %s lost its rules", x.ID, def)
		}
	}
}
