package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/deploy/templates"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

const (
	admin = "222222222222"
	fsbp  = "standards/aws-foundational-security-best-practices/v/1.0.0"
	pci   = "standards/pci-dss/v/3.2.1"
)

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
	knownCalls(t, pl)
	return pl
}

// knownCalls fails a test whose plan has a step whose API calls Calls
// does not know (so deploy --dry-run would show it without them).
func knownCalls(t *testing.T, pl *plan.Plan) {
	t.Helper()
	for _, d := range descriptions(pl) {
		if Calls(d) == nil {
			t.Errorf("step %q: no API calls known for it (internal/deploy/calls.go)", d)
		}
	}
}

func mustApply(t *testing.T, pl *plan.Plan) {
	t.Helper()
	knownCalls(t, pl)
	if o := plan.Apply(context.Background(), pl); o.Err != nil {
		t.Fatalf("%v\nplan:\n%s", o.Err, pl)
	}
}

// deployed runs a deployment to its end on w.
func deployed(t *testing.T, w *world, o Options) {
	t.Helper()
	mustApply(t, mustPlan(t, &Planner{Env: w, Opts: o}))
}

func hasStep(pl *plan.Plan, prefix string) bool {
	return slices.ContainsFunc(descriptions(pl), func(d string) bool { return strings.HasPrefix(d, prefix) })
}

// TestFreshOrganization deploys to an organization where Security Hub
// runs with FSBP everywhere and nothing else is set up, checks what exists
// afterwards (FSBP kept, CIS v1.4.0 added), and that a second run plans
// nothing.
func TestFreshOrganization(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
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
		"switch Security Hub to central configuration for the organization (and wait until it is ENABLED)",
		"create Security Hub configuration policy cisguard-cis-v1.4.0 (Security Hub on; FSBP v1.0.0, CIS v1.4.0)",
		"apply cisguard-cis-v1.4.0 to the organization root r-ab12",
		"create bucket cisguard-artifacts-222222222222-eu-west-1",
		"secure bucket cisguard-artifacts-222222222222-eu-west-1: block public access, bucket owner enforced, TLS-only policy",
		"upload the Lambda code (7 bytes) to s3://cisguard-artifacts-222222222222-eu-west-1/cisguard-lambda-",
		"create stack cisguard-admin in the admin account 222222222222, eu-west-1",
		"create Security Hub custom action CISRemediation",
		"create StackSet cisguard-member-role",
		"deploy StackSet cisguard-member-role in eu-west-1 to every member account of the organization (3)",
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

	if w.delegated["eu-west-1"] != admin || !w.central || w.assoc["root"] == nil {
		t.Errorf("Security Hub not set up: delegated %v central %v root %+v", w.delegated, w.central, w.assoc["root"])
	}
	for _, a := range w.accounts {
		for _, r := range []string{"eu-west-1", "us-east-1"} {
			if got := w.enabled(a, r); !slices.Equal(got, []string{fsbp, cisStandard}) {
				t.Errorf("%s %s: standards %v, want FSBP kept and CIS v1.4.0 added", a, r, got)
			}
			if !w.recorders[a+"/"+r] {
				t.Errorf("no AWS Config recorder in %s %s", a, r)
			}
		}
	}
	st := w.stacks[admin+"/eu-west-1/"+AdminStack]
	if st == nil || st.status != "CREATE_COMPLETE" {
		t.Fatalf("admin stack: %+v", st)
	}
	params := paramMap(st.params)
	if params["OrganizationId"] != w.orgID || params["NotificationEmail"] != "sec@example.com" || !strings.HasPrefix(params["CodeKey"], "cisguard-lambda-") {
		t.Errorf("admin stack parameters %v", params)
	}
	b := w.buckets[params["CodeBucket"]]
	if _, ok := b.objects[params["CodeKey"]]; !ok || b.block == nil || b.policy == "" {
		t.Errorf("code bucket %+v: the stack points at code that was not uploaded, or the bucket is not secured", b)
	}
	for _, a := range []string{"222222222222", "333333333333", "444444444444"} {
		if r := w.roles[a+"/"+config.DefaultRoleName]; r == nil || r.set != MemberRoleSet {
			t.Errorf("%s: member role %+v", a, r)
		}
	}
	if w.roles[w.mgmt+"/"+config.DefaultRoleName] != nil {
		t.Error("a StackSet deployed to the management account")
	}
	for _, s := range []string{"stack cisguard-admin (admin account 222222222222, eu-west-1): CREATE_IN_PROGRESS",
		"StackSet cisguard-member-role (deploy to eu-west-1): SUCCEEDED", "central configuration: ENABLED", "configuration of the organization root r-ab12: SUCCESS"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("progress output lacks %q:\n%s", s, out.String())
		}
	}

	w.writes = nil
	again := mustPlan(t, &Planner{Env: w, Opts: o})
	if !again.Empty() {
		t.Errorf("second run plans:\n%s", again)
	}
}

