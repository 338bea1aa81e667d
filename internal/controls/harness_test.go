package controls

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

const (
	testAccount = "111122223333"
	testRegion  = "eu-west-1"
)

// testNow is the clock of every control test.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// harness runs controls against a fake account, the way the engine does:
// under the control's permission declaration, with settings resolved from
// YAML by Configure.
type harness struct {
	t      testing.TB
	acct   *fake.Account
	region string
	// others holds the settings of other controls by scope (configure).
	others map[string]string
	// alarms is the administrator account's alarm queue (newOrgHarness).
	alarms *AlarmQueue
}

var (
	accountsMu sync.Mutex
	accounts   []*fake.Account // every fake account of the run, for the permission audit
	measuredMu sync.Mutex
	measured   = map[string]bool{} // controls whose call count a test asserted
)

// newHarness returns a harness on a new fake account that, like every
// member account, has the member stack's permissions boundary policy.
func newHarness(t testing.TB) *harness {
	a := fake.NewAccount(testAccount)
	a.AddPolicy(perms.BoundaryName, perms.Boundary().Resolve(a.Partition, a.ID, "CIS_Remediator_Role").JSON())
	a.RequireBucketOwner = true // every control names the owner it expects on every bucket request
	accountsMu.Lock()
	accounts = append(accounts, a)
	accountsMu.Unlock()
	return &harness{t: t, acct: a, region: testRegion, others: map[string]string{}}
}

// adminAccount owns the alarm queue in the tests.
const adminAccount = "999988887777"

// alarmQueueARN is the administrator account's alarm queue, in the
// aggregation region as the admin stack makes it.
const alarmQueueARN = "arn:aws:sqs:us-east-1:" + adminAccount + ":cisguard-remediator-alarms"

// newOrgHarness is a harness whose account belongs to an organization
// whose administrator account owns the alarm queue, as deployed: section 4
// subscribes that queue with the administrator's own credentials.
func newOrgHarness(t testing.TB) (*harness, *fake.Org) {
	o := fake.NewOrg(adminAccount)
	h := &harness{t: t, acct: o.Account(testAccount), region: testRegion, others: map[string]string{},
		alarms: &AlarmQueue{ARN: alarmQueueARN, SNS: func(r string) awsapi.SNS { return o.Admin.SNS(r) }}}
	accountsMu.Lock()
	accounts = append(accounts, h.acct)
	accountsMu.Unlock()
	return h, o
}

// configure sets controls.<scope> (YAML) for every later target: the
// settings of the controls a target's control shares resources with.
func (h *harness) configure(scope, settings string) { h.others[scope] = settings }

// target builds the target of control id for a resource. settings is YAML
// for controls.<id> (mode and parameters), "" for the defaults.
func (h *harness) target(id string, res finding.Resource, settings string) (*Control, *Target) {
	h.t.Helper()
	cfg := config.Default()
	cfg.Controls = map[string]yaml.Node{}
	scopes := maps.Clone(h.others)
	if settings != "" {
		scopes[id] = settings
	}
	for scope, text := range scopes {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(text), &n); err != nil {
			h.t.Fatalf("settings: %v", err)
		}
		cfg.Controls[scope] = *n.Content[0]
	}
	set, err := Configure(cfg)
	if err != nil {
		h.t.Fatalf("Configure: %v", err)
	}
	st, ok := set.For(id)
	if !ok {
		h.t.Fatalf("no control %s", id)
	}
	return st.Control, &Target{Clients: h.acct.Clients(h.region), Resource: res, Params: st.Params, ExemptTag: cfg.ExemptTag, Now: testNow, Settings: set, Alarms: h.alarms}
}

// plan runs a control's Plan under the declaration of its reads alone, as
// the engine runs it in notify mode and in a dry run: planning must not
// write, only the plan's actions do.
func (h *harness) plan(c *Control, t *Target) (*plan.Plan, error) {
	return c.Plan(h.readCtx(c), t)
}

// ctx declares all of a control's permissions, as for a remediation.
func (h *harness) ctx(c *Control) context.Context {
	return perms.Declare(context.Background(), c.ID, c.Permissions)
}

// readCtx declares only a control's reads.
func (h *harness) readCtx(c *Control) context.Context {
	return perms.Declare(context.Background(), c.ID, perms.Reads(c.Permissions))
}

