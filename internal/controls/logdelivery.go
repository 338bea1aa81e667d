package controls

// 3.4: trail events into CloudWatch Logs, and the service roles that log
// deliveries (CloudTrail, VPC Flow Logs) assume. Section 4 reuses it.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// 3.4

// CloudWatchLogsParams configures 3.4, and section 4 when its trail has no
// log group.
type CloudWatchLogsParams struct {
	TrailParams `yaml:",inline"`
	// LogGroup receives the trail's events; "" means /aws/cloudtrail/<trail>.
	LogGroup string `yaml:"logGroup"`
	// RetentionDays is set on a created group; 0 keeps events forever.
	RetentionDays int32 `yaml:"retentionDays"`
	// RoleName is the role CloudTrail assumes to deliver.
	RoleName string `yaml:"roleName"`
}

func defaultCloudWatchLogsParams() *CloudWatchLogsParams {
	return &CloudWatchLogsParams{RetentionDays: 365, RoleName: "cisguard-cloudtrail-to-cloudwatch-logs"}
}

// Validate checks names and the retention.
func (p *CloudWatchLogsParams) Validate() error {
	if err := p.TrailParams.Validate(); err != nil {
		return err
	}
	return validateLogDelivery(p.LogGroup, p.RetentionDays, p.RoleName)
}

var (
	logGroupRe = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)
	roleNameRe = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// retentionValues are the retentions CloudWatch Logs accepts.
	retentionValues = []int32{0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

func validateLogDelivery(group string, retention int32, role string) error {
	if group != "" && !logGroupRe.MatchString(group) {
		return fmt.Errorf("logGroup %q is not a valid log group name", group)
	}
	if !slices.Contains(retentionValues, retention) {
		return fmt.Errorf("retentionDays %d is not one CloudWatch Logs accepts (%v; 0 keeps events forever)", retention, retentionValues[1:])
	}
	if !roleNameRe.MatchString(role) {
		return fmt.Errorf("roleName %q is not a valid role name", role)
	}
	return nil
}

func planTrailLogs(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[CloudWatchLogsParams](t)
	tr, gone, err := findingTrail(ctx, t, cfg.Trail)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("trail %s no longer exists: nothing to do", t.Resource.ID)
		return p, nil
	}
	_, _, err = planLogDelivery(ctx, t, tr, cfg, p)
	return p, err
}

// logGroupOf returns the name of the log group in a CloudTrail log group ARN.
func logGroupOf(arn string) string {
	_, name, _ := strings.Cut(arn, ":log-group:")
	return strings.TrimSuffix(name, ":*")
}

// planLogDelivery plans what the trail needs to deliver its events to
// CloudWatch Logs and returns the log group they go to, which exists once
// the plan is applied (exists: already before). A trail that already
// delivers keeps its group (recreated if it was deleted).
func planLogDelivery(ctx context.Context, t *Target, tr *trail, cfg *CloudWatchLogsParams, p *plan.Plan) (group string, exists bool, err error) {
	lt, err := planLogTarget(ctx, t, tr, cfg, p)
	if err != nil || lt.delivers {
		return lt.groupName(), lt.exists(), err
	}
	in := cloudtrail.UpdateTrailInput{CloudWatchLogsLogGroupArn: aws.String(lt.groupARN), CloudWatchLogsRoleArn: aws.String(lt.roleARN)}
	update := tr.update(in)
	p.Addf(func(ctx context.Context) error {
		return retryNewRole(ctx, lt.roleCreated, update, "InvalidCloudWatchLogsRoleArnException")
	}, "send the events of %s to CloudWatch Logs group %s through role %s", tr, lt.group, cfg.RoleName).Prior = tr.record(in)
	return lt.group, lt.groupExists, nil
}

// logTarget is where a trail's events go in CloudWatch Logs once a plan
// is applied: the log group in the trail's home region and the role
// CloudTrail assumes to write to it.
type logTarget struct {
	group, groupARN, roleARN string
	// groupExists: the group existed before the plan; roleCreated: the
	// plan creates the role, which CloudTrail may not see at once (IAM is
	// eventually consistent); delivers: the trail already delivers there.
	groupExists, roleCreated, delivers bool
}

func (lt *logTarget) groupName() string {
	if lt == nil {
		return ""
	}
	return lt.group
}

func (lt *logTarget) exists() bool { return lt != nil && lt.groupExists }