// TestStandardsNeverDisabled: accounts with different standards each keep
// theirs and gain CIS v1.4.0; the largest group's policy goes on the root.
func TestStandardsNeverDisabled(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	for _, r := range []string{"eu-west-1", "us-east-1"} {
		w.standards["444444444444/"+r] = append(w.standards["444444444444/"+r], w.standardARN(pci, r))
		w.hubOn["333333333333/"+r], w.standards["333333333333/"+r] = false, nil // Security Hub off
	}
	p := &Planner{Env: w, Opts: options(t, "code")}
	pl := mustPlan(t, p)
	mustApply(t, pl)
	want := map[string][]string{
		"111111111111": {fsbp, cisStandard},
		"222222222222": {fsbp, cisStandard},
		"333333333333": {cisStandard},
		"444444444444": {fsbp, cisStandard, pci},
	}
	for a, std := range want {
		for _, r := range []string{"eu-west-1", "us-east-1"} {
			if got := w.enabled(a, r); !slices.Equal(got, std) {
				t.Errorf("%s %s: %v, want %v", a, r, got, std)
			}
		}
	}
	if n := len(w.policies); n != 3 {
		t.Errorf("%d policies, want 3 (root, CIS only, FSBP+PCI+CIS)", n)
	}
	var report bytes.Buffer
	p.Report.Write(&report)
	for _, s := range []string{
		"111111111111, 222222222222: FSBP v1.0.0 → FSBP v1.0.0, CIS v1.4.0\n      by policy cisguard-cis-v1.4.0 on the organization root",
		"444444444444: FSBP v1.0.0, PCI DSS v3.2.1 → FSBP v1.0.0, CIS v1.4.0, PCI DSS v3.2.1",
		"333333333333: none → CIS v1.4.0",
	} {
		if !strings.Contains(report.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, report.String())
		}
	}
	if again := mustPlan(t, &Planner{Env: w, Opts: options(t, "code")}); !again.Empty() {
		t.Errorf("second run plans:\n%s", again)
	}
}

// TestUnknownStandardsStop: an account whose standards cannot be read
// would take the root's; deploy stops unless told to accept it.
func TestUnknownStandardsStop(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	w.noAccess["444444444444"] = true
	_, err := (&Planner{Env: w, Opts: options(t, "code")}).Plan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "standards of accounts 444444444444 cannot be read") {
		t.Fatalf("error %v", err)
	}
	o := options(t, "code")
	o.AcceptUnknownStandards = true
	pl := mustPlan(t, &Planner{Env: w, Opts: o})
	if !strings.Contains(strings.Join(pl.Notes, "\n"), "AWS Config not checked in 444444444444") {
		t.Errorf("notes:\n%s", pl)
	}
}

// TestCentralConfigurationFails: the switch is asynchronous; FAILED is
// reported with Security Hub's message and no policy is created; the next
// run switches again.
func TestCentralConfigurationFails(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	w.centralFail = "Could not enable central configuration: an AWS Organizations policy blocks it"
	o := plan.Apply(context.Background(), mustPlan(t, &Planner{Env: w, Opts: options(t, "code")}))
	if o.Err == nil || !strings.Contains(o.Err.Error(), "could not switch to central configuration: Could not enable central configuration: an AWS Organizations policy blocks it") {
		t.Fatalf("error %v", o.Err)
	}
	if len(w.policies) != 0 {
		t.Error("a policy was created although central configuration failed")
	}
	w.centralFail = ""
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code")})
	if !hasStep(pl, "switch Security Hub to central configuration") || !strings.Contains(strings.Join(pl.Notes, "\n"), "failed earlier: Could not enable") {
		t.Fatalf("second run:\n%s", pl)
	}
	mustApply(t, pl)
}

