package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/cisguard/cisguard/internal/plan"
)

// capabilities: every template creates IAM roles with names.
var capabilities = []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam}

// stack is one CloudFormation stack the deployment owns.
type stack struct {
	cfn      CloudFormation
	name     string
	where    string // "admin account 1111, eu-west-1", for messages
	body     string
	params   map[string]string
	progress io.Writer
	poll     time.Duration
}

// describe returns the stack, or nil when it does not exist.
func (s *stack) describe(ctx context.Context) (*cfntypes.Stack, error) {
	out, err := s.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &s.name})
	if err != nil {
		if isCode(err, "ValidationError") && strings.Contains(err.Error(), "does not exist") {
			return nil, nil
		}
		return nil, fmt.Errorf("cloudformation:DescribeStacks %s (%s): %w", s.name, s.where, err)
	}
	if len(out.Stacks) == 0 || out.Stacks[0].StackStatus == cfntypes.StackStatusDeleteComplete {
		return nil, nil
	}
	return &out.Stacks[0], nil
}

// plan adds the steps that make the stack current; it reports whether
// the stack exists now.
func (s *stack) plan(ctx context.Context, pl *plan.Plan) (bool, error) {
	cur, err := s.describe(ctx)
	if err != nil {
		return false, err
	}
	if cur == nil {
		pl.Addf(s.create, "create stack %s in the %s", s.name, s.where)
		return false, nil
	}
	status := string(cur.StackStatus)
	reason := aws.ToString(cur.StackStatusReason)
	switch {
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return true, fmt.Errorf("stack %s in the %s is %s: wait for it to finish, then run again", s.name, s.where, status)
	case cur.StackStatus == cfntypes.StackStatusRollbackComplete, cur.StackStatus == cfntypes.StackStatusRollbackFailed,
		cur.StackStatus == cfntypes.StackStatusDeleteFailed:
		// A stack whose creation failed can only be deleted; one whose
		// deletion failed is deleted again (its events say what blocked
		// it when that fails too).
		pl.Addf(func(ctx context.Context) error {
			if err := s.delete(ctx); err != nil {
				return err
			}
			return s.create(ctx)
		}, "delete stack %s in the %s (it is %s%s) and create it again", s.name, s.where, status, because(reason))
		return true, nil
	case cur.StackStatus == cfntypes.StackStatusUpdateRollbackFailed:
		// The only way out CloudFormation offers: finish the rollback
		// (to the last working state), then update again.
		pl.Addf(func(ctx context.Context) error {
			if err := s.continueRollback(ctx); err != nil {
				return err
			}
			return s.update(ctx)
		}, "continue the rollback of stack %s in the %s (it is %s%s), then update it", s.name, s.where, status, because(reason))
		return true, nil
	}
	tpl, err := s.cfn.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: &s.name, TemplateStage: cfntypes.TemplateStageOriginal})
	if err != nil {
		return true, fmt.Errorf("cloudformation:GetTemplate %s: %w", s.name, err)
	}
	var why []string
	if strings.TrimSpace(aws.ToString(tpl.TemplateBody)) != strings.TrimSpace(s.body) {
		why = append(why, "template changed")
	}
	if changed := changedParams(stackParams(cur.Parameters), s.params); len(changed) > 0 {
		why = append(why, "parameters "+strings.Join(changed, ", "))
	}
	if len(why) > 0 {
		pl.Addf(s.update, "update stack %s in the %s (%s)", s.name, s.where, strings.Join(why, "; "))
	}
	return true, nil
}

func (s *stack) create(ctx context.Context) error {
	start := time.Now()
	_, err := s.cfn.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: &s.name, TemplateBody: &s.body, Parameters: cfnParams(s.params), Capabilities: capabilities,
		OnFailure: cfntypes.OnFailureRollback,
		Tags:      []cfntypes.Tag{{Key: aws.String("cisguard:managed"), Value: aws.String("true")}},
	})
	if err != nil {
		return err
	}
	return s.wait(ctx, start, cfntypes.StackStatusCreateComplete)
}

