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
	switch {
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return true, fmt.Errorf("stack %s in the %s is %s: wait for it to finish, then run again", s.name, s.where, status)
	case cur.StackStatus == cfntypes.StackStatusRollbackComplete:
		// A stack whose creation failed can only be deleted.
		pl.Addf(func(ctx context.Context) error {
			if err := s.delete(ctx); err != nil {
				return err
			}
			return s.create(ctx)
		}, "delete stack %s in the %s (its creation failed earlier: %s) and create it again", s.name, s.where, status)
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
	// regions are deployed to every account under the root, or, when
	// accounts is set, accounts[region] only (AutoDeployment off).
	regions    []string
	accounts   map[string][]string
	autoDeploy bool
	progress   io.Writer
	poll       time.Duration
}

func (s *stackSet) plan(ctx context.Context, pl *plan.Plan) error {
	out, err := s.cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: &s.name})
	var cur *cfntypes.StackSet
	switch {
	case err == nil && out.StackSet != nil && out.StackSet.Status != cfntypes.StackSetStatusDeleted:
		cur = out.StackSet
	case err == nil, isCode(err, "StackSetNotFoundException"):
	default:
		return fmt.Errorf("cloudformation:DescribeStackSet %s: %w", s.name, err)
	}
	have := map[string]map[string]bool{} // region → account → instance exists
	if cur == nil {
		pl.Addf(s.create, "create StackSet %s (%s, service-managed%s)", s.name, s.describe, map[bool]string{true: ", automatic deployment to new accounts"}[s.autoDeploy])
	} else {
		var why []string
		if strings.TrimSpace(aws.ToString(cur.TemplateBody)) != strings.TrimSpace(s.body) {
			why = append(why, "template changed")
		}
		if changed := changedParams(stackParams(cur.Parameters), s.params); len(changed) > 0 {
			why = append(why, "parameters "+strings.Join(changed, ", "))
		}
		if len(why) > 0 {
			pl.Addf(s.update, "update StackSet %s and its stacks (%s)", s.name, strings.Join(why, "; "))
		}
		if have, err = s.instances(ctx); err != nil {
			return err
		}
	}
	for _, region := range s.targetRegions() {
		if s.accounts == nil {
			if len(have[region]) > 0 {
				continue
			}
			pl.Addf(func(ctx context.Context) error { return s.addInstances(ctx, region, nil) },
				"deploy StackSet %s to every account of the organization in %s", s.name, region)
			continue
		}
		var add []string
		for _, a := range s.accounts[region] {
			if !have[region][a] {
				add = append(add, a)
			}
		}
		if len(add) == 0 {
			continue
		}
		slices.Sort(add)
		pl.Addf(func(ctx context.Context) error { return s.addInstances(ctx, region, add) },
			"deploy StackSet %s in %s to %s", s.name, region, strings.Join(add, ", "))
	}
	return nil
}

func (s *stackSet) targetRegions() []string {
	if s.accounts == nil {
		return s.regions
	}
	return slices.Sorted(maps.Keys(s.accounts))
}

// instances lists the StackSet's stack instances by region and account.
func (s *stackSet) instances(ctx context.Context) (map[string]map[string]bool, error) {
	have := map[string]map[string]bool{}
	var token *string
	for {
		out, err := s.cfn.ListStackInstances(ctx, &cloudformation.ListStackInstancesInput{StackSetName: &s.name, NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("cloudformation:ListStackInstances %s: %w", s.name, err)
		}
		for _, in := range out.Summaries {
			r := aws.ToString(in.Region)
			if have[r] == nil {
				have[r] = map[string]bool{}
			}
			have[r][aws.ToString(in.Account)] = true
		}
		if token = out.NextToken; token == nil {
			return have, nil
		}
	}
}

func (s *stackSet) create(ctx context.Context) error {
	_, err := s.cfn.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{
		StackSetName:     &s.name,
		Description:      aws.String("cisguard: " + s.describe),
		TemplateBody:     &s.body,
		Parameters:       cfnParams(s.params),
		Capabilities:     capabilities,
		PermissionModel:  cfntypes.PermissionModelsServiceManaged,
		AutoDeployment:   &cfntypes.AutoDeployment{Enabled: aws.Bool(s.autoDeploy), RetainStacksOnAccountRemoval: aws.Bool(false)},
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
		AutoDeployment:       &cfntypes.AutoDeployment{Enabled: aws.Bool(s.autoDeploy), RetainStacksOnAccountRemoval: aws.Bool(false)},
		OperationPreferences: preferences(),
	})
	if err != nil {
		return err
	}
	return s.waitOp(ctx, aws.ToString(out.OperationId), "update")
}

func (s *stackSet) addInstances(ctx context.Context, region string, accounts []string) error {
	targets := &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{s.root}}
	if accounts != nil {
		targets.Accounts = accounts
		targets.AccountFilterType = cfntypes.AccountFilterTypeIntersection
	}
	out, err := s.cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
		StackSetName: &s.name, DeploymentTargets: targets, Regions: []string{region}, OperationPreferences: preferences(),
	})
	if err != nil {
		return err
	}
	return s.waitOp(ctx, aws.ToString(out.OperationId), "deploy to "+region)
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

// preferences deploy to all regions at once and to a quarter of the
// accounts at a time, stopping at the first failure so that a broken
// template fails once, not once per account.
func preferences() *cfntypes.StackSetOperationPreferences {
	return &cfntypes.StackSetOperationPreferences{
		RegionConcurrencyType:   cfntypes.RegionConcurrencyTypeParallel,
		MaxConcurrentPercentage: aws.Int32(25),
		FailureToleranceCount:   aws.Int32(0),
	}
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
