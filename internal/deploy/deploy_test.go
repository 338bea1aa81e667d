package deploy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/deploy/templates"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

const admin = "222222222222"

func options(t *testing.T, zip string) Options {
	t.Helper()
	d := templates.For(config.Default(), []string{"5.3"}, perms.Policy(perms.Grant{Owner: "t", Actions: []string{"ec2:DescribeSecurityGroups"}}))
	files, err := templates.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "lambda.zip")
	if err := os.WriteFile(p, []byte(zip), 0o644); err != nil {
		t.Fatal(err)
	}
	return Options{AdminAccount: admin, Regions: []string{"eu-west-1", "us-east-1"}, LambdaZip: p, Templates: files, Data: d, NotifyEmail: "sec@example.com"}
}

func descriptions(p *plan.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.Description)
	}
	return out
}

func mustPlan(t *testing.T, p *Planner) *plan.Plan {
	t.Helper()
	pl, err := p.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func mustApply(t *testing.T, pl *plan.Plan) {
	t.Helper()
	if o := plan.Apply(context.Background(), pl); o.Err != nil {
		t.Fatal(o.Err)
	}
}

// TestFreshOrganization deploys to an organization where nothing is set
// up, checks what exists afterwards, and that a second run plans nothing.
func TestFreshOrganization(t *testing.T) {
	w := newWorld()
	var out bytes.Buffer
	o := options(t, "code v1")
	o.Progress = &out
	p := &Planner{Env: w, Opts: o}
	pl := mustPlan(t, p)
	if len(w.writes) != 0 {
		t.Fatalf("planning changed something: %v", w.writes)
	}
	want := []string{
		"activate trusted access between CloudFormation StackSets and AWS Organizations",
		"designate 222222222222 as the Security Hub delegated administrator in eu-west-1",
		"designate 222222222222 as the Security Hub delegated administrator in us-east-1",
		"create the Security Hub finding aggregator in eu-west-1 linking us-east-1",
		"switch Security Hub to central configuration for the organization",
		"create Security Hub configuration policy cisguard-cis-v1.4.0",
		"apply cisguard-cis-v1.4.0 to the organization root r-ab12",
		"create bucket cisguard-artifacts-222222222222-eu-west-1",
		"upload the Lambda code (7 bytes) to s3://cisguard-artifacts-222222222222-eu-west-1/cisguard-lambda-",
		"create stack cisguard-admin in the admin account 222222222222, eu-west-1",
		"create Security Hub custom action CISRemediation",
		"create StackSet cisguard-member-role",
		"deploy StackSet cisguard-member-role to every account of the organization in eu-west-1",
		"create stack cisguard-enable-config in the management account 111111111111, eu-west-1",
		"create stack cisguard-enable-config in the management account 111111111111, us-east-1",
		"create StackSet cisguard-enable-config",
		"deploy StackSet cisguard-enable-config in eu-west-1 to 222222222222, 333333333333, 444444444444",
		"deploy StackSet cisguard-enable-config in us-east-1 to 222222222222, 333333333333, 444444444444",
	}
	got := descriptions(pl)
	if len(got) != len(want) {
		t.Fatalf("plan has %d steps, want %d:\n%s", len(got), len(want), pl)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("step %d: %q\nwant prefix %q", i+1, got[i], want[i])
		}
	}
	mustApply(t, pl)

	if w.delegated["eu-west-1"] != admin || w.delegated["us-east-1"] != admin || !w.central || w.rootPolicy == "" {
		t.Errorf("Security Hub not set up: delegated %v central %v root policy %q", w.delegated, w.central, w.rootPolicy)
	}
	st := w.stacks[admin+"/eu-west-1/"+AdminStack]
	if st == nil || st.status != "CREATE_COMPLETE" {
		t.Fatalf("admin stack: %+v", st)
	}
	params := map[string]string{}
	for _, p := range st.params {
		params[*p.ParameterKey] = *p.ParameterValue
	}
	if params["OrganizationId"] != w.orgID || params["NotificationEmail"] != "sec@example.com" || !strings.HasPrefix(params["CodeKey"], "cisguard-lambda-") {
		t.Errorf("admin stack parameters %v", params)
	}
	if _, ok := w.buckets[params["CodeBucket"]][params["CodeKey"]]; !ok {
		t.Error("the stack points at code that was not uploaded")
	}
	role := w.sets[MemberRoleSet]
	if role == nil || len(role.instances) != 3 {
		t.Fatalf("member role StackSet: %+v", role)
	}
	for _, a := range []string{"222222222222", "333333333333", "444444444444"} {
		for _, r := range []string{"eu-west-1", "us-east-1"} {
			if !w.recorders[a+"/"+r] {
				t.Errorf("no AWS Config recorder in %s %s", a, r)
			}
		}
	}
	if !strings.Contains(out.String(), "stack cisguard-admin (admin account 222222222222, eu-west-1): CREATE_IN_PROGRESS") ||
		!strings.Contains(out.String(), "StackSet cisguard-member-role (deploy to eu-west-1): SUCCEEDED") {
		t.Errorf("progress output lacks stack states:\n%s", out.String())
	}

	w.writes = nil
	again := mustPlan(t, &Planner{Env: w, Opts: o})
	if !again.Empty() {
		t.Errorf("second run plans:\n%s", again)
	}
}