func (s *stack) update(ctx context.Context) error {
	start := time.Now()
	_, err := s.cfn.UpdateStack(ctx, &cloudformation.UpdateStackInput{
		StackName: &s.name, TemplateBody: &s.body, Parameters: cfnParams(s.params), Capabilities: capabilities,
	})
	if err != nil {
		if isCode(err, "ValidationError") && strings.Contains(err.Error(), "No updates are to be performed") {
			return nil
		}
		return err
	}
	return s.wait(ctx, start, cfntypes.StackStatusUpdateComplete)
}

func (s *stack) continueRollback(ctx context.Context) error {
	start := time.Now()
	if _, err := s.cfn.ContinueUpdateRollback(ctx, &cloudformation.ContinueUpdateRollbackInput{StackName: &s.name}); err != nil {
		return err
	}
	return s.wait(ctx, start, cfntypes.StackStatusUpdateRollbackComplete)
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

func (s *stack) delete(ctx context.Context) error {
	start := time.Now()
	if _, err := s.cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: &s.name}); err != nil {
		return err
	}
	return s.wait(ctx, start, cfntypes.StackStatusDeleteComplete)
}

// wait polls the stack until it leaves its *_IN_PROGRESS states, printing
// each new status; when it does not end in want, the error carries the
// stack events that explain why.
func (s *stack) wait(ctx context.Context, start time.Time, want cfntypes.StackStatus) error {
	last := ""
	for {
		cur, err := s.describe(ctx)
		if err != nil {
			return err
		}
		status := cfntypes.StackStatusDeleteComplete
		if cur != nil {
			status = cur.StackStatus
		}
		if string(status) != last {
			last = string(status)
			progress(s.progress, "stack %s (%s): %s", s.name, s.where, status)
		}
		if !strings.HasSuffix(string(status), "_IN_PROGRESS") {
			if status == want {
				return nil
			}
			return fmt.Errorf("stack %s ended in %s%s", s.name, status, s.failures(ctx, start))
		}
		if err := sleep(ctx, s.poll); err != nil {
			return err
		}
	}
}

// failures returns the failed events of the stack since start, oldest
// first, one per line: the reasons CloudFormation gives.
func (s *stack) failures(ctx context.Context, start time.Time) string {
	var lines []string
	var token *string
	for pages := 0; pages < 10; pages++ {
		out, err := s.cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: &s.name, NextToken: token})
		if err != nil {
			return fmt.Sprintf(" (its events could not be read: %v)", err)
		}
		done := false
		for _, e := range out.StackEvents { // newest first
			if e.Timestamp != nil && e.Timestamp.Before(start.Add(-time.Minute)) {
				done = true
				break
			}
			if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") {
				lines = append(lines, fmt.Sprintf("  %s %s %s: %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType),
					e.ResourceStatus, aws.ToString(e.ResourceStatusReason)))
			}
		}
		if token = out.NextToken; done || token == nil {
			break
		}
	}
	if len(lines) == 0 {
		return ""
	}
	slices.Reverse(lines)
	return ":\n" + strings.Join(lines, "\n")
}

// stackSet is one service-managed StackSet the deployment owns, in the
// management account's home region.
type stackSet struct {
	cfn      CloudFormation
	name     string
	describe string // what its stacks are, for messages
	body     string
	params   map[string]string
	root     string // organization root id
	// targets lists, per region, the accounts that must have a CURRENT
	// stack instance (service-managed StackSets never deploy to the
	// management account: it is never a target).
	targets map[string][]string
	// overrides are per-instance parameter values ("account/region").
	overrides map[string]map[string]string
	// autoDeploy deploys to accounts that join the organization later.
	autoDeploy bool
	// members is the organization's member accounts: with autoDeploy, a
	// region targeting all of them is deployed to the root as a whole.
	members []string
	// memberStacks reaches a member account's CloudFormation, to delete
	// the stack an INOPERABLE instance left.
	memberStacks func(ctx context.Context, account, region string) (CloudFormation, error)
	progress     io.Writer
	poll         time.Duration

	// Read from AWS by read.
	exists    bool
	cur       *cfntypes.StackSet
	instances map[string]map[string]instance // region → account → instance
}

