package deploy

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/deploy/templates"
	"github.com/cisguard/cisguard/internal/perms"
)

// The organization scan's schedule: refused while the member role may not
// import findings; none by default; --scan-schedule puts it on the admin
// stack (with the deployment's regions), a run with the same changes
// nothing, and a run without it removes it.
func TestScanSchedule(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	o := options(t, "code")
	o.ScanSchedule = "rate(1 day)"
	if _, err := (&Planner{Env: w, Opts: o}).Plan(context.Background()); err == nil || !strings.Contains(err.Error(), "securityHub.importFindings: true") {
		t.Errorf("a schedule with a member role that may not import: %v", err)
	}

	// The member role may import (securityHub.importFindings).
	o.Data = templates.For(config.Default(), []string{"5.3"}, perms.Policy(perms.Grant{Owner: "t", Actions: []string{"ec2:DescribeSecurityGroups", importAction}}))
	files, err := templates.Render(o.Data)
	if err != nil {
		t.Fatal(err)
	}
	o.Templates, o.ScanSchedule = files, ""
	p := &Planner{Env: w, Opts: o}
	mustApply(t, mustPlan(t, p))
	if got := adminParams(t, w); got["ScanSchedule"] != "" || got["ScanRegions"] != "eu-west-1,us-east-1" {
		t.Errorf("by default: parameters %v, want no schedule", got)
	}
	var out bytes.Buffer
	p.Report.Write(&out)
	if !strings.Contains(out.String(), "scheduled scan: none") {
		t.Errorf("report:\n%s", out.String())
	}

	o.ScanSchedule = "rate(1 day)"
	p = &Planner{Env: w, Opts: o}
	pl := mustPlan(t, p)
	if got := descriptions(pl); len(got) != 1 || got[0] != "update stack cisguard-admin in the admin account 222222222222, eu-west-1 (parameters ScanSchedule)" {
		t.Fatalf("plan:\n%s", pl)
	}
	out.Reset()
	p.Report.Write(&out)
	if !strings.Contains(out.String(), "scheduled scan: rate(1 day), of the organization's accounts in eu-west-1, us-east-1") {
		t.Errorf("report:\n%s", out.String())
	}
	mustApply(t, pl)
	if got := adminParams(t, w); got["ScanSchedule"] != "rate(1 day)" || got["ScanRegions"] != "eu-west-1,us-east-1" {
		t.Errorf("parameters %v", got)
	}
	if again := mustPlan(t, &Planner{Env: w, Opts: o}); !again.Empty() {
		t.Errorf("the same schedule again plans:\n%s", again)
	}

	o.ScanSchedule = ""
	mustApply(t, mustPlan(t, &Planner{Env: w, Opts: o}))
	if got := adminParams(t, w)["ScanSchedule"]; got != "" {
		t.Errorf("a run without --scan-schedule left %q", got)
	}
}

// adminParams returns the admin stack's parameters, after checking each
// against the template's declaration as CloudFormation does: declared,
// and matching its AllowedPattern.
func adminParams(t *testing.T, w *world) map[string]string {
	t.Helper()
	st := w.stacks[admin+"/eu-west-1/"+AdminStack]
	if st == nil {
		t.Fatal("no admin stack")
	}
	var tpl struct {
		Parameters map[string]struct {
			AllowedPattern string `yaml:"AllowedPattern"`
		} `yaml:"Parameters"`
	}
	if err := yaml.Unmarshal([]byte(st.body), &tpl); err != nil {
		t.Fatal(err)
	}
	params := paramMap(st.params)
	for k, v := range params {
		decl, ok := tpl.Parameters[k]
		if !ok {
			t.Errorf("parameter %s is not in the admin template", k)
			continue
		}
		if decl.AllowedPattern != "" && !regexp.MustCompile(decl.AllowedPattern).MatchString(v) {
			t.Errorf("parameter %s=%q does not match its AllowedPattern %s", k, v, decl.AllowedPattern)
		}
	}
	return params
}

func TestScanScheduleValidate(t *testing.T) {
	o := options(t, "code")
	for _, s := range []string{"rate(1 day)", "rate(12 hours)", "rate(30 minutes)", "cron(0 3 * * ? *)", "cron(15 2 ? * MON-FRI *)"} {
		o.ScanSchedule = s
		if err := o.Validate(); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"rate(1 days)", "rate(2 day)", "rate(0 hours)", "rate(01 day)", "daily", "cron(0 3 * *)", "rate(1 week)"} {
		o.ScanSchedule = s
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--scan-schedule") {
			t.Errorf("%q accepted (%v)", s, err)
		}
	}
}