// TestNewCodeUpdatesTheStack: a new zip is uploaded under a new key and
// the admin stack is updated to it; nothing else changes.
func TestNewCodeUpdatesTheStack(t *testing.T) {
	w := newWorld()
	mustApply(t, mustPlan(t, &Planner{Env: w, Opts: options(t, "code v1")}))
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code v2")})
	got := descriptions(pl)
	if len(got) != 2 || !strings.HasPrefix(got[0], "upload the Lambda code") ||
		got[1] != "update stack cisguard-admin in the admin account 222222222222, eu-west-1 (parameters CodeKey)" {
		t.Fatalf("plan:\n%s", pl)
	}
	mustApply(t, pl)
	if st := w.stacks[admin+"/eu-west-1/"+AdminStack]; st.status != "UPDATE_COMPLETE" {
		t.Errorf("admin stack %s", st.status)
	}
}

// TestStackFailureSaysWhy: when the admin stack fails, the error carries
// CloudFormation's reason, and later steps do not run.
func TestStackFailureSaysWhy(t *testing.T) {
	w := newWorld()
	w.failStack[AdminStack] = "Resource handler returned message: \"Error occurred while GetObject. S3 Error Code: NoSuchKey\""
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code")})
	o := plan.Apply(context.Background(), pl)
	if o.Err == nil || !strings.Contains(o.Err.Error(), "ROLLBACK_COMPLETE") || !strings.Contains(o.Err.Error(), "Function AWS::Lambda::Function CREATE_FAILED: Resource handler returned message") {
		t.Fatalf("error %v", o.Err)
	}
	if w.sets[MemberRoleSet] != nil {
		t.Error("the member role StackSet was created after the admin stack failed")
	}
	// The next run recreates the failed stack.
	delete(w.failStack, AdminStack)
	pl = mustPlan(t, &Planner{Env: w, Opts: options(t, "code")})
	if d := descriptions(pl); !strings.HasPrefix(d[0], "delete stack cisguard-admin in the admin account 222222222222, eu-west-1 (its creation failed earlier") {
		t.Fatalf("plan after a failure:\n%s", pl)
	}
	mustApply(t, pl)
}

func TestStackSetFailureSaysWhere(t *testing.T) {
	w := newWorld()
	w.failSet[MemberRoleSet] = "ResourceLogicalId:Role, ResourceType:AWS::IAM::Role, ResourceStatusReason:CIS_Remediator_Role already exists."
	o := plan.Apply(context.Background(), mustPlan(t, &Planner{Env: w, Opts: options(t, "code")}))
	if o.Err == nil || !strings.Contains(o.Err.Error(), "333333333333 eu-west-1: FAILED: ResourceLogicalId:Role") {
		t.Fatalf("error %v", o.Err)
	}
}

