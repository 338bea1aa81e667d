package controls

// Undo of section 3 beyond the trail settings (undo_trail.go): the event
// selectors (3.1, 3.10, 3.11), what cisguard creates along with a trail,
// a log group or a bucket (kept with it), bucket policies merged into
// buckets of the account (3.1, 3.5, 3.6), the delivery role's inline
// policy (3.4), AWS Config (3.5), access logging (3.6), key policies and
// rotation (3.7, 3.8) and flow logs (3.9).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

const (
	kindBucketTags      = "s3:bucket-tagging"
	kindBucketLogging   = "s3:bucket-logging"
	kindEventSelectors  = "cloudtrail:event-selectors"
	kindRetention       = "logs:retention"
	kindInlinePolicy    = "iam:role-inline-policy"
	kindConfigRecorder  = "config:configuration-recorder"
	kindConfigChannel   = "config:delivery-channel"
	kindConfigRecording = "config:recording"
	kindKeyPolicy       = "kms:key-policy"
	kindKeyRotation     = "kms:key-rotation"
	kindKeyAlias        = "kms:alias"
	kindFlowLog         = "ec2:flow-log"
)

// partOfCreated records a setting of a resource the same plan creates: a
// revert keeps it with the resource (whose own record says why).
func partOfCreated(kind, resource, what string, set any) *plan.Prior {
	return plan.Keep(kind, resource, fmt.Sprintf("part of the %s %s that cisguard created, which a revert keeps (see its record)", what, resource), set)
}

// Dry runs.

type restoringKey struct{}

// Restoring returns ctx for the dry run of a revert, holding the records
// that the revert restores before the next one (newer ones, whose restore
// a dry run does not apply). An undo whose safety depends on another
// resource (a trail still delivering through a role, an alarm still
// notifying a topic) reads that resource as those restores leave it, so
// that a dry run says what the real revert does.
func Restoring(ctx context.Context, records []*plan.Prior) context.Context {
	return context.WithValue(ctx, restoringKey{}, records)
}

// restoring returns the newest record of kind on resource that the dry run
// restores before this one, or nil.
func restoring(ctx context.Context, kind, resource string) *plan.Prior {
	records, _ := ctx.Value(restoringKey{}).([]*plan.Prior)
	for i := len(records) - 1; i >= 0; i-- {
		if r := records[i]; r.Kind == kind && r.Resource == resource {
			return r
		}
	}
	return nil
}

// restoredTrail returns the recorded trail settings a dry run restores on
// trail before this record, or nil.
func restoredTrail(ctx context.Context, trailARN string) *trailRecord {
	r := restoring(ctx, kindTrailSettings, trailARN)
	if r == nil {
		return nil
	}
	var was trailRecord
	if r.Decode(&was, nil) != nil {
		return nil
	}
	return &was
}

// trailsIn lists the trails visible in region (its own and, with shadows,
// the multi-region trails of other regions).
func trailsIn(ctx context.Context, t *Target, region string, shadows bool) ([]cttypes.Trail, error) {
	c, err := t.Clients.In(region)
	if err != nil {
		return nil, err
	}
	out, err := c.CloudTrail().DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(shadows)})
	if err != nil {
		return nil, fmt.Errorf("describe trails in %s: %w", region, err)
	}
	return out.TrailList, nil
}

// Buckets cisguard names (3.1, 3.5, 3.6).

// recordOwnedBucketPolicy records statements merged into a bucket's
// policy: part of a bucket the plan creates, or the previous policy (nil:
// none) of a bucket of the account, which a revert puts back (undo_storage.go).
func recordOwnedBucketPolicy(bucket string, created bool, was *string, text string) *plan.Prior {
	if created {
		return partOfCreated(kindBucketPolicy, bucket, "bucket", text)
	}
	return plan.Replaced(kindBucketPolicy, bucket, was, text)
}

// loggingRecord is a bucket's server access logging.
type loggingRecord struct {
	TargetBucket string `json:"targetBucket"`
	TargetPrefix string `json:"targetPrefix"`
}

func loggingOf(l *s3types.LoggingEnabled) *loggingRecord {
	if l == nil {
		return nil
	}
	return &loggingRecord{aws.ToString(l.TargetBucket), aws.ToString(l.TargetPrefix)}
}

