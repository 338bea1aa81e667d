package controls

// 1.18: instances reach AWS with the credentials of an instance role.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// checkInstanceProfiles fails every instance of the region without an
// instance profile. CIS's audit lists all instances: cisguard leaves out
// those terminated or shutting down, and counts stopped ones (they get
// no role when started again).
func checkInstanceProfiles(ctx context.Context, _ *Control, t *Target) ([]Result, error) {
	var out []Result
	states := []string{"pending", "running", "stopping", "stopped"}
	pages := ec2.NewDescribeInstancesPaginator(t.Clients.EC2(), &ec2.DescribeInstancesInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: states}}, MaxResults: aws.Int32(1000)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the EC2 instances of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, r := range pg.Reservations {
			for _, in := range r.Instances {
				id := aws.ToString(in.InstanceId)
				res := arnResource(t, "AwsEc2Instance", t.Region(), t.ARN("ec2", t.Region(), "instance/"+id))
				if p := in.IamInstanceProfile; p != nil {
					out = append(out, pass(res, "instance %s has instance profile %s", id, aws.ToString(p.Arn)))
					continue
				}
				state := ""
				if in.State != nil {
					state = string(in.State.Name)
				}
				out = append(out, fail(res, "instance %s (%s) has no IAM instance profile, so software on it that calls AWS uses stored keys: attach a role with the permissions it needs "+
					"(aws ec2 associate-iam-instance-profile --region %s --instance-id %s --iam-instance-profile Name=<profile>) and remove the stored keys", id, state, t.Region(), id))
			}
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no EC2 instance in %s", t.Region()))
	}
	return out, nil
}