// planLogTarget plans the log group and the delivery role that a trail
// needs to deliver its events to CloudWatch Logs, without pointing the
// trail at them: 3.4 then updates the trail, and 3.1 creates its new trail
// with them. A trail that already delivers keeps its group (recreated if
// it was deleted) and its role.
func planLogTarget(ctx context.Context, t *Target, tr *trail, cfg *CloudWatchLogsParams, p *plan.Plan) (*logTarget, error) {
	logs := tr.home.Logs()
	lt := &logTarget{group: cfg.LogGroup}
	if arn := aws.ToString(tr.CloudWatchLogsLogGroupArn); arn != "" {
		lt.group = logGroupOf(arn)
	}
	if lt.group == "" {
		lt.group = "/aws/cloudtrail/" + tr.name()
	}
	if err := tr.changeable(t); err != nil {
		// Its log group, if any, is in the management account too.
		return nil, err
	}
	var err error
	if lt.groupExists, err = planLogGroup(ctx, logs, tr.region(), lt.group, cfg.RetentionDays, p); err != nil {
		return nil, err
	}
	if aws.ToString(tr.CloudWatchLogsLogGroupArn) != "" && aws.ToString(tr.CloudWatchLogsRoleArn) != "" {
		lt.delivers = true
		return lt, nil
	}
	lt.groupARN = "arn:" + t.Clients.Partition() + ":logs:" + tr.region() + ":" + t.Account() + ":log-group:" + lt.group + ":*"
	write := map[string]any{"Sid": sid("CloudTrailWriteTo", lt.group), "Effect": "Allow", "Action": []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		"Resource": strings.TrimSuffix(lt.groupARN, "*") + "log-stream:*"}
	lt.roleARN, lt.roleCreated, err = planServiceRole(ctx, t, cfg.RoleName, "cloudtrail.amazonaws.com", write, p, func(created bool, was *string, doc string) *plan.Prior {
		if created {
			return partOfCreated(kindInlinePolicy, cfg.RoleName, "IAM role", doc)
		}
		name := inlinePolicyName(write["Sid"].(string))
		return plan.Replaced(kindInlinePolicy, cfg.RoleName, inlinePolicyRecord{Policy: name, Document: was, Group: lt.groupARN, Trail: tr.arn()},
			inlinePolicyRecord{Policy: name, Document: &doc, Group: lt.groupARN, Trail: tr.arn()})
	})
	if err != nil {
		return nil, err
	}
	return lt, nil
}

// planLogGroup plans a log group when it does not exist, tagged
// cisguard:managed, with retention days (0: forever). A group of that name
// made meanwhile (by another remediation) is the one wanted: a log group
// is nothing but its name.
func planLogGroup(ctx context.Context, logs awsapi.Logs, region, name string, retention int32, p *plan.Plan) (exists bool, err error) {
	pages := cloudwatchlogs.NewDescribeLogGroupsPaginator(logs, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("describe log groups %s* in %s: %w", name, region, err)
		}
		if slices.ContainsFunc(pg.LogGroups, func(g cwltypes.LogGroup) bool { return aws.ToString(g.LogGroupName) == name }) {
			return true, nil
		}
	}
	p.Addf(func(ctx context.Context) error {
		_, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: managedTag})
		if awsapi.HasCode(err, "ResourceAlreadyExistsException") {
			return nil
		}
		return err
	}, "create CloudWatch Logs group %s in %s", name, region).Prior = plan.Keep(kindCreated, name, "it holds the events delivered to it; delete it by hand (aws logs delete-log-group --log-group-name "+name+")", "log group")
	if retention > 0 {
		p.Addf(func(ctx context.Context) error {
			_, err := logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(retention)})
			return err
		}, "keep the events of log group %s for %d days", name, retention).Prior = partOfCreated(kindRetention, name, "log group", retention)
	}
	return false, nil
}