// recordBucketLogging records access logging turned on: part of a bucket
// the plan creates (the trail bucket of 3.1), or of a bucket that had
// none (3.6).
func recordBucketLogging(bucket string, created bool, set loggingRecord) *plan.Prior {
	if created {
		return partOfCreated(kindBucketLogging, bucket, "bucket", set)
	}
	return plan.Replaced(kindBucketLogging, bucket, nil, set)
}

func undoBucketLogging(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set *loggingRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api, _, gone, err := bucketClients(ctx, t, pr.Resource)
	if err != nil {
		return nil, err
	}
	if gone {
		return plan.Changed(pr, "the bucket no longer exists"), nil
	}
	out, err := api.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String(pr.Resource)})
	if err != nil {
		return nil, fmt.Errorf("read access logging of bucket %s: %w", pr.Resource, err)
	}
	live, p := loggingOf(out.LoggingEnabled), &plan.Plan{}
	switch {
	case jsonText(live) == jsonText(was):
		p.Note("server access logging of bucket %s is as it was", pr.Resource)
		return p, nil
	case jsonText(live) != jsonText(set):
		return plan.Changed(pr, "its access logging is now "+jsonText(live)), nil
	}
	status := &s3types.BucketLoggingStatus{}
	what := fmt.Sprintf("turn off server access logging of bucket %s, as before (the log files delivered to %s/%s stay)", pr.Resource, set.TargetBucket, set.TargetPrefix)
	if was != nil {
		status.LoggingEnabled = &s3types.LoggingEnabled{TargetBucket: aws.String(was.TargetBucket), TargetPrefix: aws.String(was.TargetPrefix)}
		what = fmt.Sprintf("put back server access logging of bucket %s into %s/%s", pr.Resource, was.TargetBucket, was.TargetPrefix)
	}
	name := pr.Resource
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String(name), BucketLoggingStatus: status})
		return err
	}, "%s", what)
	return p, nil
}

// Event selectors (3.1, 3.10, 3.11).

// selectorRecord is a trail's event selectors: classic or advanced, as
// CloudTrail reports them (a classic selector's ReadWriteType and
// IncludeManagementEvents filled in with their defaults).
type selectorRecord struct {
	Classic  []classicSelector  `json:"eventSelectors,omitempty"`
	Advanced []advancedSelector `json:"advancedEventSelectors,omitempty"`
}

type classicSelector struct {
	ReadWriteType   string         `json:"readWriteType"`
	Management      bool           `json:"includeManagementEvents"`
	Data            []dataResource `json:"dataResources,omitempty"`
	ExcludedSources []string       `json:"excludeManagementEventSources,omitempty"`
}

type dataResource struct {
	Type   string   `json:"type"`
	Values []string `json:"values,omitempty"`
}

type advancedSelector struct {
	Name   string          `json:"name,omitempty"`
	Fields []fieldSelector `json:"fieldSelectors"`
}

type fieldSelector struct {
	Field         string   `json:"field"`
	Equals        []string `json:"equals,omitempty"`
	NotEquals     []string `json:"notEquals,omitempty"`
	StartsWith    []string `json:"startsWith,omitempty"`
	NotStartsWith []string `json:"notStartsWith,omitempty"`
	EndsWith      []string `json:"endsWith,omitempty"`
	NotEndsWith   []string `json:"notEndsWith,omitempty"`
}

func selectorsOf(classic []cttypes.EventSelector, advanced []cttypes.AdvancedEventSelector) selectorRecord {
	var r selectorRecord
	for _, s := range classic {
		c := classicSelector{ReadWriteType: string(readWrite(s)), Management: isTrue(s.IncludeManagementEvents), ExcludedSources: s.ExcludeManagementEventSources}
		for _, d := range s.DataResources {
			c.Data = append(c.Data, dataResource{aws.ToString(d.Type), d.Values})
		}
		r.Classic = append(r.Classic, c)
	}
	for _, s := range advanced {
		a := advancedSelector{Name: aws.ToString(s.Name)}
		for _, f := range s.FieldSelectors {
			a.Fields = append(a.Fields, fieldSelector{aws.ToString(f.Field), f.Equals, f.NotEquals, f.StartsWith, f.NotStartsWith, f.EndsWith, f.NotEndsWith})
		}
		r.Advanced = append(r.Advanced, a)
	}
	return r
}

