package controls

// Managed policies: no attached policy allows full "*:*" administrative
// privileges (1.16, guided), and a role with AWSSupportAccess exists to
// manage incidents with AWS Support (1.17).

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// policyAttachments are the principals a managed policy is attached to.
type policyAttachments struct{ groups, users, roles []string }

func (a policyAttachments) empty() bool { return len(a.groups)+len(a.users)+len(a.roles) == 0 }

// policyEntities lists where a managed policy is attached; filter ""
// lists every kind of principal.
func policyEntities(ctx context.Context, api awsapi.IAM, arn string, filter types.EntityType) (policyAttachments, error) {
	var a policyAttachments
	pages := iam.NewListEntitiesForPolicyPaginator(api, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn), EntityFilter: filter})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return a, fmt.Errorf("list entities of policy %s: %w", arn, err)
		}
		for _, g := range pg.PolicyGroups {
			a.groups = append(a.groups, aws.ToString(g.GroupName))
		}
		for _, u := range pg.PolicyUsers {
			a.users = append(a.users, aws.ToString(u.UserName))
		}
		for _, r := range pg.PolicyRoles {
			a.roles = append(a.roles, aws.ToString(r.RoleName))
		}
	}
	return a, nil
}

// adminStatements returns the statements that allow every action on every
// resource, named by Sid or position.
func adminStatements(doc *policyDocument) []string {
	var out []string
	for i, s := range doc.Statement {
		if s["Effect"] != "Allow" {
			continue
		}
		has := func(field string, wild ...string) bool {
			return slices.ContainsFunc(stringList(s[field]), func(v string) bool { return slices.Contains(wild, v) })
		}
		if has("Action", "*", "*:*") && has("Resource", "*") {
			name := fmt.Sprintf("#%d", i+1)
			if sid, _ := s["Sid"].(string); sid != "" {
				name = sid
			}
			out = append(out, name)
		}
	}
	return out
}

func guideAdminPolicy(ctx context.Context, t *Target) (*Guidance, error) {
	api := t.Clients.IAM()
	arn := t.Resource.ID
	pol, err := api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get policy %s: %w", arn, err)
	}
	name, version := aws.ToString(pol.Policy.PolicyName), aws.ToString(pol.Policy.DefaultVersionId)
	v, err := api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(version)})
	if err != nil {
		return nil, fmt.Errorf("get version %s of policy %s: %w", version, arn, err)
	}
	doc, err := parsePolicy(aws.ToString(v.PolicyVersion.Document))
	if err != nil {
		return nil, fmt.Errorf("policy %s version %s: %w", arn, version, err)
	}
	stmts := adminStatements(doc)
	if len(stmts) == 0 {
		return nil, nil
	}
	att, err := policyEntities(ctx, api, arn, "")
	if err != nil {
		return nil, err
	}
	g := &Guidance{Summary: fmt.Sprintf("IAM policy %s (%s) allows Action \"*\" on Resource \"*\" in its default version %s (statement %s) and is attached to %s.",
		name, arn, version, strings.Join(stmts, ", "), describeAttachments(att))}
	if att.empty() {
		g.Steps = []string{
			fmt.Sprintf("If nothing needs it, delete it: delete its other versions (aws iam list-policy-versions --policy-arn %s, then aws iam delete-policy-version --policy-arn %s --version-id <id> for each non-default one), then aws iam delete-policy --policy-arn %s", arn, arn, arn),
			fmt.Sprintf("Otherwise replace its default version with a least-privilege document: aws iam create-policy-version --policy-arn %s --policy-document file://least-privilege.json --set-as-default", arn),
		}
		return g, nil
	}
	if strings.Contains(arn, ":iam::aws:policy/") {
		g.Steps = append(g.Steps,
			fmt.Sprintf("Find what its principals really use: IAM > Policies > %s > Entities attached, and each principal's Last accessed tab.", name),
			fmt.Sprintf("%s is managed by AWS and cannot be changed: give each principal that must not have full administrative access the narrower permissions it needs, then detach it:", name))
	} else {
		g.Steps = append(g.Steps,
			fmt.Sprintf("Find what its principals really use: IAM > Policies > %s > Entities attached, and each principal's Last accessed tab.", name),
			fmt.Sprintf("Either replace its default version with a least-privilege document: aws iam create-policy-version --policy-arn %s --policy-document file://least-privilege.json --set-as-default (a policy keeps at most 5 versions: delete an old one first with aws iam delete-policy-version --policy-arn %s --version-id <id>).", arn, arn),
			"Or detach it from each principal that must not have full administrative access, after giving it the narrower permissions it needs:")
	}
	for _, n := range att.groups {
		g.Steps = append(g.Steps, fmt.Sprintf("group %s: aws iam detach-group-policy --group-name %s --policy-arn %s", n, n, arn))
	}
	for _, n := range att.users {
		g.Steps = append(g.Steps, fmt.Sprintf("user %s: aws iam detach-user-policy --user-name %s --policy-arn %s", n, n, arn))
	}
	for _, n := range att.roles {
		g.Steps = append(g.Steps, fmt.Sprintf("role %s: aws iam detach-role-policy --role-name %s --policy-arn %s", n, n, arn))
	}
	return g, nil
}

