package controls

// 5.4: routes to VPC peering connections are "least access".

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// peerCIDRs returns, per peering connection, the CIDR blocks of each side
// by VPC id.
func peerCIDRs(ctx context.Context, t *Target) (map[string]map[string][]string, error) {
	out := map[string]map[string][]string{}
	pages := ec2.NewDescribeVpcPeeringConnectionsPaginator(t.Clients.EC2(), &ec2.DescribeVpcPeeringConnectionsInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the VPC peering connections of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, p := range pg.VpcPeeringConnections {
			sides := map[string][]string{}
			for _, v := range []*ec2types.VpcPeeringConnectionVpcInfo{p.RequesterVpcInfo, p.AccepterVpcInfo} {
				if v == nil {
					continue
				}
				cidrs := []string{aws.ToString(v.CidrBlock)}
				for _, c := range v.CidrBlockSet {
					cidrs = append(cidrs, aws.ToString(c.CidrBlock))
				}
				for _, c := range v.Ipv6CidrBlockSet {
					cidrs = append(cidrs, aws.ToString(c.Ipv6CidrBlock))
				}
				sides[aws.ToString(v.VpcId)] = append(sides[aws.ToString(v.VpcId)], cidrs...)
			}
			out[aws.ToString(p.VpcPeeringConnectionId)] = sides
		}
	}
	return out, nil
}

// covers reports whether the destination CIDR holds the whole of cidr.
func covers(dest, cidr string) bool {
	d, err1 := netip.ParsePrefix(dest)
	c, err2 := netip.ParsePrefix(cidr)
	return err1 == nil && err2 == nil && d.Addr().Is4() == c.Addr().Is4() && d.Bits() <= c.Bits() && d.Contains(c.Addr())
}

// peeringRoute judges one active route to a peering connection: what is
// wrong with it ("" when it routes less than the whole peer), or that it
// cannot be judged.
func peeringRoute(r ec2types.Route, vpc string, peers map[string]map[string][]string) (wrong string, unknown string) {
	pcx := aws.ToString(r.VpcPeeringConnectionId)
	dest := aws.ToString(r.DestinationCidrBlock) + aws.ToString(r.DestinationIpv6CidrBlock)
	if dest == "" {
		return "", fmt.Sprintf("route to prefix list %s through %s", aws.ToString(r.DestinationPrefixListId), pcx)
	}
	if isWorld(dest) {
		return fmt.Sprintf("%s through %s (everything)", dest, pcx), ""
	}
	sides, ok := peers[pcx]
	if !ok {
		return "", fmt.Sprintf("route %s through %s, a peering connection not visible in this region", dest, pcx)
	}
	for side, cidrs := range sides {
		if side == vpc {
			continue
		}
		for _, c := range cidrs {
			if covers(dest, c) {
				return fmt.Sprintf("%s through %s (the whole of peer %s's %s)", dest, pcx, side, c), ""
			}
		}
	}
	return "", ""
}

// checkPeeringRoutes is 5.4's check: every route table of the region with
// a route to a VPC peering connection. A route fails when it sends
// 0.0.0.0/0 or ::/0, or a CIDR holding a whole CIDR block of the peer
// VPC, through the connection.
func checkPeeringRoutes(ctx context.Context, _ *Control, t *Target) ([]Result, error) {
	var tables []ec2types.RouteTable
	pages := ec2.NewDescribeRouteTablesPaginator(t.Clients.EC2(), &ec2.DescribeRouteTablesInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the route tables of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		tables = append(tables, pg.RouteTables...)
	}
	var peers map[string]map[string][]string
	var out []Result
	for _, rt := range tables {
		var routes []ec2types.Route
		for _, r := range rt.Routes {
			if r.VpcPeeringConnectionId != nil && r.State != ec2types.RouteStateBlackhole {
				routes = append(routes, r)
			}
		}
		if len(routes) == 0 {
			continue
		}
		if peers == nil {
			var err error
			if peers, err = peerCIDRs(ctx, t); err != nil {
				return nil, err
			}
		}
		id, vpc := aws.ToString(rt.RouteTableId), aws.ToString(rt.VpcId)
		res := arnResource(t, "AwsEc2RouteTable", t.Region(), t.ARN("ec2", t.Region(), "route-table/"+id))
		var wrong, unknown, fine []string
		for _, r := range routes {
			w, u := peeringRoute(r, vpc, peers)
			switch {
			case w != "":
				wrong = append(wrong, w)
			case u != "":
				unknown = append(unknown, u)
			default:
				fine = append(fine, aws.ToString(r.DestinationCidrBlock)+aws.ToString(r.DestinationIpv6CidrBlock)+" through "+aws.ToString(r.VpcPeeringConnectionId))
			}
		}
		switch {
		case len(wrong) > 0:
			out = append(out, fail(res, "route table %s of %s routes more than it needs through VPC peering: %s; replace each with routes to the subnets or hosts the peering is for "+
				"(aws ec2 create-route --route-table-id %s --destination-cidr-block <narrower CIDR> --vpc-peering-connection-id <pcx>, then aws ec2 delete-route --route-table-id %s --destination-cidr-block <CIDR>)",
				id, vpc, strings.Join(wrong, "; "), id, id))
		case len(unknown) > 0:
			out = append(out, Result{Resource: res, Status: Manual, Reason: fmt.Sprintf("route table %s of %s: review %s: each should reach only the subnets or hosts the peering is for", id, vpc, strings.Join(unknown, "; "))})
		default:
			out = append(out, pass(res, "route table %s of %s routes only part of the peer through VPC peering: %s", id, vpc, strings.Join(fine, "; ")))
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no route to a VPC peering connection in %s", t.Region()))
	}
	return out, nil
}
