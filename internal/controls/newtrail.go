package controls

// 3.1's new trail, compliant from its first moment: log file validation
// (3.2) always, and, when their controls are in mode auto, its events sent
// to CloudWatch Logs (3.4) and its log files encrypted with KMS (3.7), so
// that creating it raises no new finding. The key, the log group and the
// delivery role are made first, by 3.4's and 3.7's own plans, and one
// CreateTrail carries them: the trail never exists unencrypted.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// planNewTrail plans a multi-region trail in the home region, with its
// bucket (and the bucket's access logging, CIS 3.6), its key (3.7) and its
// log group and delivery role (3.4), and starts it. The names are fixed,
// so that remediations running at the same time make the same trail: one
// of them creates it, the others find it made and check that it is the one
// they would have made.
func planNewTrail(ctx context.Context, t *Target, cfg *CloudTrailParams, name string, p *plan.Plan) error {
	region := cfg.HomeRegion
	if region == "" {
		region = partitionHome(t.Clients.Partition())
	}
	home, err := t.Clients.In(region)
	if err != nil {
		return err
	}
	bucket := cfg.Bucket
	if bucket == "" {
		bucket = fmt.Sprintf("cisguard-cloudtrail-%s-%s", t.Account(), region)
	}
	arn := t.ARN("cloudtrail", region, "trail/"+name)
	where, at := "bucket "+bucket, region // at: the bucket's region, where the key must be
	if owner := cfg.BucketOwner; owner != "" && owner != t.Account() {
		where += " of account " + owner
		b := &foreignBucket{name: bucket, owner: owner}
		if err := b.locate(ctx, t); err != nil {
			return err
		}
		at = b.region
	} else {
		stmts := cloudTrailBucketStatements(t, bucket, name, arn)
		var created bool
		if at, created, err = planOwnedBucketAt(ctx, t, bucket, region, false, stmts, p); err != nil {
			return err
		}
		if created {
			logBucket := logBucketName(t, accessLogParams(t), region)
			if err := planAccessLogging(ctx, t, ownedBy(home, t.Account()), bucket, region, logBucket, true, p); err != nil {
				return err
			}
		}
	}
	// The trail as 3.4's and 3.7's plans see it: not made yet.
	tr := &trail{Trail: cttypes.Trail{Name: aws.String(name), TrailARN: aws.String(arn), HomeRegion: aws.String(region), S3BucketName: aws.String(bucket)}, home: home}
	key, err := newTrailKey(ctx, t, tr, at, p)
	if err != nil {
		return err
	}
	logs, err := newTrailLogs(ctx, t, tr, p)
	if err != nil {
		return err
	}

	in := cloudtrail.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String(bucket),
		IsMultiRegionTrail: aws.Bool(true), IncludeGlobalServiceEvents: aws.Bool(true), EnableLogFileValidation: aws.Bool(true)}
	with := ""
	if logs != nil {
		in.CloudWatchLogsLogGroupArn, in.CloudWatchLogsRoleArn = aws.String(logs.groupARN), aws.String(logs.roleARN)
		with += fmt.Sprintf(", events sent to CloudWatch Logs group %s through role %s (CIS 3.4)", logs.group, logs.roleARN)
	}
	if key != nil {
		with += fmt.Sprintf(", log files encrypted with KMS key %s in %s (CIS 3.7)", key.ref, key.region)
	}
	api := home.CloudTrail()
	create := func(ctx context.Context) error {
		c := in
		if key != nil {
			c.KmsKeyId = aws.String(key.arn) // known once the key exists
		}
		_, err := api.CreateTrail(ctx, &c)
		return err
	}
	p.Addf(func(ctx context.Context) error {
		err := retryNewRole(ctx, logs != nil && logs.roleCreated, create, "InvalidCloudWatchLogsRoleArnException")
		if awsapi.HasCode(err, "TrailAlreadyExistsException") {
			return checkNewTrail(ctx, api, name, region, bucket)
		}
		return err
	}, "create multi-region trail %s in %s delivering to %s, log file validation on%s, all management events", name, region, where, with).Prior = plan.Keep(kindCreated, arn,
		fmt.Sprintf("its log files are the account's audit record: revert stops its logging, and keeps its key, log group and role with it; delete it by hand (aws cloudtrail delete-trail --name %s --region %s)", name, region), "trail")
	p.Addf(func(ctx context.Context) error {
		_, err := api.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(name)})
		return err
	}, "start logging on trail %s (home %s)", name, region).Prior = plan.Replaced(kindTrailLogging, arn, false, true)
	return nil
}