// planServiceRole makes sure a role that service may assume exists and
// holds stmt in an inline policy of its own, named after the statement's
// Sid; it returns the role's ARN and whether the plan creates it. Each
// statement has its own policy so that remediations adding different
// statements to one role at the same time (3.4 for two trails) cannot
// overwrite each other; those adding the same one write the same policy.
// An existing role that does not trust the service is an error: cisguard
// does not rewrite the trust of someone's role. record makes the record
// of the policy written: on a role the plan creates, or replacing was (nil:
// none) on an existing one.
func planServiceRole(ctx context.Context, t *Target, name, service string, stmt map[string]any, p *plan.Plan, record func(created bool, was *string, doc string) *plan.Prior) (arn string, created bool, err error) {
	api := t.Clients.IAM()
	policyName := inlinePolicyName(stmt["Sid"].(string))
	doc := (&policyDocument{Version: "2012-10-17", Statement: []map[string]any{stmt}}).String()
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var was *string
	switch {
	case awsapi.IsNotFound(err):
		arn, created = t.ARN("iam", "", "role/"+name), true
		trust := (&policyDocument{Version: "2012-10-17", Statement: []map[string]any{{"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": "sts:AssumeRole",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": t.Account()}}}}}).String()
		p.Addf(func(ctx context.Context) error {
			err := createRole(ctx, t, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust), Description: aws.String("cisguard: lets " + service + " deliver logs")})
			if awsapi.HasCode(err, "EntityAlreadyExists") {
				return checkServiceRole(ctx, api, name, service)
			}
			return err
		}, "create IAM role %s trusted by %s (this account only)", name, service).Prior = plan.Keep(kindCreated, name, "a delivery role is harmless once nothing uses it (only "+service+" may assume it, under the permissions boundary); delete it by hand", "iam role")
	case err != nil:
		return "", false, fmt.Errorf("read role %s: %w", name, err)
	default:
		arn = aws.ToString(out.Role.Arn)
		if err := trustedBy(out.Role, service); err != nil {
			return "", false, err
		}
		pol, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policyName)})
		switch {
		case awsapi.IsNotFound(err):
		case err != nil:
			return "", false, fmt.Errorf("read policy %s of role %s: %w", policyName, name, err)
		default:
			have, err := parsePolicy(aws.ToString(pol.PolicyDocument))
			if err != nil {
				return "", false, fmt.Errorf("policy %s of role %s: %w", policyName, name, err)
			}
			if !have.upsert(stmt) && len(have.Statement) == 1 {
				return arn, false, nil
			}
			was = aws.String(decodedPolicy(aws.ToString(pol.PolicyDocument)))
		}
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policyName), PolicyDocument: aws.String(doc)})
		return err
	}, "put inline policy %s (%s on %s) on role %s", policyName, strings.Join(stringList(stmt["Action"]), ", "), strings.Join(stringList(stmt["Resource"]), ", "), name).Prior = record(created, was, doc)
	return arn, created, nil
}

// inlinePolicyName is the name of the inline policy that holds the
// statement sid: the Sid itself, shortened with a hash of it beyond IAM's
// 128 characters.
func inlinePolicyName(sid string) string {
	if len(sid) <= 128 {
		return sid
	}
	sum := sha256.Sum256([]byte(sid))
	return sid[:119] + "-" + hex.EncodeToString(sum[:4])
}

// checkServiceRole accepts a role that CreateRole found already made (by
// another remediation) when service may assume it.
func checkServiceRole(ctx context.Context, api awsapi.IAM, name, service string) error {
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("role %s exists; read it: %w", name, err)
	}
	return trustedBy(out.Role, service)
}

// trustedBy returns an error when service may not assume the role.
func trustedBy(r *iamtypes.Role, service string) error {
	name := aws.ToString(r.RoleName)
	trust, err := parsePolicy(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil {
		return fmt.Errorf("trust policy of role %s: %w", name, err)
	}
	if !trusts(trust, service) {
		return fmt.Errorf("role %s exists but %s may not assume it: name another role (roleName)", name, service)
	}
	return nil
}

// trusts reports whether a trust policy lets a service assume the role.
func trusts(doc *policyDocument, service string) bool {
	return slices.ContainsFunc(doc.Statement, func(s map[string]any) bool {
		p, _ := s["Principal"].(map[string]any)
		return s["Effect"] == "Allow" && slices.Contains(stringList(p["Service"]), service) &&
			slices.ContainsFunc(stringList(s["Action"]), func(a string) bool { return a == "sts:AssumeRole" || a == "sts:*" || a == "*" })
	})
}

// roleWait is how long retryNewRole waits between attempts.
var roleWait = []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}

// retryNewRole runs do and, when the plan created the role it passes,
// retries it while the service answers one of codes: IAM is eventually
// consistent, and a service may not see a new role for some seconds.
func retryNewRole(ctx context.Context, created bool, do func(context.Context) error, codes ...string) error {
	err := do(ctx)
	for i := 0; created && i < len(roleWait) && awsapi.HasCode(err, codes...); i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(roleWait[i]):
		}
		err = do(ctx)
	}
	return err
}