// instance is one stack instance of a StackSet.
type instance struct {
	status  cfntypes.StackInstanceStatus
	reason  string
	stackID string
}

// read loads the StackSet and its instances.
func (s *stackSet) read(ctx context.Context) (*stackSet, error) {
	s.instances = map[string]map[string]instance{}
	out, err := s.cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: &s.name})
	switch {
	case isCode(err, "StackSetNotFoundException"):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("cloudformation:DescribeStackSet %s: %w", s.name, err)
	case out.StackSet == nil || out.StackSet.Status == cfntypes.StackSetStatusDeleted:
		return s, nil
	}
	s.exists, s.cur = true, out.StackSet
	var token *string
	for {
		page, err := s.cfn.ListStackInstances(ctx, &cloudformation.ListStackInstancesInput{StackSetName: &s.name, NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("cloudformation:ListStackInstances %s: %w", s.name, err)
		}
		for _, in := range page.Summaries {
			r := aws.ToString(in.Region)
			if s.instances[r] == nil {
				s.instances[r] = map[string]instance{}
			}
			s.instances[r][aws.ToString(in.Account)] = instance{status: in.Status, reason: aws.ToString(in.StatusReason), stackID: aws.ToString(in.StackId)}
		}
		if token = page.NextToken; token == nil {
			return s, nil
		}
	}
}

// SetSummary is the state of one StackSet's instances in one region, for
// the report.
type SetSummary struct {
	StackSet, Region                          string
	Targets, Current, Missing, Outdated, Gone int
}

// plan adds the steps that leave a CURRENT stack instance in every target
// account and region: a missing instance is created; an OUTDATED one (a
// failed or stopped operation left it behind) is updated again; an
// INOPERABLE one (a failed deletion) is removed, its stack deleted, and
// created again. It reports each region's state in sums.
func (s *stackSet) plan(ctx context.Context, pl *plan.Plan, sums *[]SetSummary) error {
	if _, err := s.read(ctx); err != nil {
		return err
	}
	if !s.exists {
		pl.Addf(s.create, "create StackSet %s (%s, service-managed%s)", s.name, s.describe, map[bool]string{true: ", automatic deployment to accounts that join"}[s.autoDeploy])
	} else {
		var why []string
		if strings.TrimSpace(aws.ToString(s.cur.TemplateBody)) != strings.TrimSpace(s.body) {
			why = append(why, "template changed")
		}
		if changed := changedParams(stackParams(s.cur.Parameters), s.params); len(changed) > 0 {
			why = append(why, "parameters "+strings.Join(changed, ", "))
		}
		if len(why) > 0 {
			pl.Addf(s.update, "update StackSet %s and its stacks (%s)", s.name, strings.Join(why, "; "))
		}
	}
	for _, region := range slices.Sorted(maps.Keys(s.targets)) {
		sum := SetSummary{StackSet: s.name, Region: region, Targets: len(s.targets[region])}
		var missing, outdated, inoperable []string
		reasons := map[string]bool{}
		for _, a := range s.targets[region] {
			in, ok := s.instances[region][a]
			switch {
			case !ok:
				missing = append(missing, a)
			case in.status == cfntypes.StackInstanceStatusCurrent:
				sum.Current++
			case in.status == cfntypes.StackInstanceStatusInoperable:
				inoperable = append(inoperable, a)
			default:
				outdated = append(outdated, a)
				if in.reason != "" {
					reasons[in.reason] = true
				}
			}
		}
		sum.Missing, sum.Outdated, sum.Gone = len(missing), len(outdated), len(inoperable)
		*sums = append(*sums, sum)
		if len(inoperable) > 0 {
			pl.Addf(func(ctx context.Context) error { return s.recreate(ctx, region, inoperable) },
				"remove the INOPERABLE stack instances of %s in %s (%s), delete the stacks they left, and deploy them again", s.name, region, accountsText(inoperable))
		}
		if len(outdated) > 0 {
			pl.Addf(func(ctx context.Context) error { return s.updateInstances(ctx, region, outdated) },
				"deploy StackSet %s again in %s to %s (OUTDATED%s)", s.name, region, accountsText(outdated), because(strings.Join(slices.Sorted(maps.Keys(reasons)), "; ")))
		}
		if len(missing) > 0 {
			all := s.autoDeploy && len(s.instances[region]) == 0 && slices.Equal(missing, s.members)
			what := accountsText(missing)
			if all {
				what = fmt.Sprintf("every member account of the organization (%d)", len(missing))
			}
			pl.Addf(func(ctx context.Context) error { return s.addInstances(ctx, region, missing, all) },
				"deploy StackSet %s in %s to %s", s.name, region, what)
		}
	}
	return nil
}

