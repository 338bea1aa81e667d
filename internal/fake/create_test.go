package fake

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/cisguard/cisguard/internal/perms"
)

// Tags given at creation need the service's tagging action besides the
// creating one, as AWS checks.
func TestTagsAtCreationNeedTheTaggingAction(t *testing.T) {
	a := NewAccount("111122223333")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	creates := []struct {
		create, tag string
		do          func(ctx context.Context) error
	}{
		{"iam:CreateRole", "iam:TagRole", func(ctx context.Context) error {
			_, err := a.IAM().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r" + perms.Owner(ctx)), AssumeRolePolicyDocument: aws.String(trust),
				Tags: []iamtypes.Tag{{Key: aws.String("cisguard:managed"), Value: aws.String("true")}}})
			return err
		}},
		{"kms:CreateKey", "kms:TagResource", func(ctx context.Context) error {
			_, err := a.KMS("eu-west-1").CreateKey(ctx, &kms.CreateKeyInput{Tags: []kmstypes.Tag{{TagKey: aws.String("cisguard:managed"), TagValue: aws.String("true")}}})
			return err
		}},
		{"logs:CreateLogGroup", "logs:TagResource", func(ctx context.Context) error {
			_, err := a.Logs("eu-west-1").CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g" + perms.Owner(ctx)), Tags: map[string]string{"cisguard:managed": "true"}})
			return err
		}},
		{"sns:CreateTopic", "sns:TagResource", func(ctx context.Context) error {
			_, err := a.SNS("eu-west-1").CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("t" + perms.Owner(ctx)), Tags: []snstypes.Tag{{Key: aws.String("cisguard:managed"), Value: aws.String("true")}}})
			return err
		}},
	}
	for _, c := range creates {
		var undeclared *perms.UndeclaredError
		if err := c.do(perms.Declare(bg, "without", []string{c.create})); !errors.As(err, &undeclared) || undeclared.Action != c.tag {
			t.Errorf("%s with tags, without %s: %v", c.create, c.tag, err)
		}
		if err := c.do(perms.Declare(bg, "with", []string{c.create, c.tag})); err != nil {
			t.Errorf("%s with %s: %v", c.create, c.tag, err)
		}
	}
}

// CreateTopic of an existing topic succeeds only with the tags it has.
func TestSNSCreateTopicTags(t *testing.T) {
	s := NewAccount("111122223333").SNS("eu-west-1")
	s.AddTopic("untagged")
	managed := []snstypes.Tag{{Key: aws.String("cisguard:managed"), Value: aws.String("true")}}
	if _, err := s.CreateTopic(bg, &sns.CreateTopicInput{Name: aws.String("alarms"), Tags: managed}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTopic(bg, &sns.CreateTopicInput{Name: aws.String("alarms"), Tags: managed}); err != nil {
		t.Errorf("same tags: %v", err)
	}
	_, err := s.CreateTopic(bg, &sns.CreateTopicInput{Name: aws.String("untagged"), Tags: managed})
	wantCode(t, err, "InvalidParameter")
}
