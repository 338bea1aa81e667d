package controls

// What the controls' writes may touch: the scopes that narrow their
// declared actions in the member policy (docs/architecture.md, Trust
// model). IAM writes go only to roles cisguard creates, under its
// permissions boundary; key policies only to keys it created; credentials
// only of users not tagged exempt.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/perms"
)

// Grant is what the control needs in the member account with resolved
// parameters p and the exemption tag.
func (c *Control) Grant(p any, exempt config.Tag) perms.Grant {
	g := perms.Grant{Owner: c.ID, Actions: c.Permissions}
	if c.Scopes != nil {
		g.Scopes = c.Scopes(p, exempt)
	}
	return g
}

// Grants returns what every control needs under its setting: all its
// actions in mode auto, only its reads in notify and off (the manual
// steps and a scan read; nothing there may write).
func (s *Settings) Grants(exempt config.Tag) []perms.Grant {
	var out []perms.Grant
	for _, c := range All() {
		st, ok := s.byID[c.ID]
		if !ok {
			continue
		}
		g := c.Grant(st.Params, exempt)
		if st.Mode != Auto {
			g = g.Reads()
		} else {
			g = s.withParts(c, g, exempt)
		}
		out = append(out, g)
	}
	return append(out, perms.Grant{Owner: "scan", Actions: ScanPermissions})
}

// withParts narrows the grant of a control in auto to the parts it runs:
// a part whose control is in auto, or that runs always, brings that
// control's scopes (with its parameters) for the part's actions; any other
// part's actions are not granted, since the plan does not run it.
func (s *Settings) withParts(c *Control, g perms.Grant, exempt config.Tag) perms.Grant {
	for _, part := range c.Parts {
		st, ok := s.byID[part.ID]
		if !ok || st.Mode != Auto && !part.Always {
			g.Actions = slices.DeleteFunc(slices.Clone(g.Actions), func(a string) bool { return slices.Contains(part.Actions, a) })
			continue
		}
		if st.Control.Scopes == nil {
			continue
		}
		for _, sc := range st.Control.Scopes(st.Params, exempt) {
			sc.Actions = slices.DeleteFunc(slices.Clone(sc.Actions), func(a string) bool { return !slices.Contains(part.Actions, a) })
			if len(sc.Actions) > 0 {
				g.Scopes = append(g.Scopes, sc)
			}
		}
	}
	return g
}

var (
	// underBoundary: a role may be created, or given an inline policy,
	// only with cisguard's permissions boundary.
	underBoundary = perms.Condition{"StringEquals": {"iam:PermissionsBoundary": {perms.BoundaryARN}}}
	// requestsManagedTag: the request tags what it creates cisguard:managed=true.
	requestsManagedTag = perms.Condition{"StringEquals": {"aws:RequestTag/" + perms.ManagedTagKey: {perms.ManagedTagValue}}}
	// onlyManagedTag: the only tag a request sets is cisguard:managed=true.
	onlyManagedTag = perms.Condition{
		"StringEquals":              {"aws:RequestTag/" + perms.ManagedTagKey: {perms.ManagedTagValue}},
		"ForAllValues:StringEquals": {"aws:TagKeys": {perms.ManagedTagKey}},
	}
)

// roleScopes are creating a role name (or any cisguard- role) under the
// boundary and tagged as cisguard's.
func roleScopes(name string) []perms.Scope {
	roles := perms.RoleARNs(name)
	return []perms.Scope{
		{Sid: "CreateRolesUnderBoundary", Actions: []string{"iam:CreateRole"}, Resources: roles, Condition: underBoundary},
		{Sid: "TagCreatedRoles", Actions: []string{"iam:TagRole"}, Resources: roles, Condition: onlyManagedTag},
	}
}

// deliveryRoleScopes are what a log delivery role needs: created and
// given its inline policy under the boundary, passed only to service.
func deliveryRoleScopes(name, service, sid string) []perms.Scope {
	roles := perms.RoleARNs(name)
	return append(roleScopes(name),
		perms.Scope{Sid: "WriteRolesUnderBoundary", Actions: []string{"iam:PutRolePolicy"}, Resources: roles, Condition: underBoundary},
		perms.Scope{Sid: "PassRolesTo" + sid, Actions: []string{"iam:PassRole"}, Resources: roles,
			Condition: perms.Condition{"StringEquals": {"iam:PassedToService": {service}}}})
}

