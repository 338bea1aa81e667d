package controls

// Undo of a trail's settings (3.1, 3.2, 3.4, 3.7): the fields an
// UpdateTrail changed, as the trail had them, and logging started.

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// trailRecord is the part of a trail's settings an UpdateTrail changes:
// only the fields it sets are recorded ("" and false: none, off).
type trailRecord struct {
	MultiRegion  *bool   `json:"isMultiRegionTrail,omitempty"`
	GlobalEvents *bool   `json:"includeGlobalServiceEvents,omitempty"`
	Validation   *bool   `json:"logFileValidationEnabled,omitempty"`
	KMSKey       *string `json:"kmsKeyId,omitempty"`
	LogGroup     *string `json:"cloudWatchLogsLogGroupArn,omitempty"`
	LogRole      *string `json:"cloudWatchLogsRoleArn,omitempty"`
}

// trailFields reads, from x, the fields that are set in in.
func trailFields(in cloudtrail.UpdateTrailInput, x cttypes.Trail) trailRecord {
	var r trailRecord
	b := func(set *bool, v *bool) *bool {
		if set == nil {
			return nil
		}
		return aws.Bool(aws.ToBool(v))
	}
	s := func(set *string, v *string) *string {
		if set == nil {
			return nil
		}
		return aws.String(aws.ToString(v))
	}
	r.MultiRegion, r.GlobalEvents, r.Validation = b(in.IsMultiRegionTrail, x.IsMultiRegionTrail), b(in.IncludeGlobalServiceEvents, x.IncludeGlobalServiceEvents), b(in.EnableLogFileValidation, x.LogFileValidationEnabled)
	r.KMSKey, r.LogGroup, r.LogRole = s(in.KmsKeyId, x.KmsKeyId), s(in.CloudWatchLogsLogGroupArn, x.CloudWatchLogsLogGroupArn), s(in.CloudWatchLogsRoleArn, x.CloudWatchLogsRoleArn)
	return r
}

func (r trailRecord) input() cloudtrail.UpdateTrailInput {
	return cloudtrail.UpdateTrailInput{IsMultiRegionTrail: r.MultiRegion, IncludeGlobalServiceEvents: r.GlobalEvents, EnableLogFileValidation: r.Validation,
		KmsKeyId: r.KMSKey, CloudWatchLogsLogGroupArn: r.LogGroup, CloudWatchLogsRoleArn: r.LogRole}
}

// record records an UpdateTrail: the fields it sets, as the trail had them
// when the plan read it, and as it sets them.
func (tr *trail) record(in cloudtrail.UpdateTrailInput) *plan.Prior {
	set := trailFields(in, cttypes.Trail{IsMultiRegionTrail: in.IsMultiRegionTrail, IncludeGlobalServiceEvents: in.IncludeGlobalServiceEvents,
		LogFileValidationEnabled: in.EnableLogFileValidation, KmsKeyId: in.KmsKeyId, CloudWatchLogsLogGroupArn: in.CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn: in.CloudWatchLogsRoleArn})
	return plan.Replaced(kindTrailSettings, tr.arn(), trailFields(in, tr.Trail), set)
}

// homeTrail reads a trail by ARN in its home region (from the ARN).
func homeTrail(ctx context.Context, t *Target, arn string) (*cttypes.Trail, awsapi.CloudTrail, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return nil, nil, fmt.Errorf("%q is not a trail ARN", arn)
	}
	c, err := t.Clients.In(parts[3])
	if err != nil {
		return nil, nil, err
	}
	api := c.CloudTrail()
	out, err := api.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{arn}, IncludeShadowTrails: aws.Bool(false)})
	if err != nil {
		return nil, nil, fmt.Errorf("describe trail %s: %w", arn, err)
	}
	for _, x := range out.TrailList {
		if aws.ToString(x.TrailARN) == arn {
			return &x, api, nil
		}
	}
	return nil, api, nil
}

func undoTrailSettings(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set trailRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	x, api, err := homeTrail(ctx, t, pr.Resource)
	if err != nil {
		return nil, err
	}
	if x == nil {
		return plan.Changed(pr, "the trail no longer exists"), nil
	}
	in := was.input()
	live := trailFields(in, *x)
	p := &plan.Plan{}
	switch {
	case reflect.DeepEqual(live, was):
		p.Note("the settings of trail %s are as they were", pr.Resource)
		return p, nil
	case !reflect.DeepEqual(live, set):
		return plan.Changed(pr, "its settings are now "+jsonText(live)), nil
	}
	in.Name = aws.String(pr.Resource)
	p.Addf(func(ctx context.Context) error {
		_, err := api.UpdateTrail(ctx, &in)
		return err
	}, "put back the settings of trail %s: %s", pr.Resource, jsonText(was))
	return p, nil
}

func undoTrailLogging(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	x, api, err := homeTrail(ctx, t, pr.Resource)
	if err != nil {
		return nil, err
	}
	if x == nil {
		return plan.Changed(pr, "the trail no longer exists"), nil
	}
	st, err := api.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(pr.Resource)})
	if err != nil {
		return nil, fmt.Errorf("read status of trail %s: %w", pr.Resource, err)
	}
	p := &plan.Plan{}
	if !aws.ToBool(st.IsLogging) {
		p.Note("trail %s is not logging, as before", pr.Resource)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String(pr.Resource)})
		return err
	}, "stop logging on trail %s, as before (its settings and log files stay)", pr.Resource)
	return p, nil
}
