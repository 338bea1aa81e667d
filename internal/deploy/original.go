package deploy

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// original finds what the original solution (or anything else of the same
// names) left where cisguard is about to create its own, before anything
// is planned: the member role (IAM role names are global to an account,
// so the StackSet would fail there with "already exists"), the CloudTrail
// key alias and the member topics (adopted: cisguard uses them as they
// are), the custom action and the EventBridge rules that send Security
// Hub findings to the original function (which would remediate the same
// findings a second time, with an administrator role).
//
// The role and the rules are replaced only with --replace-original: the
// role is deleted just before cisguard's is deployed, the rules disabled
// (not deleted: enable them again to go back). Without the flag deploy
// stops and says exactly what to do.
func (p *Planner) original(ctx context.Context, admin Services) error {
	o := &p.Opts
	var foreign []string // accounts with a role of that name cisguard did not deploy
	for _, a := range p.org.members() {
		if st := p.accounts[a]; st != nil && st.role != "" && !st.ourRole {
			foreign = append(foreign, a)
		}
	}
	rules, err := p.originalRules(ctx, admin.Events)
	if err != nil {
		return err
	}
	if len(foreign) > 0 {
		p.Report.Original = append(p.Report.Original, fmt.Sprintf("role %s in %d account(s) not deployed by cisguard: %s", o.Data.RoleName, len(foreign), strings.Join(foreign, ", ")))
	}
	for _, r := range rules {
		p.Report.Original = append(p.Report.Original, fmt.Sprintf("EventBridge rule %s in the admin account sends Security Hub findings to %s", r.name, strings.Join(r.targets, ", ")))
	}
	if (len(foreign) > 0 || len(rules) > 0) && !o.ReplaceOriginal {
		return p.originalSteps(foreign, rules)
	}
	// The replacements run just before cisguard's member role is
	// deployed (memberStackSets), so a failure before that leaves the
	// original solution working.
	for _, r := range rules {
		name := r.name
		p.replacements.Addf(func(ctx context.Context) error {
			_, err := admin.Events.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: &name})
			return err
		}, "disable EventBridge rule %s in the admin account (--replace-original; it sends findings to %s; enable it again to go back)", name, strings.Join(r.targets, ", "))
	}
	for _, a := range foreign {
		svc, err := p.services(ctx, a, o.home())
		if err != nil {
			return fmt.Errorf("account %s: %w", a, err)
		}
		role := o.Data.RoleName
		p.replacements.Addf(func(ctx context.Context) error { return deleteRole(ctx, svc.IAM, role) },
			"delete role %s in account %s (--replace-original; not deployed by cisguard: the original solution's role), so cisguard's can take its name", role, a)
	}
	return nil
}

// originalSteps is the error that stops a deployment which would collide
// with the original solution, with the ways out.
func (p *Planner) originalSteps(foreign []string, rules []foreignRule) error {
	o := &p.Opts
	var b strings.Builder
	b.WriteString("cisguard would collide with what the original solution (or another tool) left:\n")
	if len(foreign) > 0 {
		fmt.Fprintf(&b, "  - role %s exists in %s, not deployed by cisguard: the member role StackSet would fail there with \"already exists\".\n", o.Data.RoleName, strings.Join(foreign, ", "))
	}
	for _, r := range rules {
		fmt.Fprintf(&b, "  - EventBridge rule %s in the admin account sends Security Hub findings to %s: those findings would be remediated twice.\n", r.name, strings.Join(r.targets, ", "))
	}
	b.WriteString("Either run again with --replace-original (cisguard deletes the role just before deploying its own and disables the rules), or do it yourself:\n")
	for _, a := range foreign {
		fmt.Fprintf(&b, "  in %s: detach its policies (aws iam list-attached-role-policies --role-name %[2]s; aws iam detach-role-policy --role-name %[2]s --policy-arn ARN), delete its inline policies (aws iam delete-role-policy), then aws iam delete-role --role-name %[2]s\n", a, o.Data.RoleName)
	}
	for _, r := range rules {
		fmt.Fprintf(&b, "  in %s, %s: aws events disable-rule --name %s\n", o.AdminAccount, o.home(), r.name)
	}
	if len(foreign) > 0 {
		b.WriteString("or set roleName in the configuration to deploy cisguard's role beside the existing one.")
	}
	return fmt.Errorf("%s", strings.TrimRight(b.String(), "\n"))
}

// foreignRule is an EventBridge rule of the original solution.
type foreignRule struct {
	name    string
	targets []string
}

// originalLambda recognizes the original solution's function by name.
var originalLambda = regexp.MustCompile(`(?i)cis.*remediat|remediat.*cis`)

// originalRules finds the enabled EventBridge rules in the admin account's
// home region that send cisguard's custom action's findings, or Security
// Hub findings to a function named like the original's, anywhere but to
// cisguard.
func (p *Planner) originalRules(ctx context.Context, api Events) ([]foreignRule, error) {
	o := &p.Opts
	action := "action/custom/" + o.Data.ActionID
	var out []foreignRule
	var token *string
	for {
		page, err := api.ListRules(ctx, &eventbridge.ListRulesInput{NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("events:ListRules in the admin account, %s: %w", o.home(), err)
		}
		for _, r := range page.Rules {
			name, pattern := aws.ToString(r.Name), aws.ToString(r.EventPattern)
			if r.State != "ENABLED" || !strings.Contains(pattern, "aws.securityhub") || strings.HasPrefix(name, "cisguard-") {
				continue
			}
			targets, err := api.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: r.Name})
			if err != nil {
				return nil, fmt.Errorf("events:ListTargetsByRule %s: %w", name, err)
			}
			var arns []string
			suspect := strings.Contains(pattern, action)
			for _, t := range targets.Targets {
				arn := aws.ToString(t.Arn)
				if strings.Contains(arn, ":function:cisguard-") {
					continue
				}
				arns = append(arns, arn)
				if strings.Contains(arn, ":lambda:") && originalLambda.MatchString(arn[strings.LastIndex(arn, ":")+1:]) {
					suspect = true
				}
			}
			if suspect && len(arns) > 0 {
				out = append(out, foreignRule{name: name, targets: arns})
			}
		}
		if token = page.NextToken; token == nil {
			return out, nil
		}
	}
}

// deleteRole deletes a role with everything IAM requires gone first: its
// managed policies, its inline policies and its instance profiles.
func deleteRole(ctx context.Context, api IAM, name string) error {
	attached, err := api.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &name})
	if err != nil {
		return err
	}
	for _, pol := range attached.AttachedPolicies {
		if _, err := api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: pol.PolicyArn}); err != nil {
			return err
		}
	}
	inline, err := api.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: &name})
	if err != nil {
		return err
	}
	for _, pol := range inline.PolicyNames {
		if _, err := api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String(pol)}); err != nil {
			return err
		}
	}
	profiles, err := api.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: &name})
	if err != nil {
		return err
	}
	for _, ip := range profiles.InstanceProfiles {
		if _, err := api.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{RoleName: &name, InstanceProfileName: ip.InstanceProfileName}); err != nil {
			return err
		}
	}
	_, err = api.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name})
	return err
}