// revertRolePolicyScope lets a revert delete an inline policy cisguard
// put on an existing delivery role (3.4), under the same terms as the put.
func revertRolePolicyScope(name string) perms.Scope {
	return perms.Scope{Sid: "WriteRolesUnderBoundary", Actions: []string{"iam:DeleteRolePolicy"}, Resources: perms.RoleARNs(name), Condition: underBoundary}
}

// bucketScopes are creating and writing the policy of the buckets
// cisguard names (cisguard-*) or is configured to use.
func bucketScopes(names ...string) []perms.Scope {
	return []perms.Scope{{Sid: "CreatedBuckets", Actions: []string{"s3:CreateBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"}, Resources: perms.BucketARNs(names...)}}
}

// 1.12, 1.14: the credential writes actions only on users without the
// exemption tag, so IAM itself keeps cisguard away from a break-glass user
// tagged exempt.
func credentialScopes(actions ...string) func(any, config.Tag) []perms.Scope {
	return func(_ any, exempt config.Tag) []perms.Scope {
		return []perms.Scope{{Sid: "CredentialsOfUsersNotExempt", Actions: actions, Resources: []string{perms.ARN("iam", "", "user/*")},
			Condition: perms.Condition{"StringNotEqualsIgnoreCase": {"aws:ResourceTag/" + exempt.Key: {exempt.Value}}}}}
	}
}

// 1.17: the support role, and AWSSupportAccess as the only policy it may
// attach.
func supportRoleScopes(p any, _ config.Tag) []perms.Scope {
	name := p.(*SupportRoleParams).RoleName
	return append(roleScopes(name),
		perms.Scope{Sid: "AttachAWSSupportAccessOnly", Actions: []string{"iam:AttachRolePolicy", "iam:DetachRolePolicy"}, Resources: perms.RoleARNs(name),
			Condition: perms.Condition{"ArnEquals": {"iam:PolicyARN": {"arn:" + perms.Partition + ":iam::aws:policy/AWSSupportAccess"}}}},
		// A revert deletes the role only when cisguard created it.
		perms.Scope{Sid: "DeleteCreatedSupportRole", Actions: []string{"iam:DeleteRole"}, Resources: perms.RoleARNs(name),
			Condition: perms.Condition{"StringEquals": {"aws:ResourceTag/" + perms.ManagedTagKey: {perms.ManagedTagValue}}}})
}

// locateBucketsScope declares s3:ListBucket, which S3 requires for the
// HeadBucket that finds where a trail bucket of another account is, and
// grants it nowhere: HeadBucket names the bucket's region even as it
// refuses the request, and s3:ListBucket allowed on "*" would let the
// member role list the objects of every bucket of the account.
var locateBucketsScope = perms.Scope{Sid: "ListNoBucket", Actions: []string{"s3:ListBucket"},
	Withheld: "HeadBucket names the region of a bucket of another account even as it refuses, and s3:ListBucket would let the role list every bucket's objects"}

// 3.1: the trail bucket it creates.
func cloudTrailScopes(p any, _ config.Tag) []perms.Scope {
	return append(bucketScopes(p.(*CloudTrailParams).Bucket), locateBucketsScope)
}

// 3.4: CloudTrail's delivery role.
func trailLogsScopes(p any, _ config.Tag) []perms.Scope {
	name := p.(*CloudWatchLogsParams).RoleName
	return append(deliveryRoleScopes(name, "cloudtrail.amazonaws.com", "CloudTrail"), revertRolePolicyScope(name))
}

// 3.5: the configuration bucket, and the role AWS Config records with.
func configScopes(p any, _ config.Tag) []perms.Scope {
	cfg := p.(*ConfigParams)
	role := cfg.RoleARN
	if role == "" {
		role = perms.ARN("iam", "", "role/aws-service-role/config.amazonaws.com/"+configSLR)
	}
	return append(bucketScopes(cfg.Bucket), perms.Scope{Sid: "PassRoleToConfig", Actions: []string{"iam:PassRole"}, Resources: []string{role},
		Condition: perms.Condition{"StringEquals": {"iam:PassedToService": {"config.amazonaws.com"}}}})
}

// 3.6: the access log bucket.
func accessLogScopes(p any, _ config.Tag) []perms.Scope {
	return bucketScopes(p.(*AccessLoggingParams).LogBucket)
}

