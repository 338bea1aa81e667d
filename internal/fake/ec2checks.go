package fake

// What EC2's checks read beyond the remediations: instances (1.18),
// route tables and VPC peering connections (5.4).

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

type ec2Extra struct {
	instances []types.Instance
	tables    []types.RouteTable
	peerings  []types.VpcPeeringConnection
	seq       int
	pageSize  int32 // 0: pages hold MaxResults, 1000 without
}

func (e *EC2) extra() *ec2Extra {
	return stateOf(e.a, "ec2-extra/"+e.region, func() *ec2Extra { return &ec2Extra{} })
}

func (x *ec2Extra) id(prefix string) string {
	x.seq++
	return fmt.Sprintf("%s-%017x", prefix, x.seq+0x1000)
}

// SetPageSize makes DescribeInstances, DescribeRouteTables and
// DescribeVpcPeeringConnections return at most n items a page.
func (e *EC2) SetPageSize(n int32) {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	e.extra().pageSize = n
}

func (x *ec2Extra) page(n *int32) int32 {
	if x.pageSize > 0 && (aws.ToInt32(n) == 0 || x.pageSize < aws.ToInt32(n)) {
		return x.pageSize
	}
	return aws.ToInt32(n)
}

// AddInstance seeds an instance in a state ("running" when empty) with
// an instance profile ("" for none), and returns its id.
func (e *EC2) AddInstance(state types.InstanceStateName, profile string) string {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	x := e.extra()
	if state == "" {
		state = types.InstanceStateNameRunning
	}
	in := types.Instance{InstanceId: aws.String(x.id("i")), State: &types.InstanceState{Name: state}}
	if profile != "" {
		in.IamInstanceProfile = &types.IamInstanceProfile{Arn: aws.String(fmt.Sprintf("arn:%s:iam::%s:instance-profile/%s", e.a.Partition, e.a.ID, profile)), Id: aws.String("AIPA" + profile)}
	}
	x.instances = append(x.instances, in)
	return *in.InstanceId
}

// onlyFilter checks that a Describe call uses no filter but name, and
// returns the allowed values (nil: no filter).
func onlyFilter(filters []types.Filter, name string) ([]string, error) {
	var values []string
	for _, f := range filters {
		if aws.ToString(f.Name) != name {
			return nil, APIError("InvalidParameterValue", "the fake supports only the %s filter, not %q", name, aws.ToString(f.Name))
		}
		values = append(values, f.Values...)
	}
	return values, nil
}

// DescribeInstances lists the region's instances, one per reservation,
// with the instance-state-name filter only.
func (e *EC2) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	unlock, err := e.call(ctx, "DescribeInstances")
	defer unlock()
	if err != nil {
		return nil, err
	}
	states, err := onlyFilter(in.Filters, "instance-state-name")
	if err != nil {
		return nil, err
	}
	if n := aws.ToInt32(in.MaxResults); n != 0 && (n < 5 || n > 1000) {
		return nil, APIError("InvalidParameterValue", "MaxResults must be between 5 and 1000")
	}
	x := e.extra()
	var all []types.Reservation
	for _, i := range x.instances {
		if states == nil || slices.Contains(states, string(i.State.Name)) {
			all = append(all, types.Reservation{OwnerId: aws.String(e.a.ID), Instances: []types.Instance{i}})
		}
	}
	items, next, err := page(all, in.NextToken, x.page(in.MaxResults), 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeInstancesOutput{Reservations: items, NextToken: next}, nil
}

// AddRouteTable seeds a route table of a VPC with routes (their state
// active when empty) and returns its id.
func (e *EC2) AddRouteTable(vpcID string, routes ...types.Route) string {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	x := e.extra()
	for i := range routes {
		if routes[i].State == "" {
			routes[i].State = types.RouteStateActive
		}
	}
	t := types.RouteTable{RouteTableId: aws.String(x.id("rtb")), VpcId: aws.String(vpcID), OwnerId: aws.String(e.a.ID), Routes: routes}
	x.tables = append(x.tables, t)
	return *t.RouteTableId
}

// AddPeering seeds an active VPC peering connection between two VPCs
// (given by id, owner account and CIDR blocks) and returns its id.
func (e *EC2) AddPeering(requester, accepter types.VpcPeeringConnectionVpcInfo) string {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	x := e.extra()
	p := types.VpcPeeringConnection{VpcPeeringConnectionId: aws.String(x.id("pcx")), RequesterVpcInfo: &requester, AccepterVpcInfo: &accepter,
		Status: &types.VpcPeeringConnectionStateReason{Code: types.VpcPeeringConnectionStateReasonCodeActive}}
	x.peerings = append(x.peerings, p)
	return *p.VpcPeeringConnectionId
}

// DescribeRouteTables lists the region's route tables (no filter).
func (e *EC2) DescribeRouteTables(ctx context.Context, in *ec2.DescribeRouteTablesInput, _ ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	unlock, err := e.call(ctx, "DescribeRouteTables")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if len(in.Filters) > 0 || len(in.RouteTableIds) > 0 {
		return nil, APIError("InvalidParameterValue", "the fake lists every route table, without filters or ids")
	}
	x := e.extra()
	items, next, err := page(x.tables, in.NextToken, x.page(in.MaxResults), 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeRouteTablesOutput{RouteTables: items, NextToken: next}, nil
}

// DescribeVpcPeeringConnections lists the region's peering connections,
// or those named; a name that does not exist is an error, as in AWS.
func (e *EC2) DescribeVpcPeeringConnections(ctx context.Context, in *ec2.DescribeVpcPeeringConnectionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcPeeringConnectionsOutput, error) {
	unlock, err := e.call(ctx, "DescribeVpcPeeringConnections")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if len(in.Filters) > 0 {
		return nil, APIError("InvalidParameterValue", "the fake supports no filter")
	}
	x := e.extra()
	all := x.peerings
	if len(in.VpcPeeringConnectionIds) > 0 {
		all = nil
		for _, id := range in.VpcPeeringConnectionIds {
			i := slices.IndexFunc(x.peerings, func(p types.VpcPeeringConnection) bool { return aws.ToString(p.VpcPeeringConnectionId) == id })
			if i < 0 {
				return nil, APIError("InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '%s' does not exist", id)
			}
			all = append(all, x.peerings[i])
		}
	}
	items, next, err := page(all, in.NextToken, x.page(in.MaxResults), 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeVpcPeeringConnectionsOutput{VpcPeeringConnections: items, NextToken: next}, nil
}
