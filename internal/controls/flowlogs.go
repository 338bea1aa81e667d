package controls

// 3.9: VPC flow logs.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// 3.9

// FlowLogParams configures 3.9.
type FlowLogParams struct {
	// LogGroup receives the flow logs of every VPC of the region.
	LogGroup      string `yaml:"logGroup"`
	RetentionDays int32  `yaml:"retentionDays"`
	// RoleName is the role VPC Flow Logs assumes to deliver.
	RoleName string `yaml:"roleName"`
}

// Validate checks the names and the retention.
func (p *FlowLogParams) Validate() error {
	if p.LogGroup == "" {
		return errors.New("logGroup is required")
	}
	return validateLogDelivery(p.LogGroup, p.RetentionDays, p.RoleName)
}

func planFlowLogs(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[FlowLogParams](t)
	id := t.Resource.Name()
	api := t.Clients.EC2()
	out, err := api.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	if awsapi.IsNotFound(err) {
		p.Note("VPC %s no longer exists: nothing to do", id)
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe VPC %s: %w", id, err)
	}
	if len(out.Vpcs) != 1 {
		return nil, fmt.Errorf("describe VPC %s: got %d VPCs", id, len(out.Vpcs))
	}
	// Security Hub's EC2.6 counts only flow logs that record rejected
	// traffic (REJECT or ALL); one that records ACCEPT alone does not.
	var acceptOnly []string
	pages := ec2.NewDescribeFlowLogsPaginator(api, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{id}}}})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe flow logs of VPC %s: %w", id, err)
		}
		for _, f := range pg.FlowLogs {
			if recordsRejected(f) {
				return p, nil
			}
			acceptOnly = append(acceptOnly, aws.ToString(f.FlowLogId))
		}
	}
	if err := t.Exempt(id, tagMap(out.Vpcs[0].Tags)); err != nil {
		return nil, err
	}
	if _, err := planLogGroup(ctx, t.Clients.Logs(), t.Region(), cfg.LogGroup, cfg.RetentionDays, p); err != nil {
		return nil, err
	}
	groupARN := t.ARN("logs", "*", "log-group:"+cfg.LogGroup)
	write := map[string]any{"Sid": sid("VPCFlowLogsWriteTo", cfg.LogGroup), "Effect": "Allow",
		"Action":   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"},
		"Resource": []string{groupARN, groupARN + ":log-stream:*"}}
	role, created, err := planServiceRole(ctx, t, cfg.RoleName, "vpc-flow-logs.amazonaws.com", write, p, func(created bool, _ *string, doc string) *plan.Prior {
		if created {
			return partOfCreated(kindInlinePolicy, cfg.RoleName, "IAM role", doc)
		}
		return plan.Keep(kindInlinePolicy, cfg.RoleName, fmt.Sprintf("every flow log of the account that delivers to log group %s, in any region, delivers through it, and a delivery role is harmless once nothing uses it: "+
			"delete it by hand once no flow log uses the group (aws iam delete-role-policy --role-name %s --policy-name %s)", cfg.LogGroup, cfg.RoleName, inlinePolicyName(write["Sid"].(string))), doc)
	})
	if err != nil {
		return nil, err
	}
	// The flow log is tagged cisguard:managed, and its record names it by
	// id: a revert deletes only that flow log, and only while it is tagged.
	record := plan.Replaced(kindFlowLog, id, nil, flowLogRecord{LogGroup: cfg.LogGroup, Traffic: string(ec2types.TrafficTypeReject)})
	create := func(ctx context.Context) error {
		out, err := api.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{id}, ResourceType: ec2types.FlowLogsResourceTypeVpc, TrafficType: ec2types.TrafficTypeReject,
			LogDestinationType: ec2types.LogDestinationTypeCloudWatchLogs, LogGroupName: aws.String(cfg.LogGroup), DeliverLogsPermissionArn: aws.String(role), TagSpecifications: flowLogTags})
		if err != nil {
			return err
		}
		for _, u := range out.Unsuccessful {
			if e := u.Error; e != nil && aws.ToString(e.Code) != "FlowLogAlreadyExists" {
				return fmt.Errorf("%s: %s", aws.ToString(e.Code), aws.ToString(e.Message))
			}
		}
		if len(out.FlowLogIds) == 0 {
			record.Drop() // made meanwhile by another remediation
			return nil
		}
		record.Update(nil, flowLogRecord{IDs: out.FlowLogIds, LogGroup: cfg.LogGroup, Traffic: string(ec2types.TrafficTypeReject)})
		return nil
	}
	p.Addf(func(ctx context.Context) error {
		return retryNewRole(ctx, created, create, "InvalidParameter")
	}, "create a flow log of VPC %s for REJECT traffic into log group %s through role %s, tagged cisguard:managed", id, cfg.LogGroup, cfg.RoleName).Prior = record
	if len(acceptOnly) > 0 {
		p.Note("flow log(s) %s of VPC %s record only ACCEPT traffic, which EC2.6 does not count; they are kept", strings.Join(acceptOnly, ", "), id)
	}
	return p, nil
}

// recordsRejected reports whether a flow log counts for 3.9: Security
// Hub's EC2.6 counts only flow logs of rejected traffic (REJECT or ALL).
func recordsRejected(f ec2types.FlowLog) bool {
	return f.TrafficType == ec2types.TrafficTypeReject || f.TrafficType == ec2types.TrafficTypeAll
}

// checkVPCs is 3.9's check: every VPC of the region, screened with the
// region's flow logs (one listing); a VPC without one that counts is
// planned read-only.
func checkVPCs(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	api := t.Clients.EC2()
	logged := map[string]bool{}
	flows := ec2.NewDescribeFlowLogsPaginator(api, &ec2.DescribeFlowLogsInput{})
	for flows.HasMorePages() {
		pg, err := flows.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the flow logs of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, f := range pg.FlowLogs {
			if recordsRejected(f) {
				logged[aws.ToString(f.ResourceId)] = true
			}
		}
	}
	var out []Result
	vpcs := ec2.NewDescribeVpcsPaginator(api, &ec2.DescribeVpcsInput{})
	for vpcs.HasMorePages() {
		pg, err := vpcs.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the VPCs of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, v := range pg.Vpcs {
			id := aws.ToString(v.VpcId)
			res := arnResource(t, "AwsEc2Vpc", t.Region(), t.ARN("ec2", t.Region(), "vpc/"+id))
			if logged[id] {
				out = append(out, pass(res, "VPC %s has a flow log of rejected traffic", id))
				continue
			}
			out = append(out, Verdict(ctx, c, t.on(res)))
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no VPC in %s", t.Region()))
	}
	return out, nil
}