// TestAssociationFails: a FAILED association is an error with its
// message, not "applied"; the next run applies it again.
func TestAssociationFails(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	w.assocFail = "Account 333333333333 has an SCP that denies securityhub:BatchEnableStandards"
	o := plan.Apply(context.Background(), mustPlan(t, &Planner{Env: w, Opts: options(t, "code")}))
	if o.Err == nil || !strings.Contains(o.Err.Error(), "could not apply the configuration to the organization root r-ab12: Account 333333333333 has an SCP") {
		t.Fatalf("error %v", o.Err)
	}
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code")})
	if !hasStep(pl, "apply cisguard-cis-v1.4.0 to the organization root") {
		t.Fatalf("second run does not apply the policy again:\n%s", pl)
	}
	mustApply(t, pl)
	if w.assoc["root"].status != shtypes.ConfigurationPolicyAssociationStatusSuccess {
		t.Errorf("root association %+v", w.assoc["root"])
	}
}

// TestOriginalSolution: the original's role in member accounts and its rule
// in the admin account stop the deployment with the steps; with
// --replace-original they are replaced and the deployment succeeds.
func TestOriginalSolution(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	w.withOriginalRole("333333333333", "444444444444")
	w.rules["CIS-Remediation-Trigger"] = &fakeRule{state: "ENABLED",
		pattern: `{"source":["aws.securityhub"],"detail-type":["Security Hub Findings - Custom Action"],"resources":["arn:aws:securityhub:eu-west-1:222222222222:action/custom/CISRemediation"]}`,
		targets: []string{"arn:aws:lambda:eu-west-1:222222222222:function:CISRemediation"}}
	w.rules["GuardDuty-To-Slack"] = &fakeRule{state: "ENABLED", pattern: `{"source":["aws.securityhub"]}`,
		targets: []string{"arn:aws:lambda:eu-west-1:222222222222:function:slack-notifier"}}
	_, err := (&Planner{Env: w, Opts: options(t, "code")}).Plan(context.Background())
	for _, s := range []string{
		"role CIS_Remediator_Role exists in 333333333333, 444444444444, not deployed by cisguard",
		"EventBridge rule CIS-Remediation-Trigger in the admin account sends Security Hub findings to arn:aws:lambda:eu-west-1:222222222222:function:CISRemediation",
		"--replace-original", "aws iam delete-role --role-name CIS_Remediator_Role", "aws events disable-rule --name CIS-Remediation-Trigger",
		"set roleName in the configuration",
	} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "GuardDuty-To-Slack") {
		t.Error("a rule of another tool was taken for the original's")
	}
	o := options(t, "code")
	o.ReplaceOriginal = true
	deployed(t, w, o)
	for _, a := range []string{"333333333333", "444444444444"} {
		if r := w.roles[a+"/"+config.DefaultRoleName]; r == nil || r.set != MemberRoleSet {
			t.Errorf("%s: role %+v, want cisguard's", a, r)
		}
	}
	if w.rules["CIS-Remediation-Trigger"].state != "DISABLED" || w.rules["GuardDuty-To-Slack"].state != "ENABLED" {
		t.Errorf("rules: original %s, other %s", w.rules["CIS-Remediation-Trigger"].state, w.rules["GuardDuty-To-Slack"].state)
	}
}