func (r selectorRecord) input(trail string) *cloudtrail.PutEventSelectorsInput {
	in := &cloudtrail.PutEventSelectorsInput{TrailName: aws.String(trail)}
	for _, c := range r.Classic {
		s := cttypes.EventSelector{ReadWriteType: cttypes.ReadWriteType(c.ReadWriteType), IncludeManagementEvents: aws.Bool(c.Management), ExcludeManagementEventSources: c.ExcludedSources}
		for _, d := range c.Data {
			s.DataResources = append(s.DataResources, cttypes.DataResource{Type: aws.String(d.Type), Values: d.Values})
		}
		in.EventSelectors = append(in.EventSelectors, s)
	}
	for _, a := range r.Advanced {
		s := cttypes.AdvancedEventSelector{}
		if a.Name != "" {
			s.Name = aws.String(a.Name)
		}
		for _, f := range a.Fields {
			s.FieldSelectors = append(s.FieldSelectors, cttypes.AdvancedFieldSelector{Field: aws.String(f.Field), Equals: f.Equals, NotEquals: f.NotEquals,
				StartsWith: f.StartsWith, NotStartsWith: f.NotStartsWith, EndsWith: f.EndsWith, NotEndsWith: f.NotEndsWith})
		}
		in.AdvancedEventSelectors = append(in.AdvancedEventSelectors, s)
	}
	return in
}

// record records the selectors as the trail had them and as put writes them.
func (s *selectors) record(tr *trail) *plan.Prior {
	classic := s.classic
	if len(s.advanced) > 0 {
		classic = nil
	}
	return plan.Replaced(kindEventSelectors, tr.arn(), selectorsOf(tr.classic, tr.advanced), selectorsOf(classic, s.advanced))
}

func undoEventSelectors(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set selectorRecord
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
	out, err := api.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(pr.Resource)})
	if err != nil {
		return nil, fmt.Errorf("read event selectors of trail %s: %w", pr.Resource, err)
	}
	live, p := jsonText(selectorsOf(out.EventSelectors, out.AdvancedEventSelectors)), &plan.Plan{}
	switch {
	case live == jsonText(was):
		p.Note("the event selectors of trail %s are as they were", pr.Resource)
		return p, nil
	case live != jsonText(set):
		return plan.Changed(pr, "its event selectors are now "+live), nil
	case len(was.Classic)+len(was.Advanced) == 0:
		p.Leave(fmt.Sprintf("trail %s had no event selectors, which CloudTrail cannot put back", pr.Resource), "put the selectors you want with aws cloudtrail put-event-selectors")
		return p, nil
	}
	in := was.input(pr.Resource)
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutEventSelectors(ctx, in)
		return err
	}, "put back the event selectors of trail %s: %s", pr.Resource, jsonText(was))
	return p, nil
}

// The delivery role's inline policy (3.4, section 4's log delivery; 3.9's
// is kept).

// inlinePolicyRecord is an inline policy of a role: its document (nil:
// none), and, for CloudTrail's delivery role, the log group it lets
// CloudTrail write to and the trail cisguard sent there.
type inlinePolicyRecord struct {
	Policy   string  `json:"policyName"`
	Document *string `json:"document"`
	Group    string  `json:"logGroup,omitempty"`
	Trail    string  `json:"trail,omitempty"`
}

// decodedPolicy returns a policy document as text (IAM returns them
// URL-encoded).
func decodedPolicy(doc string) string {
	if strings.HasPrefix(doc, "%7B") || strings.HasPrefix(doc, "%7b") {
		if d, err := url.QueryUnescape(doc); err == nil {
			return d
		}
	}
	return doc
}