// 3.7: keys are created tagged cisguard:managed (tags at creation need
// kms:TagResource, allowed on "*" only as CreateKey's; the member policy
// denies tagging an existing key), and only keys so tagged may get a new
// policy, or be scheduled for deletion (a key made twice by remediations
// running at the same time). The alias is the configured one.
func trailKeyScopes(p any, _ config.Tag) []perms.Scope {
	var alias []string
	if ref := p.(*TrailKeyParams).KMSKey; strings.HasPrefix(ref, "alias/") {
		alias = []string{perms.ARN("kms", "*", ref), perms.ARN("kms", "*", "key/*")}
	}
	return []perms.Scope{
		{Sid: "CreateTaggedKeys", Actions: []string{"kms:CreateKey", "kms:TagResource"}, Resources: []string{"*"}, Condition: requestsManagedTag},
		{Sid: "ChangeCreatedKeys", Actions: []string{"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"}, Resources: []string{perms.ARN("kms", "*", "key/*")},
			Condition: perms.Condition{"StringEquals": {"aws:ResourceTag/" + perms.ManagedTagKey: {perms.ManagedTagValue}}}},
		{Sid: "NameCreatedKeys", Actions: []string{"kms:CreateAlias"}, Resources: alias},
		locateBucketsScope,
	}
}

// 3.9: VPC Flow Logs' delivery role; flow logs are tagged cisguard:managed
// as they are created (and only then), and a revert deletes only flow logs
// so tagged.
func flowLogScopes(p any, _ config.Tag) []perms.Scope {
	flowLogs := []string{perms.ARN("ec2", "*", "vpc-flow-log/*")}
	return append(deliveryRoleScopes(p.(*FlowLogParams).RoleName, "vpc-flow-logs.amazonaws.com", "FlowLogs"),
		perms.Scope{Sid: "TagFlowLogsAtCreation", Actions: []string{"ec2:CreateTags"}, Resources: flowLogs, Condition: perms.Condition{
			"StringEquals":              {"ec2:CreateAction": {"CreateFlowLogs"}, "aws:RequestTag/" + perms.ManagedTagKey: {perms.ManagedTagValue}},
			"ForAllValues:StringEquals": {"aws:TagKeys": {perms.ManagedTagKey}},
		}},
		perms.Scope{Sid: "DeleteCreatedFlowLogs", Actions: []string{"ec2:DeleteFlowLogs"}, Resources: flowLogs,
			Condition: perms.Condition{"StringEquals": {"aws:ResourceTag/" + perms.ManagedTagKey: {perms.ManagedTagValue}}}})
}

// Section 4 (and 1.7): 3.4's delivery role, and the alarm topic: created
// tagged as cisguard's, subscribed, and its access policy written (the
// statement that lets the administrator account subscribe its alarm queue);
// a revert deletes cisguard's alarms only.
func monitoringScopes(p any, _ config.Tag) []perms.Scope {
	m := p.(*MonitoringParams)
	topic := []string{perms.ARN("sns", "*", m.Topic)}
	return append(deliveryRoleScopes(m.RoleName, "cloudtrail.amazonaws.com", "CloudTrail"), revertRolePolicyScope(m.RoleName),
		perms.Scope{Sid: "AlarmTopic", Actions: []string{"sns:CreateTopic", "sns:Subscribe", "sns:SetTopicAttributes"}, Resources: topic},
		// A revert deletes only the alarms cisguard names (CIS-<id>-<metric>).
		perms.Scope{Sid: "DeleteCISAlarms", Actions: []string{"cloudwatch:DeleteAlarms"}, Resources: []string{perms.ARN("cloudwatch", "*", "alarm:CIS-*")}},
		perms.Scope{Sid: "TagAlarmTopic", Actions: []string{"sns:TagResource"}, Resources: topic, Condition: onlyManagedTag})
}

// createRole creates an IAM role the way the member policy lets cisguard:
// under its permissions boundary and tagged cisguard:managed=true. The
// member stack creates the boundary; where it does not exist (cisguard run
// with other credentials, in an account without the stack) the role is
// created without it, which the member role itself could never do.
func createRole(ctx context.Context, t *Target, in *iam.CreateRoleInput) error {
	api, boundary := t.Clients.IAM(), t.ARN("iam", "", "policy/"+perms.BoundaryName)
	in.PermissionsBoundary = aws.String(boundary)
	in.Tags = append(in.Tags, iamtypes.Tag{Key: aws.String(perms.ManagedTagKey), Value: aws.String(perms.ManagedTagValue)})
	_, err := api.CreateRole(ctx, in)
	if awsapi.IsNotFound(err) {
		in.PermissionsBoundary = nil
		if _, err = api.CreateRole(ctx, in); err != nil {
			return fmt.Errorf("%w (and the permissions boundary %s does not exist)", err, boundary)
		}
	}
	return err
}