// TestOriginalTopicsAndKeysAdopted: a member topic or key alias of the
// same name is used as it is, and the StackSets leave those accounts out
// (they would fail there with "already exists").
func TestOriginalTopicsAndKeysAdopted(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	w.topics["333333333333/us-east-1"] = map[string]string{config.DefaultMemberTopic: ""}
	w.aliases["444444444444/eu-west-1/"+templates.DefaultKeyAlias] = "original-key"
	o := options(t, "code")
	o.MemberTopics, o.CloudTrailKeys = true, true
	p := &Planner{Env: w, Opts: o}
	deployed(t, w, o)
	if s := w.sets[MemberTopicSet]; len(s.instances) != 5 || s.instances["333333333333/us-east-1"] != nil || s.autoDeploy {
		t.Errorf("member topics: %d instances, auto %v", len(s.instances), s.autoDeploy)
	}
	if s := w.sets[CloudTrailKeySet]; len(s.instances) != 2 || s.instances["444444444444/eu-west-1"] != nil {
		t.Errorf("keys: %v", sortedKeys(s.instances))
	}
	if w.aliases["444444444444/eu-west-1/"+templates.DefaultKeyAlias] != "original-key" {
		t.Error("the existing key alias changed")
	}
	if again := mustPlan(t, p); !again.Empty() {
		t.Errorf("second run plans:\n%s", again)
	}
}

// TestRerunRepairsStackInstances: accounts where an operation failed are
// left OUTDATED; the next run deploys them again.
func TestRerunRepairsStackInstances(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	w.failSet[MemberRoleSet] = "Resource handler returned message: \"Access denied by a service control policy\""
	o := plan.Apply(context.Background(), mustPlan(t, &Planner{Env: w, Opts: options(t, "code")}))
	if o.Err == nil || !strings.Contains(o.Err.Error(), "222222222222 eu-west-1: FAILED: ResourceLogicalId:Resource, ResourceStatusReason:Resource handler returned message: \"Access denied by a service control policy\"") {
		t.Fatalf("error %v", o.Err)
	}
	delete(w.failSet, MemberRoleSet)
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code")})
	if !hasStep(pl, "deploy StackSet cisguard-member-role again in eu-west-1 to 222222222222, 333333333333, 444444444444 (OUTDATED") {
		t.Fatalf("second run:\n%s", pl)
	}
	mustApply(t, pl)
	for k, in := range w.sets[MemberRoleSet].instances {
		if in.status != cfntypes.StackInstanceStatusCurrent {
			t.Errorf("%s: %s", k, in.status)
		}
	}
}

// TestInoperableInstancesRecreated: an instance a failed deletion left
// INOPERABLE is removed (keeping its stack, as AWS requires), its stack
// deleted in the account, and deployed again.
func TestInoperableInstancesRecreated(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	deployed(t, w, options(t, "code"))
	in := w.sets[MemberRoleSet].instances["333333333333/eu-west-1"]
	in.status, in.reason = cfntypes.StackInstanceStatusInoperable, "DeleteStackInstances failed"
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code")})
	if !hasStep(pl, "remove the INOPERABLE stack instances of cisguard-member-role in eu-west-1 (333333333333)") {
		t.Fatalf("plan:\n%s", pl)
	}
	mustApply(t, pl)
	if got := w.sets[MemberRoleSet].instances["333333333333/eu-west-1"]; got == nil || got.status != cfntypes.StackInstanceStatusCurrent || got.stack == in.stack {
		t.Errorf("instance %+v", got)
	}
	if _, left := w.stacks["333333333333/eu-west-1/"+in.stack]; left {
		t.Error("the INOPERABLE instance's stack was left behind")
	}
}

