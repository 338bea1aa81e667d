package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestForgedFindingIsSkipped: anyone holding securityhub:BatchImportFindings
// in an account can import a finding of the account's own product
// (product/<account>/default) that says security-control/EC2.2 about a
// default security group. Security Hub holds it, the event is well formed,
// and cisguard still skips it, naming the product, and changes nothing.
func TestForgedFindingIsSkipped(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	api := ec2.NewFromConfig(cfg)
	vpc := newVPC(t, "10.47.0.0/16")
	sgs, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("group-name"), Values: []string{"default"}}}})
	if err != nil || len(sgs.SecurityGroups) != 1 {
		t.Fatalf("default group of %s: %v", vpc, err)
	}
	sg := aws.ToString(sgs.SecurityGroups[0].GroupId)
	if _, err := api.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatal(err)
	}
	rules := func() int {
		out, err := api.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{sg}}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.SecurityGroupRules)
	}
	before := rules()

	event := sample(t, "deploy/forged-imported-EC2.2.json", func(_ int, f map[string]any) {
		setResource(f, fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", region, account, sg))
	})
	seedFindings(t, event) // as the importing account would have
	code, rs, stderr := remediate(t, event, quiet)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	expect(t, rs[0], "skipped")
	product := fmt.Sprintf("arn:aws:securityhub:%s:%s:product/%s/default", region, account, account)
	if !strings.Contains(rs[0].Reason, "untrusted product "+product) {
		t.Errorf("reason %q does not name the product %s", rs[0].Reason, product)
	}
	if n := rules(); n != before {
		t.Errorf("the default group's rules changed: %d -> %d", before, n)
	}
	if w := workflow(t, rs[0].ID); w != "NEW" {
		t.Errorf("workflow %s, want NEW (untouched)", w)
	}
}