// accountsText lists accounts, abbreviated past ten.
func accountsText(accounts []string) string {
	if len(accounts) > 10 {
		return fmt.Sprintf("%s and %d more accounts", strings.Join(accounts[:10], ", "), len(accounts)-10)
	}
	return strings.Join(accounts, ", ")
}

func (s *stackSet) autoDeployment() *cfntypes.AutoDeployment {
	// RetainStacksOnAccountRemoval may be given only with Enabled true.
	if s.autoDeploy {
		return &cfntypes.AutoDeployment{Enabled: aws.Bool(true), RetainStacksOnAccountRemoval: aws.Bool(false)}
	}
	return &cfntypes.AutoDeployment{Enabled: aws.Bool(false)}
}

func (s *stackSet) create(ctx context.Context) error {
	_, err := s.cfn.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{
		StackSetName:     &s.name,
		Description:      aws.String("cisguard: " + s.describe),
		TemplateBody:     &s.body,
		Parameters:       cfnParams(s.params),
		Capabilities:     capabilities,
		PermissionModel:  cfntypes.PermissionModelsServiceManaged,
		AutoDeployment:   s.autoDeployment(),
		ManagedExecution: &cfntypes.ManagedExecution{Active: aws.Bool(true)},
		Tags:             []cfntypes.Tag{{Key: aws.String("cisguard:managed"), Value: aws.String("true")}},
	})
	if err != nil {
		return err
	}
	progress(s.progress, "StackSet %s: created", s.name)
	return nil
}

func (s *stackSet) update(ctx context.Context) error {
	out, err := s.cfn.UpdateStackSet(ctx, &cloudformation.UpdateStackSetInput{
		StackSetName: &s.name, TemplateBody: &s.body, Parameters: cfnParams(s.params), Capabilities: capabilities,
		PermissionModel:      cfntypes.PermissionModelsServiceManaged,
		AutoDeployment:       s.autoDeployment(),
		OperationPreferences: preferences(),
	})
	if err != nil {
		return err
	}
	return s.waitOp(ctx, aws.ToString(out.OperationId), "update")
}

// byOverrides splits accounts by the parameter overrides of their
// instances in region, so that each group is one operation.
func (s *stackSet) byOverrides(region string, accounts []string) [][]string {
	groups := map[string][]string{}
	for _, a := range accounts {
		k := fmt.Sprint(cfnParams(s.overrides[a+"/"+region]))
		groups[k] = append(groups[k], a)
	}
	var out [][]string
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		out = append(out, groups[k])
	}
	return out
}

func (s *stackSet) addInstances(ctx context.Context, region string, accounts []string, all bool) error {
	if all && len(s.overrides) == 0 {
		return s.createInstances(ctx, region, nil)
	}
	for _, group := range s.byOverrides(region, accounts) {
		if err := s.createInstances(ctx, region, group); err != nil {
			return err
		}
	}
	return nil
}