// TestStackFailedStates: each state CloudFormation leaves a stack in after
// a failure gets its way out.
func TestStackFailedStates(t *testing.T) {
	for status, step := range map[cfntypes.StackStatus]string{
		cfntypes.StackStatusUpdateRollbackFailed: "continue the rollback of stack cisguard-admin",
		cfntypes.StackStatusRollbackFailed:       "delete stack cisguard-admin in the admin account 222222222222, eu-west-1 (it is ROLLBACK_FAILED",
		cfntypes.StackStatusDeleteFailed:         "delete stack cisguard-admin in the admin account 222222222222, eu-west-1 (it is DELETE_FAILED",
		cfntypes.StackStatusRollbackComplete:     "delete stack cisguard-admin in the admin account 222222222222, eu-west-1 (it is ROLLBACK_COMPLETE",
	} {
		t.Run(string(status), func(t *testing.T) {
			w := newWorld()
			w.withFSBP("eu-west-1", "us-east-1")
			deployed(t, w, options(t, "code"))
			st := w.stacks[admin+"/eu-west-1/"+AdminStack]
			st.status, st.reason = status, "Resource handler returned message: \"Rate exceeded\""
			pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code v2")})
			if !hasStep(pl, step) {
				t.Fatalf("plan:\n%s", pl)
			}
			mustApply(t, pl)
			if st := w.stacks[admin+"/eu-west-1/"+AdminStack]; !strings.HasSuffix(string(st.status), "_COMPLETE") || strings.Contains(string(st.status), "ROLLBACK") {
				t.Errorf("admin stack ends %s", st.status)
			}
		})
	}
}

// TestCodeBucketConverges: a bucket created by a run that failed before
// securing it is secured on the next run; a name taken by another account
// is never written to.
func TestCodeBucketConverges(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	bucket := "cisguard-artifacts-222222222222-eu-west-1"
	w.buckets[bucket] = &fakeBucket{owner: admin, region: "eu-west-1", objects: map[string][]byte{}}
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code")})
	if !hasStep(pl, "secure bucket "+bucket+": block public access, bucket owner enforced, TLS-only policy") || hasStep(pl, "create bucket") {
		t.Fatalf("plan:\n%s", pl)
	}
	mustApply(t, pl)
	if b := w.buckets[bucket]; b.block == nil || !*b.block.RestrictPublicBuckets || !strings.Contains(b.policy, "aws:SecureTransport") {
		t.Errorf("bucket %+v", b)
	}

	w2 := newWorld()
	w2.withFSBP("eu-west-1", "us-east-1")
	w2.buckets[bucket] = &fakeBucket{owner: "999999999999", region: "eu-west-1", objects: map[string][]byte{}}
	_, err := (&Planner{Env: w2, Opts: options(t, "code")}).Plan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "belongs to another account") {
		t.Fatalf("error %v", err)
	}
}

// TestDeleteThenDeployAgain: delete removes what deploy created, waiting
// for each policy to be detached before deleting it, keeps the Config
// buckets and keys and says so; a later deploy adopts the buckets instead
// of failing on their names.
func TestDeleteThenDeployAgain(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	o := options(t, "code")
	o.MemberTopics, o.CloudTrailKeys = true, true
	deployed(t, w, o)
	keys := len(w.aliases)
	p := &Planner{Env: w, Opts: o}
	pl, err := p.PlanDelete(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, pl)
	if len(w.sets) != 0 || len(w.stacks) != 0 || len(w.policies) != 0 || len(w.actionTargets) != 0 || len(w.roles) != 0 {
		t.Errorf("left behind: sets %v stacks %v policies %v actions %v roles %v", sortedKeys(w.sets), sortedKeys(w.stacks), w.policies, w.actionTargets, sortedKeys(w.roles))
	}
	if len(w.buckets) != 8 || w.buckets["cisguard-config-333333333333-us-east-1"] == nil {
		t.Errorf("Config buckets not kept: %v", sortedKeys(w.buckets))
	}
	if keys == 0 {
		t.Error("no key was deployed")
	}
	if w.delegated["eu-west-1"] != admin || !w.central || !slices.Equal(w.enabled("333333333333", "us-east-1"), []string{fsbp, cisStandard}) {
		t.Error("delete removed the delegated administrator, central configuration or the standards")
	}
	notes := strings.Join(pl.Notes, "\n")
	for _, s := range []string{"kept: the AWS Config buckets", "stopped: AWS Config recording", "kept: CloudTrail KMS keys", "kept: the standards"} {
		if !strings.Contains(notes, s) {
			t.Errorf("delete notes lack %q:\n%s", s, notes)
		}
	}
	if again, err := p.PlanDelete(context.Background()); err != nil || !again.Empty() {
		t.Errorf("second delete: %v\n%s", err, again)
	}
	deployed(t, w, o)
	if p := paramMap(w.sets[EnableConfigSet].instances["333333333333/us-east-1"].overrides); p["AdoptBucket"] != "true" {
		t.Errorf("Config bucket not adopted: overrides %v", p)
	}
	if p := paramMap(w.stacks[w.mgmt+"/eu-west-1/"+EnableConfigStack].params); p["AdoptBucket"] != "true" {
		t.Errorf("management Config bucket not adopted: %v", p)
	}
}