// describeAttachments says where a policy is attached, naming every principal.
func describeAttachments(a policyAttachments) string {
	if a.empty() {
		return "no user, group or role"
	}
	var parts []string
	for _, k := range []struct {
		kind  string
		names []string
	}{{"group", a.groups}, {"user", a.users}, {"role", a.roles}} {
		if len(k.names) == 0 {
			continue
		}
		kind := k.kind
		if len(k.names) > 1 {
			kind += "s"
		}
		parts = append(parts, kind+" "+strings.Join(k.names, ", "))
	}
	return strings.Join(parts, "; ")
}

// SupportRoleParams configures 1.17.
type SupportRoleParams struct {
	// RoleName is the role created when no role has AWSSupportAccess.
	RoleName string `yaml:"roleName"`
}

var roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// Validate checks the role name against IAM's rules.
func (p *SupportRoleParams) Validate() error {
	if !roleNamePattern.MatchString(p.RoleName) {
		return fmt.Errorf("roleName %q is not a valid IAM role name (1-64 of letters, digits and +=,.@_-)", p.RoleName)
	}
	return nil
}

func planSupportRole(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	name := params[SupportRoleParams](t).RoleName
	api := t.Clients.IAM()
	policy := fmt.Sprintf("arn:%s:iam::aws:policy/AWSSupportAccess", t.Clients.Partition())
	att, err := policyEntities(ctx, api, policy, types.EntityTypeRole)
	if err != nil {
		return nil, err
	}
	if !att.empty() {
		return p, nil
	}
	_, err = api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	switch {
	case awsapi.IsNotFound(err):
		root := fmt.Sprintf("arn:%s:iam::%s:root", t.Clients.Partition(), t.Account())
		trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":%q},"Action":"sts:AssumeRole"}]}`, root)
		p.Addf(func(ctx context.Context) error {
			return createRole(ctx, t, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust),
				Description: aws.String("Manages AWS Support cases (CIS 1.17); created by cisguard")})
		}, "create IAM role %s trusted by %s (principals of account %s that IAM policies allow to assume it)", name, root, t.Account()).Prior = recordRole(name)
	case err != nil:
		return nil, fmt.Errorf("get IAM role %s: %w", name, err)
	default:
		p.Note("IAM role %s already exists; its trust policy is kept", name)
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(policy)})
		return err
	}, "attach %s to IAM role %s", policy, name).Prior = recordRolePolicy(name, policy)
	return p, nil
}

// checkAdminPolicies is 1.16's check: every attached policy, customer or
// AWS managed (CIS audits every attached policy: AdministratorAccess on a
// principal fails; Security Hub's IAM.1 judges customer managed policies
// only, attached or not), guided read-only.
func checkAdminPolicies(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	var out []Result
	pages := iam.NewListPoliciesPaginator(t.Clients.IAM(), &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAll, OnlyAttached: true})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the attached policies of account %s: %w", t.Account(), err)
		}
		for _, p := range pg.Policies {
			res := arnResource(t, "AwsIamPolicy", t.Region(), aws.ToString(p.Arn))
			r := Verdict(ctx, c, t.on(res))
			if r.Status == Pass {
				r.Reason = fmt.Sprintf("policy %s allows no \"*\" action on \"*\" resource in its default version %s", aws.ToString(p.PolicyName), aws.ToString(p.DefaultVersionId))
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no policy is attached to a user, group or role of account %s", t.Account()))
	}
	return out, nil
}