func undoInlinePolicy(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set inlinePolicyRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api, role := t.Clients.IAM(), pr.Resource
	out, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(set.Policy)})
	var live *string
	switch {
	case awsapi.IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("read policy %s of role %s: %w", set.Policy, role, err)
	default:
		live = aws.String(decodedPolicy(aws.ToString(out.PolicyDocument)))
	}
	same := func(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && sameJSON(*a, *b) }
	p := &plan.Plan{}
	switch {
	case same(live, was.Document):
		p.Note("inline policy %s of role %s is as it was", set.Policy, role)
		return p, nil
	case !same(live, set.Document):
		return plan.Changed(pr, "policy "+set.Policy+" is not the one cisguard wrote"), nil
	}
	if set.Group != "" {
		users, err := trailsDelivering(ctx, t, set.Group, role)
		if err != nil {
			return nil, err
		}
		if len(users) > 0 {
			p.Leave(fmt.Sprintf("%s still deliver(s) to log group %s through role %s: putting back its previous policy %s would stop the delivery", strings.Join(users, ", "), logGroupOf(set.Group), role, set.Policy),
				"revert or change those trails first (their log group and role), then revert again")
			return p, nil
		}
	}
	if was.Document == nil {
		p.Addf(func(ctx context.Context) error {
			_, err := api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(set.Policy)})
			return err
		}, "delete inline policy %s of role %s: the role had none of that name before cisguard", set.Policy, role)
		return p, nil
	}
	doc := *was.Document
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(set.Policy), PolicyDocument: aws.String(doc)})
		return err
	}, "put back inline policy %s of role %s as it was (%d bytes)", set.Policy, role, len(doc))
	return p, nil
}

// trailsDelivering returns the trails that send their events to the log
// group (an ARN) through role, in the group's region (a trail's log group
// is in its home region), but for those a dry run restores first.
func trailsDelivering(ctx context.Context, t *Target, group, role string) ([]string, error) {
	trails, err := trailsIn(ctx, t, arnRegion(group), false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, x := range trails {
		arn := aws.ToString(x.TrailARN)
		g, r := aws.ToString(x.CloudWatchLogsLogGroupArn), aws.ToString(x.CloudWatchLogsRoleArn)
		if w := restoredTrail(ctx, arn); w != nil && w.LogGroup != nil {
			g, r = aws.ToString(w.LogGroup), aws.ToString(w.LogRole)
		}
		if logGroupOf(g) == logGroupOf(group) && strings.HasSuffix(r, "/"+role) {
			out = append(out, "trail "+arn)
		}
	}
	return out, nil
}

// AWS Config (3.5).

// recorderRecord is a configuration recorder: what cisguard compares
// (name, role, and whether it records all supported types and global
// ones, or which types), and its recording group and mode as AWS Config
// described them, which a revert puts back whole.
type recorderRecord struct {
	Name  string                      `json:"name"`
	Role  string                      `json:"roleArn"`
	Group *configtypes.RecordingGroup `json:"recordingGroup,omitempty"`
	Mode  *configtypes.RecordingMode  `json:"recordingMode,omitempty"`
}

func recorderOf(r *configtypes.ConfigurationRecorder) *recorderRecord {
	if r == nil {
		return nil
	}
	return &recorderRecord{Name: aws.ToString(r.Name), Role: aws.ToString(r.RoleARN), Group: r.RecordingGroup, Mode: r.RecordingMode}
}

// key is what a revert compares.
func (r *recorderRecord) key() string {
	if r == nil {
		return "none"
	}
	g := configtypes.RecordingGroup{}
	if r.Group != nil {
		g = *r.Group
	}
	types := make([]string, len(g.ResourceTypes))
	for i, x := range g.ResourceTypes {
		types[i] = string(x)
	}
	slices.Sort(types)
	return fmt.Sprintf("%s as %s: all supported %v, global %v, types %v", r.Name, r.Role, g.AllSupported, g.IncludeGlobalResourceTypes, types)
}

func recordRecorder(was *configtypes.ConfigurationRecorder, set configtypes.ConfigurationRecorder) *plan.Prior {
	return plan.Replaced(kindConfigRecorder, aws.ToString(set.Name), recorderOf(was), recorderOf(&set))
}

func undoConfigRecorder(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set *recorderRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api, region := t.Clients.Config(), t.Region()
	out, err := api.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return nil, fmt.Errorf("describe configuration recorders in %s: %w", region, err)
	}
	var live *recorderRecord
	if len(out.ConfigurationRecorders) > 0 {
		live = recorderOf(&out.ConfigurationRecorders[0])
	}
	p := &plan.Plan{}
	switch {
	case live.key() == was.key():
		p.Note("the configuration recorder of %s is as it was (%s)", region, was.key())
		return p, nil
	case live.key() != set.key():
		return plan.Changed(pr, "the recorder is now "+live.key()), nil
	case was == nil:
		p.Addf(func(ctx context.Context) error {
			_, err := api.DeleteConfigurationRecorder(ctx, &configservice.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String(set.Name)})
			return err
		}, "delete configuration recorder %s in %s: the region had none before cisguard (what it recorded stays in the configuration bucket)", set.Name, region)
		return p, nil
	case !strings.HasSuffix(was.Role, "/"+configSLR):
		group, _ := json.Marshal(was.Group)
		p.Leave(fmt.Sprintf("configuration recorder %s in %s recorded as role %s, which the member role may not pass to AWS Config (only its service-linked role)", was.Name, region, was.Role),
			fmt.Sprintf("aws configservice put-configuration-recorder --region %s --configuration-recorder name=%s,roleARN=%s --recording-group '%s'", region, was.Name, was.Role, group))
		return p, nil
	}
	rec := configtypes.ConfigurationRecorder{Name: aws.String(was.Name), RoleARN: aws.String(was.Role), RecordingGroup: was.Group, RecordingMode: was.Mode}
	p.Addf(putRecorder(api, rec), "put back configuration recorder %s in %s as it was (%s)", was.Name, region, was.key())
	return p, nil
}