// TestLargeOrganization: StackSet operations act on a quarter of 1,000
// accounts at a time (not one at a time), and the report says how long.
func TestLargeOrganization(t *testing.T) {
	w := newWorld()
	w.accounts = w.accounts[:2]
	for i := range 998 {
		w.accounts = append(w.accounts, fmt.Sprintf("5%011d", i))
	}
	slices.Sort(w.accounts)
	w.withFSBP("eu-west-1")
	o := options(t, "code")
	o.Regions = []string{"eu-west-1"}
	p := &Planner{Env: w, Opts: o}
	mustApply(t, mustPlan(t, p))
	for id, op := range w.ops {
		if op.concurrency < 249 {
			t.Errorf("operation %s acts on %d accounts at a time", id, op.concurrency)
		}
	}
	if p.Report.Minutes > 15 || p.Report.Minutes == 0 {
		t.Errorf("expected duration %d minutes", p.Report.Minutes)
	}
}

// TestPartitionFromCaller: the partition comes from the caller's ARN.
func TestPartitionFromCaller(t *testing.T) {
	w := newWorld()
	w.partition = "aws-us-gov"
	w.withFSBP("us-gov-west-1")
	o := options(t, "code")
	o.Regions = []string{"us-gov-west-1"}
	deployed(t, w, o)
	for _, p := range w.policies {
		for _, s := range p.standards {
			if !strings.HasPrefix(s, "arn:aws-us-gov:securityhub:us-gov-west-1::") {
				t.Errorf("standard %s", s)
			}
		}
	}
	if b := w.buckets["cisguard-artifacts-222222222222-us-gov-west-1"]; !strings.Contains(b.policy, "arn:aws-us-gov:s3:::") {
		t.Errorf("bucket policy %s", b.policy)
	}
}

// TestSingleRegionAndAggregator: a single region is linked to nothing and
// the plan says what that means; an existing aggregator is found, not
// created again, and extended.
func TestSingleRegionAndAggregator(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "eu-central-1")
	o := options(t, "code")
	o.Regions = []string{"eu-west-1"}
	pl := mustPlan(t, &Planner{Env: w, Opts: o})
	if !strings.Contains(strings.Join(pl.Notes, "\n"), "only eu-west-1 in --regions: the configuration policies take effect in eu-west-1 alone") {
		t.Errorf("notes:\n%s", pl)
	}
	mustApply(t, pl)
	if w.aggregator.mode != "NO_REGIONS" {
		t.Errorf("aggregator mode %s", w.aggregator.mode)
	}
	o.Regions = []string{"eu-west-1", "eu-central-1"}
	pl = mustPlan(t, &Planner{Env: w, Opts: o})
	if !hasStep(pl, "link eu-central-1 to the Security Hub finding aggregator in eu-west-1") || hasStep(pl, "create the Security Hub finding aggregator") {
		t.Fatalf("plan:\n%s", pl)
	}
	mustApply(t, pl)

	// An aggregator the admin account made before it was delegated.
	w2 := newWorld()
	w2.withFSBP("eu-west-1", "us-east-1")
	w2.aggregator = &aggregator{owner: admin, region: "eu-west-1", mode: "SPECIFIED_REGIONS", regions: []string{"us-east-1"}}
	pl = mustPlan(t, &Planner{Env: w2, Opts: options(t, "code")})
	if hasStep(pl, "create the Security Hub finding aggregator") {
		t.Fatalf("an existing aggregator would be created again:\n%s", pl)
	}
	mustApply(t, pl)
}