// createInstances deploys to accounts in region (every member account
// under the root when accounts is nil).
func (s *stackSet) createInstances(ctx context.Context, region string, accounts []string) error {
	targets := &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{s.root}}
	var overrides []cfntypes.Parameter
	if accounts != nil {
		targets.Accounts = accounts
		targets.AccountFilterType = cfntypes.AccountFilterTypeIntersection
		overrides = cfnParams(s.overrides[accounts[0]+"/"+region])
	}
	out, err := s.cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
		StackSetName: &s.name, DeploymentTargets: targets, Regions: []string{region},
		ParameterOverrides: overrides, OperationPreferences: preferences(),
	})
	if err != nil {
		return err
	}
	return s.waitOp(ctx, aws.ToString(out.OperationId), "deploy to "+region)
}

// updateInstances deploys the StackSet's template again to existing
// instances (those a failed operation left OUTDATED).
func (s *stackSet) updateInstances(ctx context.Context, region string, accounts []string) error {
	for _, group := range s.byOverrides(region, accounts) {
		out, err := s.cfn.UpdateStackInstances(ctx, &cloudformation.UpdateStackInstancesInput{
			StackSetName: &s.name, Regions: []string{region},
			DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{s.root},
				Accounts: group, AccountFilterType: cfntypes.AccountFilterTypeIntersection},
			ParameterOverrides: cfnParams(s.overrides[group[0]+"/"+region]), OperationPreferences: preferences(),
		})
		if err != nil {
			return err
		}
		if err := s.waitOp(ctx, aws.ToString(out.OperationId), "deploy again to "+region); err != nil {
			return err
		}
	}
	return nil
}

// recreate is the way out of INOPERABLE instances AWS documents: delete
// the instances keeping their stacks (RetainStacks), delete those stacks
// in their accounts, and deploy again.
func (s *stackSet) recreate(ctx context.Context, region string, accounts []string) error {
	out, err := s.cfn.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{
		StackSetName: &s.name, Regions: []string{region}, RetainStacks: aws.Bool(true),
		DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{s.root},
			Accounts: accounts, AccountFilterType: cfntypes.AccountFilterTypeIntersection},
		OperationPreferences: preferences(),
	})
	if err != nil {
		return err
	}
	if err := s.waitOp(ctx, aws.ToString(out.OperationId), "remove INOPERABLE instances in "+region); err != nil {
		return err
	}
	for _, a := range accounts {
		id := s.instances[region][a].stackID
		if id == "" {
			continue
		}
		cfn, err := s.memberStacks(ctx, a, region)
		if err != nil {
			return fmt.Errorf("account %s: delete the stack %s that the INOPERABLE instance left: %w (delete it there yourself, then run again)", a, id, err)
		}
		st := &stack{cfn: cfn, name: id, where: fmt.Sprintf("account %s, %s", a, region), progress: s.progress, poll: s.poll}
		if err := st.delete(ctx); err != nil {
			return err
		}
	}
	return s.addInstances(ctx, region, accounts, false)
}

// remove deletes every stack instance, then the StackSet.
func (s *stackSet) remove(ctx context.Context, regions []string) error {
	if len(regions) > 0 {
		out, err := s.cfn.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{
			StackSetName: &s.name, Regions: regions, RetainStacks: aws.Bool(false),
			DeploymentTargets:    &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{s.root}},
			OperationPreferences: preferences(),
		})
		if err != nil {
			return err
		}
		if err := s.waitOp(ctx, aws.ToString(out.OperationId), "delete stacks"); err != nil {
			return err
		}
	}
	_, err := s.cfn.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: &s.name})
	return err
}

// Operation preferences. In the default strict failure-tolerance mode
// CloudFormation caps concurrency at the failure tolerance plus one, so a
// tolerance of 0 deploys to one account at a time: hours for a large
// organization. Soft failure tolerance decouples the two: a quarter of
// the accounts at a time, all regions at once, and an operation stops
// once more than a tenth of the accounts failed; each failure is reported
// by waitOp (the operation may succeed with failures within tolerance).
const (
	maxConcurrentPercent    = 25
	failureTolerancePercent = 10
)