// remediate plans and applies a control and checks that it is idempotent:
// the plan after applying is empty. It returns the applied plan.
func (h *harness) remediate(id string, res finding.Resource, settings string) *plan.Plan {
	h.t.Helper()
	c, t := h.target(id, res, settings)
	p, err := h.plan(c, t)
	if err != nil {
		h.t.Fatalf("%s plan: %v", id, err)
	}
	o := plan.Apply(h.ctx(c), p)
	if o.Err != nil {
		h.t.Fatalf("%s apply: %v\nplan:\n%s", id, o.Err, p)
	}
	h.recorded(id, o)
	again, err := h.plan(c, t)
	if err != nil {
		h.t.Fatalf("%s plan after apply: %v", id, err)
	}
	if !again.Empty() {
		h.t.Fatalf("%s is not idempotent: after applying\n%sit plans\n%s", id, p, again)
	}
	return p
}

// measure remediates and asserts that it took exactly the reads and writes
// the control declares in Calls (the second, verifying plan not counted).
func (h *harness) measure(id string, res finding.Resource, settings string) *plan.Plan {
	h.t.Helper()
	c, t := h.target(id, res, settings)
	h.acct.Log.Reset()
	p, err := h.plan(c, t)
	if err != nil {
		h.t.Fatalf("%s plan: %v", id, err)
	}
	o := plan.Apply(h.ctx(c), p)
	if o.Err != nil {
		h.t.Fatalf("%s apply: %v", id, o.Err)
	}
	h.recorded(id, o)
	reads, writes := h.acct.Log.Counts()
	if reads != c.Calls.Reads || writes != c.Calls.Writes {
		h.t.Errorf("%s (%s) made %d reads + %d writes, declares %d + %d; calls: %v", id, c.Calls.Case, reads, writes, c.Calls.Reads, c.Calls.Writes, h.acct.Log.Calls())
	}
	measuredMu.Lock()
	measured[id] = true
	measuredMu.Unlock()
	if again, err := h.plan(c, t); err != nil || !again.Empty() {
		h.t.Fatalf("%s is not idempotent: %v\n%s", id, err, again)
	}
	return p
}

// check runs Check (the engine's and a scan's assessment) under the
// declaration of the control's reads alone: assessing never writes.
func (h *harness) check(id string, res finding.Resource, settings string) *plan.Plan {
	h.t.Helper()
	c, t := h.target(id, res, settings)
	p, err := Check(h.readCtx(c), c, t)
	if err != nil {
		h.t.Fatalf("%s check: %v", id, err)
	}
	return p
}

// wantState fails the test unless the plan is in state want with a
// residual whose reason contains each of reasons.
func wantState(t testing.TB, p *plan.Plan, want plan.State, reasons ...string) {
	t.Helper()
	if got := p.State(); got != want {
		t.Fatalf("state %s, want %s; plan:\n%s", got, want, p)
	}
	var all []string
	for _, r := range p.Residuals {
		all = append(all, r.Reason+" | "+strings.Join(r.Steps, " | "))
	}
	for _, r := range reasons {
		if !strings.Contains(strings.Join(all, "\n"), r) {
			t.Errorf("no residual says %q; residuals:\n%s", r, strings.Join(all, "\n"))
		}
	}
}

// guide explains a control for a resource under the declaration of its
// reads alone, as the engine does in notify mode.
func (h *harness) guide(id string, res finding.Resource, settings string) (*Guidance, error) {
	c, t := h.target(id, res, settings)
	return Explain(h.readCtx(c), c, t)
}

// mustPlan returns the plan, failing the test on error.
func (h *harness) mustPlan(id string, res finding.Resource, settings string) *plan.Plan {
	h.t.Helper()
	c, t := h.target(id, res, settings)
	p, err := h.plan(c, t)
	if err != nil {
		h.t.Fatalf("%s plan: %v", id, err)
	}
	return p
}

// planErr returns the error of planning, failing the test when there is none.
func (h *harness) planErr(id string, res finding.Resource, settings string) error {
	h.t.Helper()
	c, t := h.target(id, res, settings)
	p, err := h.plan(c, t)
	if err == nil {
		h.t.Fatalf("%s plan succeeded, want an error; plan:\n%s", id, p)
	}
	return err
}

// applyPlan applies a plan under the control's declaration and returns its error.
func applyPlan(h *harness, c *Control, p *plan.Plan) error {
	o := plan.Apply(h.ctx(c), p)
	h.recorded(c.ID, o)
	return o.Err
}

// recorded fails the test for a done action that recorded nothing for
// `cisguard revert`: every change is restorable, kept by design (and
// why), lost (and why), or marked as having changed nothing.
func (h *harness) recorded(id string, o plan.Outcome) {
	for _, r := range o.Results {
		if r.Done && (r.Prior == nil || r.Prior.Kind == "") {
			h.t.Errorf("%s: the action %q recorded nothing for a revert (attach a plan.Prior)", id, r.Description)
		}
	}
}