func TestRefusals(t *testing.T) {
	for name, c := range map[string]struct {
		setup func(*world, *Options)
		want  string
	}{
		"not the management account": {func(w *world, _ *Options) { w.caller = admin }, "credentials of the management account 111111111111"},
		"admin is the management account": {func(_ *world, o *Options) { o.AdminAccount = "111111111111" },
			"--admin-account 111111111111 is the organization's management account"},
		"another delegated admin":   {func(w *world, _ *Options) { w.delegated["us-east-1"] = "333333333333" }, "delegated administrator in us-east-1 is 333333333333"},
		"admin not in organization": {func(w *world, _ *Options) { w.accounts = w.accounts[:1] }, "not an active account"},
		"admin unreachable":         {func(w *world, _ *Options) { w.noAccess[admin] = true }, "admin account 222222222222: api error AccessDenied"},
		"aggregator elsewhere": {func(w *world, _ *Options) {
			w.aggregator = &aggregator{owner: admin, region: "us-east-1", mode: "NO_REGIONS"}
		}, "Security Hub aggregates findings in us-east-1, not eu-west-1"},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld()
			w.withFSBP("eu-west-1", "us-east-1")
			o := options(t, "code")
			c.setup(w, &o)
			_, err := (&Planner{Env: w, Opts: o}).Plan(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if len(w.writes) != 0 {
				t.Errorf("changed: %v", w.writes)
			}
		})
	}
}

// TestFakeRefusesManagementAsCentralAdmin: the rule deploy checks first is
// the one Security Hub enforces.
func TestFakeRefusesManagementAsCentralAdmin(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1")
	ctx := context.Background()
	hub := w.services(w.mgmt, "eu-west-1").SecurityHub
	if _, err := hub.EnableOrganizationAdminAccount(ctx, &securityhub.EnableOrganizationAdminAccountInput{AdminAccountId: &w.mgmt}); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.CreateFindingAggregator(ctx, &securityhub.CreateFindingAggregatorInput{RegionLinkingMode: aws.String("NO_REGIONS")}); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.UpdateOrganizationConfiguration(ctx, &securityhub.UpdateOrganizationConfigurationInput{AutoEnable: aws.Bool(false),
		AutoEnableStandards:       shtypes.AutoEnableStandardsNone,
		OrganizationConfiguration: &shtypes.OrganizationConfiguration{ConfigurationType: shtypes.OrganizationConfigurationConfigurationTypeCentral}}); err != nil {
		t.Fatal(err)
	}
	p := &Planner{Env: w, Opts: Options{Poll: 0}}
	if err := p.waitCentral(ctx, hub); err == nil || !strings.Contains(err.Error(), "can't be the organization management account") {
		t.Fatalf("error %v", err)
	}
}

// TestExistingSetupIsRespected: an organization already on central
// configuration with its own root policy keeps it; a note says that it
// lacks CIS v1.4.0.
func TestExistingSetupIsRespected(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	deployed(t, w, options(t, "code")) // central configuration on, recorders everywhere
	for id := range w.policies {
		w.assoc["root"].policy = id
		w.policies[id].name = "corporate baseline"
		w.policies[id].standards = []string{w.standardARN(fsbp, "eu-west-1")}
	}
	w.writes = nil
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code")})
	if slices.ContainsFunc(descriptions(pl), func(s string) bool {
		return strings.Contains(s, "configuration policy") || strings.Contains(s, "apply ")
	}) {
		t.Errorf("plan touches the organization's configuration:\n%s", pl)
	}
	if !strings.Contains(strings.Join(pl.Notes, "\n"), "use the organization's configuration policy \"corporate baseline\", which does not enable CIS v1.4.0") {
		t.Errorf("notes:\n%s", pl)
	}
}

func TestStackFailureSaysWhy(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	w.failStack[AdminStack] = "Resource handler returned message: \"Error occurred while GetObject. S3 Error Code: NoSuchKey\""
	o := plan.Apply(context.Background(), mustPlan(t, &Planner{Env: w, Opts: options(t, "code")}))
	if o.Err == nil || !strings.Contains(o.Err.Error(), "ROLLBACK_COMPLETE") || !strings.Contains(o.Err.Error(), "Function AWS::Lambda::Function CREATE_FAILED: Resource handler returned message") {
		t.Fatalf("error %v", o.Err)
	}
	if w.sets[MemberRoleSet] != nil {
		t.Error("the member role StackSet was created after the admin stack failed")
	}
	delete(w.failStack, AdminStack)
	deployed(t, w, options(t, "code"))
}