// channelRecord is a delivery channel.
type channelRecord struct {
	Name   string `json:"name"`
	Bucket string `json:"s3BucketName"`
	Prefix string `json:"s3KeyPrefix,omitempty"`
	Topic  string `json:"snsTopicARN,omitempty"`
}

func channelOf(c *configtypes.DeliveryChannel) *channelRecord {
	if c == nil {
		return nil
	}
	return &channelRecord{aws.ToString(c.Name), aws.ToString(c.S3BucketName), aws.ToString(c.S3KeyPrefix), aws.ToString(c.SnsTopicARN)}
}

func undoConfigChannel(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var set channelRecord
	if err := pr.Decode(nil, &set); err != nil {
		return nil, err
	}
	api, region := t.Clients.Config(), t.Region()
	out, err := api.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		return nil, fmt.Errorf("describe delivery channels in %s: %w", region, err)
	}
	p := &plan.Plan{}
	switch {
	case len(out.DeliveryChannels) == 0:
		p.Note("%s has no delivery channel, as before", region)
		return p, nil
	case jsonText(channelOf(&out.DeliveryChannels[0])) != jsonText(set):
		return plan.Changed(pr, "the channel is now "+jsonText(channelOf(&out.DeliveryChannels[0]))), nil
	}
	// AWS Config keeps the channel of a recorder that records.
	st, err := api.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	if err != nil {
		return nil, fmt.Errorf("read the configuration recorder status in %s: %w", region, err)
	}
	for _, s := range st.ConfigurationRecordersStatus {
		if s.Recording && restoring(ctx, kindConfigRecording, aws.ToString(s.Name)) == nil {
			p.Leave(fmt.Sprintf("configuration recorder %s in %s records, and AWS Config keeps the delivery channel of a recorder that records", aws.ToString(s.Name), region),
				fmt.Sprintf("stop it first (aws configservice stop-configuration-recorder --region %s --configuration-recorder-name %s), then revert again", region, aws.ToString(s.Name)))
			return p, nil
		}
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DeleteDeliveryChannel(ctx, &configservice.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String(set.Name)})
		return err
	}, "delete AWS Config delivery channel %s in %s: the region had none before cisguard (the files it delivered to bucket %s stay)", set.Name, region, set.Bucket)
	return p, nil
}