func preferences() *cfntypes.StackSetOperationPreferences {
	return &cfntypes.StackSetOperationPreferences{
		RegionConcurrencyType:      cfntypes.RegionConcurrencyTypeParallel,
		ConcurrencyMode:            cfntypes.ConcurrencyModeSoftFailureTolerance,
		MaxConcurrentPercentage:    aws.Int32(maxConcurrentPercent),
		FailureTolerancePercentage: aws.Int32(failureTolerancePercent),
	}
}

// waves is how many rounds an operation over n accounts takes at the
// preferences' concurrency (CloudFormation rounds the percentage down,
// and up to one when it would be zero).
func waves(n int) int {
	if n == 0 {
		return 0
	}
	at := max(1, n*maxConcurrentPercent/100)
	return (n + at - 1) / at
}

// waitOp polls a StackSet operation to its end, printing each new status;
// when it fails, the error lists each account and region that failed with
// CloudFormation's reason.
func (s *stackSet) waitOp(ctx context.Context, id, what string) error {
	last := ""
	for {
		out, err := s.cfn.DescribeStackSetOperation(ctx, &cloudformation.DescribeStackSetOperationInput{StackSetName: &s.name, OperationId: &id})
		if err != nil {
			return fmt.Errorf("cloudformation:DescribeStackSetOperation %s: %w", s.name, err)
		}
		op := out.StackSetOperation
		if string(op.Status) != last {
			last = string(op.Status)
			progress(s.progress, "StackSet %s (%s): %s", s.name, what, op.Status)
		}
		switch op.Status {
		case cfntypes.StackSetOperationStatusSucceeded:
			// Failures within the tolerance still leave accounts behind.
			if failed := s.opFailures(ctx, id, ""); failed != "" {
				return fmt.Errorf("StackSet %s: %s succeeded except in some accounts (run again once their cause is fixed)%s", s.name, what, failed)
			}
			return nil
		case cfntypes.StackSetOperationStatusFailed, cfntypes.StackSetOperationStatusStopped:
			return fmt.Errorf("StackSet %s: %s %s%s", s.name, what, op.Status, s.opFailures(ctx, id, aws.ToString(op.StatusReason)))
		}
		if err := sleep(ctx, s.poll); err != nil {
			return err
		}
	}
}

func (s *stackSet) opFailures(ctx context.Context, id, reason string) string {
	var lines []string
	if reason != "" {
		lines = append(lines, "  "+reason)
	}
	var token *string
	for {
		out, err := s.cfn.ListStackSetOperationResults(ctx, &cloudformation.ListStackSetOperationResultsInput{StackSetName: &s.name, OperationId: &id, NextToken: token})
		if err != nil {
			lines = append(lines, fmt.Sprintf("  (results could not be read: %v)", err))
			break
		}
		for _, r := range out.Summaries {
			if r.Status != cfntypes.StackSetOperationResultStatusSucceeded {
				lines = append(lines, fmt.Sprintf("  %s %s: %s: %s", aws.ToString(r.Account), aws.ToString(r.Region), r.Status, aws.ToString(r.StatusReason)))
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return ":\n" + strings.Join(lines, "\n")
}

func cfnParams(m map[string]string) []cfntypes.Parameter {
	var out []cfntypes.Parameter
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(m[k])})
	}
	return out
}

func stackParams(ps []cfntypes.Parameter) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		m[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	return m
}

// changedParams lists the keys whose wanted value differs from the current.
func changedParams(cur, want map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if v, ok := cur[k]; !ok || v != want[k] {
			out = append(out, k)
		}
	}
	return out
}

func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, "  … "+format+"\n", args...)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isCode reports whether err is an AWS API error with the given code.
func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// isNotFound reports whether an S3 Head call found nothing.
func isNotFound(err error) bool {
	return isCode(err, "NotFound") || isCode(err, "NoSuchKey") || isCode(err, "NoSuchBucket") || isCode(err, "404")
}