func TestNewCodeUpdatesTheStack(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	deployed(t, w, options(t, "code v1"))
	pl := mustPlan(t, &Planner{Env: w, Opts: options(t, "code v2")})
	got := descriptions(pl)
	if len(got) != 2 || !strings.HasPrefix(got[0], "upload the Lambda code") ||
		got[1] != "update stack cisguard-admin in the admin account 222222222222, eu-west-1 (parameters CodeKey)" {
		t.Fatalf("plan:\n%s", pl)
	}
	mustApply(t, pl)
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{
		{AdminAccount: "12345", Regions: []string{"eu-west-1"}},
		{AdminAccount: admin},
		{AdminAccount: admin, Regions: []string{"eu-west-1", "eu-west-1"}},
		{AdminAccount: admin, Regions: []string{"Europe"}},
		{AdminAccount: admin, Regions: []string{"eu-west-1"}, CloudTrailKeyRegion: "x"},
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

// TestMemberRoleDescription: the survey tells cisguard's member role from
// another role of the same name by the description its template gives.
func TestMemberRoleDescription(t *testing.T) {
	body := string(options(t, "code").Templates[templates.MemberRole])
	if !strings.Contains(body, "\n      Description: "+memberRoleDescription) {
		t.Errorf("the member role's description does not start with %q", memberRoleDescription)
	}
}

// TestMigrationPlan is the plan for an organization of three accounts
// where Security Hub already runs FSBP everywhere and the original
// solution's member role exists: without --replace-original deploy stops
// with the steps; with it, the plan keeps FSBP, adds CIS v1.4.0, replaces
// the role, and says what a --delete would keep. Run with -v to read it.
func TestMigrationPlan(t *testing.T) {
	w := newWorld()
	w.accounts = w.accounts[:3] // management 111…, admin 222…, member 333…
	w.withFSBP("eu-west-1", "us-east-1")
	w.withOriginalRole("222222222222", "333333333333")
	o := options(t, "code")
	if _, err := (&Planner{Env: w, Opts: o}).Plan(context.Background()); err == nil {
		t.Fatal("the original role did not stop the deployment")
	} else {
		t.Logf("without --replace-original:\n%v", err)
	}
	o.ReplaceOriginal = true
	p := &Planner{Env: w, Opts: o}
	pl := mustPlan(t, p)
	var out bytes.Buffer
	p.Report.Write(&out)
	fmt.Fprintln(&out, "steps:")
	plan.Render(&out, pl)
	t.Logf("cisguard deploy --admin-account 222222222222 --regions eu-west-1,us-east-1 --replace-original --dry-run\n%s", out.String())
	for _, s := range []string{
		"111111111111, 222222222222, 333333333333: FSBP v1.0.0 → FSBP v1.0.0, CIS v1.4.0",
		"role CIS_Remediator_Role in 2 account(s) not deployed by cisguard: 222222222222, 333333333333",
		"delete role CIS_Remediator_Role in account 333333333333 (--replace-original",
		"cisguard-member-role in eu-west-1: 2: 0 / 2 / 0 / 0",
		"expected duration: about",
		"a later `cisguard deploy --delete` would keep:",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("plan lacks %q", s)
		}
	}
	mustApply(t, pl)
	for _, a := range []string{"222222222222", "333333333333"} {
		if r := w.roles[a+"/"+config.DefaultRoleName]; r == nil || r.set != MemberRoleSet || slices.Contains(r.attached, "arn:aws:iam::aws:policy/AdministratorAccess") {
			t.Errorf("%s: role %+v", a, r)
		}
	}
	for _, a := range w.accounts {
		if got := w.enabled(a, "us-east-1"); !slices.Equal(got, []string{fsbp, cisStandard}) {
			t.Errorf("%s: %v", a, got)
		}
	}
}