func undoConfigRecording(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api, region := t.Clients.Config(), t.Region()
	st, err := api.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	if err != nil {
		return nil, fmt.Errorf("read the configuration recorder status in %s: %w", region, err)
	}
	p := &plan.Plan{}
	i := slices.IndexFunc(st.ConfigurationRecordersStatus, func(s configtypes.ConfigurationRecorderStatus) bool { return aws.ToString(s.Name) == pr.Resource })
	switch {
	case i < 0:
		p.Note("configuration recorder %s in %s no longer exists", pr.Resource, region)
		return p, nil
	case !st.ConfigurationRecordersStatus[i].Recording:
		p.Note("configuration recorder %s in %s does not record, as before", pr.Resource, region)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.StopConfigurationRecorder(ctx, &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String(pr.Resource)})
		return err
	}, "stop configuration recorder %s in %s, as before", pr.Resource, region)
	return p, nil
}

// KMS keys (3.7, 3.8).

// kmsIn returns KMS in the region of a key ARN.
func kmsIn(t *Target, arn string) (awsapi.KMS, string, error) {
	region := arnRegion(arn)
	if region == "" {
		return nil, "", fmt.Errorf("%q is not a key ARN", arn)
	}
	c, err := t.Clients.In(region)
	if err != nil {
		return nil, "", err
	}
	return c.KMS(), region, nil
}

func recordKeyRotation(arn string) *plan.Prior {
	return plan.Replaced(kindKeyRotation, arn, false, true)
}

func undoKeyRotation(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api, _, err := kmsIn(t, pr.Resource)
	if err != nil {
		return nil, err
	}
	p := &plan.Plan{}
	out, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(pr.Resource)})
	switch {
	case awsapi.IsNotFound(err):
		p.Note("KMS key %s no longer exists: nothing to restore", pr.Resource)
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("describe KMS key %s: %w", pr.Resource, err)
	}
	switch st := out.KeyMetadata.KeyState; st {
	case kmstypes.KeyStatePendingDeletion, kmstypes.KeyStatePendingReplicaDeletion:
		p.Note("KMS key %s is %s: nothing to restore", pr.Resource, st)
		return p, nil
	case kmstypes.KeyStateEnabled:
	default:
		return plan.Changed(pr, fmt.Sprintf("the key is %s", st)), nil
	}
	rot, err := api.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(pr.Resource)})
	if err != nil {
		return nil, fmt.Errorf("read rotation of KMS key %s: %w", pr.Resource, err)
	}
	if !rot.KeyRotationEnabled {
		p.Note("rotation of KMS key %s is off, as before", pr.Resource)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(pr.Resource)})
		return err
	}, "turn off automatic rotation of KMS key %s, as before (key material rotated meanwhile stays, and still decrypts)", pr.Resource)
	return p, nil
}

// recordKeyPolicy records a key policy replaced by one with CloudTrail's
// statements merged in (a key cisguard made: the member role changes no
// other key's policy).
func recordKeyPolicy(arn, was, set string) *plan.Prior {
	return plan.Replaced(kindKeyPolicy, arn, was, set)
}

func undoKeyPolicy(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set string
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api, region, err := kmsIn(t, pr.Resource)
	if err != nil {
		return nil, err
	}
	key := aws.String(pr.Resource)
	d, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: key})
	switch {
	case awsapi.IsNotFound(err):
		return plan.Changed(pr, "the key no longer exists"), nil
	case err != nil:
		return nil, fmt.Errorf("describe KMS key %s: %w", pr.Resource, err)
	case d.KeyMetadata.KeyState != kmstypes.KeyStateEnabled && d.KeyMetadata.KeyState != kmstypes.KeyStateDisabled:
		return plan.Changed(pr, fmt.Sprintf("the key is %s", d.KeyMetadata.KeyState)), nil
	}
	out, err := api.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: key, PolicyName: aws.String("default")})
	if err != nil {
		return nil, fmt.Errorf("read policy of KMS key %s: %w", pr.Resource, err)
	}
	live, p := aws.ToString(out.Policy), &plan.Plan{}
	switch {
	case sameJSON(live, was):
		p.Note("the policy of KMS key %s is as it was", pr.Resource)
		return p, nil
	case !sameJSON(live, set):
		return plan.Changed(pr, "its policy is not the one cisguard wrote"), nil
	}
	tags, err := api.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: key})
	if err != nil {
		return nil, fmt.Errorf("read tags of KMS key %s: %w", pr.Resource, err)
	}
	if !managed(tags.Tags) {
		return plan.Changed(pr, "the key no longer carries "+perms.ManagedTagKey+"="+perms.ManagedTagValue+", and cisguard writes only the policies of keys it made"), nil
	}
	var users []string
	trails, err := trailsIn(ctx, t, region, true)
	if err != nil {
		return nil, err
	}
	for _, x := range trails {
		k := aws.ToString(x.KmsKeyId)
		if w := restoredTrail(ctx, aws.ToString(x.TrailARN)); w != nil && w.KMSKey != nil {
			k = *w.KMSKey
		}
		if k == pr.Resource {
			users = append(users, "trail "+aws.ToString(x.TrailARN))
		}
	}
	if len(users) > 0 {
		p.Leave(fmt.Sprintf("%s encrypt(s) its log files with KMS key %s: putting back the previous policy would stop CloudTrail from writing them", strings.Join(users, ", "), pr.Resource),
			"revert or change those trails first (their KMS key), then revert again")
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: key, PolicyName: aws.String("default"), Policy: aws.String(was)})
		return err
	}, "put back the previous policy of KMS key %s (made by cisguard): CloudTrail's statements removed", pr.Resource)
	return p, nil
}