// decodeYAML decodes settings text strictly into parameters.
func decodeYAML(text string, v any) error {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		return err
	}
	return config.Decode(n.Content[0], v, "params", nil)
}

// writes returns how many writes were recorded since the last Reset.
func (h *harness) writes() int {
	_, w := h.acct.Log.Counts()
	return w
}

func resource(typ, id string) finding.Resource {
	return finding.Resource{Type: typ, ID: id, Partition: "aws", Region: testRegion}
}

func accountResource() finding.Resource {
	return finding.Resource{Type: "AwsAccount", ID: "AWS::::Account:" + testAccount, Partition: "aws", Region: testRegion}
}

// descriptions returns the plan's action descriptions.
func descriptions(p *plan.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.Description)
	}
	return out
}

func containsAll(t testing.TB, got []string, want ...string) {
	t.Helper()
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("plan lacks %q; it is:\n%s", w, joined)
		}
	}
}

// TestMain audits, after a full run, that every automatic control had its
// call count asserted, that every declared permission was exercised (a
// declared action no test calls is either dead weight in the member policy
// or untested code) and that perms classifies each call as the read or
// write it is.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code != 0 || flag.Lookup("test.run").Value.String() != "" || testing.Short() {
		os.Exit(code)
	}
	used := map[string]map[string]bool{}
	var problems []string
	for _, a := range accounts {
		for _, c := range a.Log.Calls() {
			if used[c.Owner] == nil {
				used[c.Owner] = map[string]bool{}
			}
			used[c.Owner][c.Action] = true
			if perms.Write(c.Action) != c.Write() {
				problems = append(problems, fmt.Sprintf("%s: perms calls %s a write: %v, the call %s is one: %v (fix the lists in internal/perms/access.go)", c.Owner, c.Action, perms.Write(c.Action), c, c.Write()))
			}
		}
	}
	for _, c := range All() {
		if c.Plan != nil && !measured[c.ID] {
			problems = append(problems, fmt.Sprintf("%s: no test asserts its call count (use harness.measure)", c.ID))
		}
		for _, a := range c.Permissions {
			if !used[c.ID][a] && !slices.Contains(uncalled, a) {
				problems = append(problems, fmt.Sprintf("%s: declares %s but no test calls it", c.ID, a))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		problems = slices.Compact(problems)
		fmt.Println("FAIL: control audit\n  " + strings.Join(problems, "\n  "))
		os.Exit(1)
	}
	os.Exit(0)
}

// uncalled are actions IAM checks without an API call of their own:
// passing a role, tags given at creation (CreateRole, CreateKey,
// CreateLogGroup, CreateTopic, CreateAnalyzer, CreateFlowLogs), the
// service-linked role CreateAnalyzer makes.
var uncalled = []string{"iam:PassRole", "iam:TagRole", "kms:TagResource", "logs:TagResource", "sns:TagResource", "access-analyzer:TagResource", "iam:CreateServiceLinkedRole", "ec2:CreateTags"}

// run is one remediation, from plan to apply, as one process does it.
type run func() error

// remediation returns the run of control id on a resource in region.
func (h *harness) remediation(id, region string, res finding.Resource, settings string) run {
	return func() error {
		c, t := h.target(id, res, settings)
		t.Clients = h.acct.Clients(region)
		p, err := h.plan(c, t)
		if err != nil {
			return fmt.Errorf("%s plan: %w", id, err)
		}
		if err := applyPlan(h, c, p); err != nil {
			return fmt.Errorf("%s apply: %w", id, err)
		}
		return nil
	}
}

// interleave runs a and b on the account as two processes would, with a
// held just before its first call of op (service/operation), that is
// between its reads and that write, while b runs from start to end; then
// a resumes. Both must succeed. It fails the test when a never calls op.
func (h *harness) interleave(op string, a, b run) {
	h.t.Helper()
	pause := h.acct.Log.Pause(op)
	done := make(chan error, 1)
	go func() { done <- a() }()
	select {
	case <-pause.Held():
	case err := <-done:
		h.t.Fatalf("the first remediation never called %s (error: %v)", op, err)
	}
	errB := b()
	pause.Release()
	if errA := <-done; errA != nil || errB != nil {
		h.t.Fatalf("held at %s: first: %v; second: %v", op, errA, errB)
	}
}