func TestRefusals(t *testing.T) {
	for name, c := range map[string]struct {
		setup func(*world)
		want  string
	}{
		"not the management account": {func(w *world) { w.caller = admin }, "credentials of the management account 111111111111"},
		"another delegated admin":    {func(w *world) { w.delegated["us-east-1"] = "333333333333" }, "delegated administrator in us-east-1 is 333333333333"},
		"admin not in organization":  {func(w *world) { w.accounts = w.accounts[:1] }, "not an active account"},
		"admin unreachable":          {func(w *world) { w.noAccess[admin] = true }, "admin account 222222222222: api error AccessDenied"},
		"old custom action": {func(w *world) {
			arn := "arn:aws:securityhub:eu-west-1:222222222222:action/custom/CISRemediation"
			w.actionTargets[arn] = shtypes.ActionTarget{ActionTargetArn: &arn, Description: aws.String("CIS remediation")}
		}, "custom action CISRemediation that cisguard did not create already exists"},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld()
			c.setup(w)
			_, err := (&Planner{Env: w, Opts: options(t, "code")}).Plan(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestExistingSetupIsRespected: an organization already on central
// configuration with its own root policy and a recorder everywhere keeps
// them; an account that cannot be inspected is reported.
func TestExistingSetupIsRespected(t *testing.T) {
	w := newWorld()
	w.stackSetsAccess = true
	w.delegated["eu-west-1"], w.delegated["us-east-1"] = admin, admin
	w.aggregator = nil
	(&fakeHub{w, admin, "eu-west-1"}).CreateFindingAggregator(context.Background(), mustAggregatorInput())
	w.central = true
	w.policies["policy-own"], w.rootPolicy = "corporate baseline", "policy-own"
	for _, a := range w.accounts {
		for _, r := range []string{"eu-west-1", "us-east-1"} {
			w.recorders[a+"/"+r] = true
		}
	}
	w.noAccess["444444444444"] = true
	w.writes = nil
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code")})
	got := descriptions(pl)
	if slices.ContainsFunc(got, func(s string) bool {
		return (strings.Contains(s, "Security Hub") && !strings.Contains(s, "custom action")) || strings.Contains(s, "enable-config")
	}) {
		t.Errorf("plan touches the existing Security Hub or Config setup:\n%s", pl)
	}
	notes := strings.Join(pl.Notes, "\n")
	if !strings.Contains(notes, "root already uses Security Hub configuration policy policy-own") ||
		!strings.Contains(notes, "AWS Config not checked in 444444444444 eu-west-1") {
		t.Errorf("notes:\n%s", notes)
	}
}

// TestSingleRegionAndAggregatorLinking covers the aggregator without
// linked regions and one that lacks a region.
func TestSingleRegionAndAggregatorLinking(t *testing.T) {
	w := newWorld()
	o := options(t, "code")
	o.Regions = []string{"eu-west-1"}
	mustApply(t, mustPlan(t, &Planner{Env: w, Opts: o}))
	if *w.aggregator.RegionLinkingMode != "NO_REGIONS" {
		t.Errorf("aggregator mode %s", *w.aggregator.RegionLinkingMode)
	}
	o.Regions = []string{"eu-west-1", "eu-central-1"}
	pl := mustPlan(t, &Planner{Env: w, Opts: o})
	if d := descriptions(pl); !slices.Contains(d, "link eu-central-1 to the Security Hub finding aggregator in eu-west-1") {
		t.Fatalf("plan:\n%s", pl)
	}
	mustApply(t, pl)
	if !slices.Equal(w.aggregator.Regions, []string{"eu-central-1"}) {
		t.Errorf("aggregator regions %v", w.aggregator.Regions)
	}
}

func TestOptionalStackSets(t *testing.T) {
	w := newWorld()
	o := options(t, "code")
	o.MemberTopics, o.CloudTrailKeys, o.SkipConfig = true, true, true
	pl := mustPlan(t, &Planner{Env: w, Opts: o})
	mustApply(t, pl)
	if s := w.sets[MemberTopicSet]; s == nil || len(s.instances) != 6 {
		t.Errorf("member topics: %+v", s)
	}
	if s := w.sets[CloudTrailKeySet]; s == nil || len(s.instances) != 3 || !s.instances["222222222222/eu-west-1"] {
		t.Errorf("CloudTrail keys: %+v", s)
	}
	if w.sets[EnableConfigSet] != nil || !strings.Contains(strings.Join(pl.Notes, ""), "--skip-config") {
		t.Error("--skip-config still touched AWS Config")
	}
}

// TestDeleteRemovesWhatDeployCreated deploys, deletes, and checks that
// only what Security Hub needs is left; a second delete plans nothing.
func TestDeleteRemovesWhatDeployCreated(t *testing.T) {
	w := newWorld()
	o := options(t, "code")
	o.MemberTopics = true
	mustApply(t, mustPlan(t, &Planner{Env: w, Opts: o}))
	p := &Planner{Env: w, Opts: o}
	pl, err := p.PlanDelete(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, pl)
	if len(w.sets) != 0 || len(w.stacks) != 0 || len(w.buckets) != 0 || len(w.policies) != 0 || w.rootPolicy != "" {
		t.Errorf("left behind: sets %v stacks %v buckets %v policies %v", sortedKeys(w.sets), sortedKeys(w.stacks), sortedKeys(w.buckets), w.policies)
	}
	if w.delegated["eu-west-1"] != admin || !w.central {
		t.Error("delete removed the delegated administrator or central configuration")
	}
	again, err := p.PlanDelete(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() {
		t.Errorf("second delete plans:\n%s", again)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{
		{AdminAccount: "12345", Regions: []string{"eu-west-1"}},
		{AdminAccount: admin},
		{AdminAccount: admin, Regions: []string{"eu-west-1", "eu-west-1"}},
		{AdminAccount: admin, Regions: []string{"Europe"}},
	} {
		if o.Validate() == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	ok := Options{AdminAccount: admin, Regions: []string{"eu-west-1", "us-gov-west-1"}}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
}