// Flow logs (3.9).

// flowLogRecord is the flow logs cisguard created for a VPC, by id.
type flowLogRecord struct {
	IDs      []string `json:"flowLogIds,omitempty"`
	LogGroup string   `json:"logGroupName"`
	Traffic  string   `json:"trafficType"`
}

// managedTagSpec tags a new flow log as cisguard's.
var flowLogTags = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcFlowLog,
	Tags: []ec2types.Tag{{Key: aws.String(perms.ManagedTagKey), Value: aws.String(perms.ManagedTagValue)}}}}

func undoFlowLog(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var set flowLogRecord
	if err := pr.Decode(nil, &set); err != nil {
		return nil, err
	}
	p := &plan.Plan{}
	if len(set.IDs) == 0 {
		p.Note("no flow log of VPC %s was recorded as created", pr.Resource)
		return p, nil
	}
	api := t.Clients.EC2()
	var found []ec2types.FlowLog
	pages := ec2.NewDescribeFlowLogsPaginator(api, &ec2.DescribeFlowLogsInput{FlowLogIds: set.IDs})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe flow logs %s of VPC %s: %w", strings.Join(set.IDs, ", "), pr.Resource, err)
		}
		found = append(found, pg.FlowLogs...)
	}
	var ids []string
	for _, f := range found {
		id := aws.ToString(f.FlowLogId)
		if !slices.Contains(set.IDs, id) {
			continue
		}
		if aws.ToString(f.ResourceId) != pr.Resource || aws.ToString(f.LogGroupName) != set.LogGroup || string(f.TrafficType) != set.Traffic || !managedEC2(f.Tags) {
			return plan.Changed(pr, fmt.Sprintf("flow log %s is not the one cisguard created (VPC %s, group %s, traffic %s, tags %v)", id, aws.ToString(f.ResourceId), aws.ToString(f.LogGroupName), f.TrafficType, tagMap(f.Tags))), nil
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		p.Note("flow log(s) %s of VPC %s no longer exist", strings.Join(set.IDs, ", "), pr.Resource)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		out, err := api.DeleteFlowLogs(ctx, &ec2.DeleteFlowLogsInput{FlowLogIds: ids})
		if err != nil {
			return err
		}
		for _, u := range out.Unsuccessful {
			if e := u.Error; e != nil && aws.ToString(e.Code) != "InvalidFlowLogId.NotFound" {
				return fmt.Errorf("flow log %s: %s: %s", aws.ToString(u.ResourceId), aws.ToString(e.Code), aws.ToString(e.Message))
			}
		}
		return nil
	}, "delete flow log(s) %s of VPC %s, created by cisguard (log group %s and its events stay)", strings.Join(ids, ", "), pr.Resource, set.LogGroup)
	return p, nil
}

// managedEC2 reports whether EC2 tags carry cisguard:managed=true.
func managedEC2(tags []ec2types.Tag) bool {
	return slices.ContainsFunc(tags, func(t ec2types.Tag) bool {
		return aws.ToString(t.Key) == perms.ManagedTagKey && aws.ToString(t.Value) == perms.ManagedTagValue
	})
}