// newTrailKey plans 3.7's key for the new trail when 3.7 is in mode auto,
// in the region of the trail's bucket (at): once applied, the key exists
// and lets the trail encrypt. It returns nil, with a note, when the trail
// will not be encrypted: 3.7 not in auto, the bucket's region unknown, or
// a key of the user's that does not let CloudTrail encrypt (3.7's own
// finding then says what to do).
func newTrailKey(ctx context.Context, t *Target, tr *trail, at string, p *plan.Plan) (*trailKey, error) {
	params, ok := t.Settings.Automatic("3.7")
	if !ok {
		p.Note("the new trail %s is not encrypted with KMS: 3.7 is not in mode auto, so Security Hub's CloudTrail.2 will fail for it, handled as 3.7's mode says", tr.name())
		return nil, nil
	}
	if at == "" {
		p.Note("the new trail %s is not encrypted with KMS: S3 did not say where bucket %s is, and CloudTrail needs the key in the bucket's region; 3.7's finding (CloudTrail.2) says what to do", tr.name(), aws.ToString(tr.S3BucketName))
		return nil, nil
	}
	c, err := t.Clients.In(at)
	if err != nil {
		return nil, err
	}
	k := &trailKey{api: c.KMS(), ref: params.(*TrailKeyParams).KMSKey, region: at, tr: tr, t: t}
	q := &plan.Plan{}
	usable, err := k.prepare(ctx, q)
	if err != nil {
		return nil, err
	}
	if !usable {
		p.Note("the new trail %s is not encrypted with KMS: %s; 3.7's finding (CloudTrail.2) leaves the steps", tr.name(), q.Residuals[0].Reason)
		return nil, nil
	}
	keptWith(q, tr)
	p.Merge(q)
	return k, nil
}

// newTrailLogs plans 3.4's log group and delivery role for the new trail
// when 3.4 is in mode auto; nil, with a note, when it is not.
func newTrailLogs(ctx context.Context, t *Target, tr *trail, p *plan.Plan) (*logTarget, error) {
	params, ok := t.Settings.Automatic("3.4")
	if !ok {
		p.Note("the new trail %s is not sent to CloudWatch Logs: 3.4 is not in mode auto, so Security Hub's CloudTrail.5 will fail for it, handled as 3.4's mode says", tr.name())
		return nil, nil
	}
	q := &plan.Plan{}
	lt, err := planLogTarget(ctx, t, tr, params.(*CloudWatchLogsParams), q)
	if err != nil {
		return nil, err
	}
	keptWith(q, tr)
	p.Merge(q)
	return lt, nil
}

// keptWith marks what a part changes on resources that existed before
// (statements merged into the policy of a key cisguard made earlier, the
// inline policy put on an existing delivery role) as kept by a revert:
// the trail the plan creates, which a revert keeps, encrypts or delivers
// through them. What the part creates is kept already.
func keptWith(q *plan.Plan, tr *trail) {
	for i := range q.Actions {
		if pr := q.Actions[i].Prior; pr != nil && !pr.Decided() {
			pr.Kept = fmt.Sprintf("the trail %s that cisguard created, which a revert keeps, encrypts or delivers its events through it", tr.arn())
		}
	}
}

// checkNewTrail accepts a trail that CreateTrail found already made (by
// another remediation) when it is the trail 3.1 makes: multi-region, homed
// in region, delivering to bucket. Whether it is encrypted and sent to
// CloudWatch Logs does not decide: a remediation running at the same time
// with the same settings made it with the same key and log group, and one
// made otherwise (3.4 or 3.7 not in auto there, or an earlier version of
// cisguard) qualifies for 3.1 all the same, and is 3.4's and 3.7's to fix
// on their own findings. Refusing it would leave the account's only trail
// unstarted.
func checkNewTrail(ctx context.Context, api awsapi.CloudTrail, name, region, bucket string) error {
	out, err := api.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{name}, IncludeShadowTrails: aws.Bool(false)})
	if err != nil {
		return fmt.Errorf("trail %s exists; describe it in %s: %w", name, region, err)
	}
	for _, x := range out.TrailList {
		if aws.ToString(x.Name) != name || aws.ToString(x.HomeRegion) != region {
			continue
		}
		if !aws.ToBool(x.IsMultiRegionTrail) || aws.ToString(x.S3BucketName) != bucket {
			return fmt.Errorf("trail %s already exists in %s, delivering to bucket %s (multi-region: %v), and is not the trail 3.1 makes: fix it, or set newTrail to another name",
				name, region, aws.ToString(x.S3BucketName), aws.ToBool(x.IsMultiRegionTrail))
		}
		return nil
	}
	return fmt.Errorf("trail %s exists but %s does not list it", name, region)
}
