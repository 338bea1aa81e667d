package controls

// Section 3: Logging. The trail discovery, log delivery (3.4) and the
// helpers for service roles and buckets here are shared with section 4.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
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
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

// trailReads are the CloudTrail reads of trail discovery.
var trailReads = []string{"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"}

// logDeliveryPermissions are what planLogDelivery (3.4) calls.
var logDeliveryPermissions = []string{
	"logs:DescribeLogGroups", "logs:CreateLogGroup", "logs:PutRetentionPolicy",
	"iam:GetRole", "iam:CreateRole", "iam:GetRolePolicy", "iam:PutRolePolicy",
	"cloudtrail:UpdateTrail",
}

// actions joins lists of IAM actions without repeats.
func actions(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		for _, a := range g {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

func loggingControls() []*Control {
	return []*Control{
		{
			ID: "3.1",
			Permissions: actions(trailReads, []string{"cloudtrail:CreateTrail", "cloudtrail:UpdateTrail", "cloudtrail:StartLogging", "cloudtrail:PutEventSelectors",
				"s3:GetBucketLocation", "s3:CreateBucket", "s3:PutBucketPublicAccessBlock", "s3:GetBucketPolicy", "s3:PutBucketPolicy"}),
			Params: &CloudTrailParams{NewTrail: "cisguard-trail"},
			Plan:   planCloudTrail,
			Calls:  Calls{Reads: 2, Writes: 5, Case: "no trail in the account: bucket and multi-region trail created, logging started"},
			Doc: "Finds the account's multi-region trail that is logging and records all management events. A multi-region trail that falls short is fixed in place " +
				"(StartLogging; event selectors merged so that management events are recorded read and write, data event selectors kept). " +
				"With no multi-region trail, creates a bucket in the region (Block Public Access on, a policy letting only this trail write), a multi-region trail with log file validation, and starts it.",
		},
		{
			ID:          "3.2",
			Permissions: actions(trailReads, []string{"cloudtrail:UpdateTrail"}),
			Params:      &TrailParams{},
			Plan:        planLogFileValidation,
			Calls:       Calls{Reads: 1, Writes: 1, Case: "a trail without log file validation"},
			Doc:         "Turns on log file validation on the finding's trail (for an account finding, the discovered multi-region trail), in the trail's home region.",
		},
		{
			ID:          "3.3",
			Permissions: actions(trailReads, []string{"s3:GetBucketLocation", "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock", "s3:GetBucketTagging"}),
			Params:      &TrailParams{},
			Plan:        planTrailBucketPublicAccess,
			Calls:       Calls{Reads: 3, Writes: 1, Case: "a trail bucket without Block Public Access"},
			Doc:         "Turns on all four Block Public Access settings on the CloudTrail bucket (the finding's bucket, or the bucket of the finding's or the discovered trail), in the bucket's region. A bucket tagged exempt is left alone.",
		},
		{
			ID:          "3.4",
			Permissions: actions(trailReads, logDeliveryPermissions),
			PassRoleTo:  []string{"cloudtrail.amazonaws.com"},
			Params:      defaultCloudWatchLogsParams(),
			Plan:        planTrailLogs,
			Calls:       Calls{Reads: 3, Writes: 5, Case: "a trail without CloudWatch Logs; log group and role created"},
			Doc: "Sends the trail's events to a CloudWatch Logs group in its home region: the group (`logGroup`, default /aws/cloudtrail/<trail>, retention `retentionDays`) and a delivery role trusted by CloudTrail " +
				"(`roleName`, its inline policy merged to allow writing to the group) are created when missing. Section 4 uses the same plan when its trail has no log group.",
		},
		{
			ID: "3.5",
			Permissions: []string{"config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus", "config:DescribeDeliveryChannels",
				"config:PutConfigurationRecorder", "config:PutDeliveryChannel", "config:StartConfigurationRecorder", "iam:GetRole",
				"s3:GetBucketLocation", "s3:CreateBucket", "s3:PutBucketPublicAccessBlock", "s3:GetBucketPolicy", "s3:PutBucketPolicy"},
			PassRoleTo: []string{"config.amazonaws.com"},
			Params:     &ConfigParams{GlobalRegion: "us-east-1"},
			Plan:       planConfigRecorder,
			Calls:      Calls{Reads: 4, Writes: 6, Case: "AWS Config never set up in the region; bucket created"},
			Doc: "Opt-in (notify by default): records all supported resource types in the region (global IAM types only in `globalRegion`), delivers to `bucket` " +
				"(default cisguard-config-<account>-<region>, created when missing; an existing bucket gets AWS Config's statements merged into its policy) and starts recording. " +
				"Uses the AWS Config service-linked role (or `roleArn`); create it once with `aws iam create-service-linked-role --aws-service-name config.amazonaws.com`. AWS Config is billed per recorded item.",
		},
		{
			ID:          "3.6",
			Permissions: actions(trailReads, []string{"s3:GetBucketLocation", "s3:GetBucketLogging", "s3:PutBucketLogging", "s3:GetBucketTagging", "s3:CreateBucket", "s3:PutBucketPublicAccessBlock", "s3:GetBucketPolicy", "s3:PutBucketPolicy"}),
			Params:      &AccessLoggingParams{},
			Plan:        planTrailBucketLogging,
			Calls:       Calls{Reads: 4, Writes: 4, Case: "trail bucket without access logging; log bucket created"},
			Doc: "Turns on server access logging of the CloudTrail bucket into `logBucket` (default cisguard-access-logs-<account>-<region>, in the trail bucket's region as S3 requires), " +
				"created when missing with Block Public Access and a policy letting S3 log delivery write; an existing log bucket gets that statement merged into its policy.",
		},
		{
			ID:          "3.7",
			Permissions: actions(trailReads, []string{"cloudtrail:UpdateTrail", "s3:GetBucketLocation", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:CreateKey", "kms:CreateAlias", "kms:EnableKeyRotation"}),
			Params:      &TrailKeyParams{KMSKey: "alias/CIS_CloudTrail_Encryption_Key"},
			Plan:        planTrailEncryption,
			Calls:       Calls{Reads: 3, Writes: 4, Case: "an unencrypted trail and no key yet: key, alias and rotation created"},
			Doc: "Encrypts the trail's log files with the KMS key `kmsKey` (default alias/CIS_CloudTrail_Encryption_Key) in the trail bucket's region. " +
				"An existing key gets statements merged into its policy when it does not let this trail use it; a missing alias is created with a new symmetric key (rotation on) " +
				"whose policy lets CloudTrail encrypt for this account's trails and the account decrypt. Readers of the logs then need kms:Decrypt.",
		},
		{
			ID:          "3.8",
			Permissions: []string{"kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:EnableKeyRotation"},
			Params:      &KMSRotationParams{},
			Plan:        planKMSRotation,
			Calls:       Calls{Reads: 3, Writes: 1, Case: "an enabled customer managed symmetric key without rotation"},
			Doc:         "Turns on automatic rotation of the finding's key when it is an enabled, symmetric, customer managed key with KMS key material. Keys whose description contains any of `excludeKeywords`, or tagged exempt, are skipped with a note.",
		},
		{
			ID:          "3.9",
			Permissions: []string{"ec2:DescribeVpcs", "ec2:DescribeFlowLogs", "ec2:CreateFlowLogs", "logs:DescribeLogGroups", "logs:CreateLogGroup", "logs:PutRetentionPolicy", "iam:GetRole", "iam:CreateRole", "iam:GetRolePolicy", "iam:PutRolePolicy"},
			PassRoleTo:  []string{"vpc-flow-logs.amazonaws.com"},
			Params:      &FlowLogParams{LogGroup: "/cisguard/vpc-flow-logs", RetentionDays: 365, RoleName: "cisguard-vpc-flow-logs"},
			Plan:        planFlowLogs,
			Calls:       Calls{Reads: 4, Writes: 5, Case: "a VPC without flow logs; log group and role created"},
			Doc: "A VPC without any flow log gets one for rejected traffic into the CloudWatch Logs group `logGroup` (created when missing, retention `retentionDays`), delivered by `roleName` " +
				"(created when missing, trusted by VPC Flow Logs; its inline policy merged). Flow log ingestion is billed.",
		},
		{
			ID:          "3.10",
			Permissions: actions(trailReads, []string{"cloudtrail:PutEventSelectors"}),
			Params:      &TrailParams{},
			Plan:        func(ctx context.Context, t *Target) (*plan.Plan, error) { return planS3DataEvents(ctx, t, true) },
			Calls:       Calls{Reads: 3, Writes: 1, Case: "a qualifying trail without S3 data events"},
			Doc:         "Adds S3 object-level write events for all buckets to the discovered multi-region trail, merging with its event selectors (an existing all-buckets read selector becomes read and write). Data events are billed.",
		},
		{
			ID:          "3.11",
			Permissions: actions(trailReads, []string{"cloudtrail:PutEventSelectors"}),
			Params:      &TrailParams{},
			Plan:        func(ctx context.Context, t *Target) (*plan.Plan, error) { return planS3DataEvents(ctx, t, false) },
			Calls:       Calls{Reads: 3, Writes: 1, Case: "a qualifying trail without S3 data events"},
			Doc:         "Adds S3 object-level read events for all buckets to the discovered multi-region trail, merging with its event selectors (an existing all-buckets write selector becomes read and write). Data events are billed, read events heavily.",
		},
	}
}

// Trails.

// TrailParams selects the trail a control works on.
type TrailParams struct {
	// Trail is a trail name or ARN; "" means the account's multi-region
	// trail that is logging and records all management events.
	Trail string `yaml:"trail"`
}

var trailNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$`)

// Validate checks the trail name.
func (p *TrailParams) Validate() error {
	if p.Trail != "" && !strings.HasPrefix(p.Trail, "arn:") && !trailNameRe.MatchString(p.Trail) {
		return fmt.Errorf("trail %q is not a trail name or ARN", p.Trail)
	}
	return nil
}

// trail is a trail as read from its home region.
type trail struct {
	cttypes.Trail
	// logging and the selectors are read by inspect (discovery only).
	logging  bool
	classic  []cttypes.EventSelector
	advanced []cttypes.AdvancedEventSelector
	// home are the clients of the trail's home region, where every change
	// to it must be sent.
	home awsapi.Clients
}

func (tr *trail) name() string   { return aws.ToString(tr.Name) }
func (tr *trail) arn() string    { return aws.ToString(tr.TrailARN) }
func (tr *trail) region() string { return aws.ToString(tr.HomeRegion) }

// qualifies reports whether the trail is what CIS 3.1 and section 4 ask
// for: multi-region, logging, recording all management events.
func (tr *trail) qualifies() bool {
	return aws.ToBool(tr.IsMultiRegionTrail) && tr.logging && recordsAllManagement(tr.classic, tr.advanced)
}

func (tr *trail) String() string { return fmt.Sprintf("trail %s (home %s)", tr.name(), tr.region()) }

// errNoTrail is returned when the account has no trail that qualifies.
var errNoTrail = errors.New("no multi-region CloudTrail trail that is logging and records all management events: 3.1 sets one up")

// describeTrails lists the trails visible in the target's region (its own
// and the multi-region trails of other regions); ids narrows the list.
func describeTrails(ctx context.Context, t *Target, ids ...string) ([]*trail, error) {
	out, err := t.Clients.CloudTrail().DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: ids, IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("describe trails in %s: %w", t.Region(), err)
	}
	var trails []*trail
	for _, x := range out.TrailList {
		home := t.Clients
		if r := aws.ToString(x.HomeRegion); r != t.Region() {
			if home, err = t.Clients.In(r); err != nil {
				return nil, err
			}
		}
		trails = append(trails, &trail{Trail: x, home: home})
	}
	return trails, nil
}

// inspect reads whether the trail is logging and its event selectors;
// gone is true when it was deleted since it was listed.
func (tr *trail) inspect(ctx context.Context) (gone bool, err error) {
	api := tr.home.CloudTrail()
	st, err := api.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: tr.TrailARN})
	if awsapi.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read status of %s: %w", tr, err)
	}
	sel, err := api.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: tr.TrailARN})
	if awsapi.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read event selectors of %s: %w", tr, err)
	}
	tr.logging, tr.classic, tr.advanced = aws.ToBool(st.IsLogging), sel.EventSelectors, sel.AdvancedEventSelectors
	return false, nil
}

// discoverTrail finds the trail that sections 3 and 4 work on, never a
// hard-coded one. With name (a name or ARN) it is that trail, or nil when
// it does not exist. Otherwise it is the first multi-region trail that
// qualifies; when none does, the first multi-region trail (for 3.1 to
// fix); nil when there is no multi-region trail.
func discoverTrail(ctx context.Context, t *Target, name string) (*trail, error) {
	trails, err := describeTrails(ctx, t)
	if err != nil {
		return nil, err
	}
	var fallback *trail
	for _, tr := range trails {
		if name != "" && name != tr.name() && name != tr.arn() || name == "" && !aws.ToBool(tr.IsMultiRegionTrail) {
			continue
		}
		gone, err := tr.inspect(ctx)
		if err != nil {
			return nil, err
		}
		if gone {
			continue
		}
		if tr.qualifies() || name != "" {
			return tr, nil
		}
		if fallback == nil {
			fallback = tr
		}
	}
	return fallback, nil
}

// qualifyingTrail is the discovered trail, or errNoTrail when it does not qualify.
func qualifyingTrail(ctx context.Context, t *Target, name string) (*trail, error) {
	tr, err := discoverTrail(ctx, t, name)
	if err != nil {
		return nil, err
	}
	if tr == nil || !tr.qualifies() {
		if name != "" {
			return nil, fmt.Errorf("trail %s: %w", name, errNoTrail)
		}
		return nil, errNoTrail
	}
	return tr, nil
}

// findingTrail returns the trail a finding is about: the finding's own
// trail, or for an account finding the discovered one (which need not
// qualify: 3.2 can fix a trail that 3.1 fixes too). gone is true when the
// finding's trail no longer exists.
func findingTrail(ctx context.Context, t *Target, name string) (tr *trail, gone bool, err error) {
	if t.Resource.Type != "AwsCloudTrailTrail" {
		tr, err := discoverTrail(ctx, t, name)
		if err == nil && tr == nil {
			err = errNoTrail
		}
		return tr, false, err
	}
	trails, err := describeTrails(ctx, t, t.Resource.ID)
	if err != nil || len(trails) == 0 {
		return nil, err == nil, err
	}
	return trails[0], false, nil
}

// changeable returns an error for a trail this account cannot change: an
// organization trail, which member accounts see but only the management
// account may change.
func (tr *trail) changeable(t *Target) error {
	if parts := strings.SplitN(tr.arn(), ":", 6); len(parts) == 6 && parts[4] != t.Account() {
		return fmt.Errorf("%s is an organization trail of account %s: change it there, or name a trail of this account (trail)", tr, parts[4])
	}
	return nil
}

// update returns the action that sends UpdateTrail to the trail's home region.
func (tr *trail) update(in cloudtrail.UpdateTrailInput) func(context.Context) error {
	in.Name = tr.TrailARN
	api := tr.home.CloudTrail()
	return func(ctx context.Context) error {
		_, err := api.UpdateTrail(ctx, &in)
		return err
	}
}

// Event selectors.

func isTrue(b *bool) bool { return b == nil || *b } // selector flags default to true

// recordsAllManagement reports whether the selectors record every read and
// write management event: a classic selector with management events,
// ReadWriteType All and no excluded sources, or an advanced selector on
// eventCategory Management with no other condition.
func recordsAllManagement(classic []cttypes.EventSelector, advanced []cttypes.AdvancedEventSelector) bool {
	return slices.ContainsFunc(classic, func(s cttypes.EventSelector) bool {
		return isTrue(s.IncludeManagementEvents) && readWrite(s) == cttypes.ReadWriteTypeAll && len(s.ExcludeManagementEventSources) == 0
	}) || slices.ContainsFunc(advanced, func(s cttypes.AdvancedEventSelector) bool {
		return category(s) == "Management" && len(s.FieldSelectors) == 1
	})
}

func readWrite(s cttypes.EventSelector) cttypes.ReadWriteType {
	if s.ReadWriteType == "" {
		return cttypes.ReadWriteTypeAll
	}
	return s.ReadWriteType
}

// field returns the advanced selector's condition on a field, or nil.
func field(s cttypes.AdvancedEventSelector, name string) *cttypes.AdvancedFieldSelector {
	for i := range s.FieldSelectors {
		if aws.ToString(s.FieldSelectors[i].Field) == name {
			return &s.FieldSelectors[i]
		}
	}
	return nil
}

func equalsOnly(f *cttypes.AdvancedFieldSelector, v string) bool {
	return f != nil && len(f.Equals) == 1 && f.Equals[0] == v
}

func category(s cttypes.AdvancedEventSelector) string {
	if f := field(s, "eventCategory"); f != nil && len(f.Equals) == 1 {
		return f.Equals[0]
	}
	return ""
}

func equalsField(name string, values ...string) cttypes.AdvancedFieldSelector {
	return cttypes.AdvancedFieldSelector{Field: aws.String(name), Equals: values}
}

// selectors are a trail's event selectors, classic or advanced, as they
// will be written back: changes merge into what exists.
type selectors struct {
	classic  []cttypes.EventSelector
	advanced []cttypes.AdvancedEventSelector
}

func (tr *trail) selectors() *selectors {
	return &selectors{classic: slices.Clone(tr.classic), advanced: slices.Clone(tr.advanced)}
}

// addAllManagement makes the selectors record all management events and
// says what it changed.
func (s *selectors) addAllManagement() (string, error) {
	if len(s.advanced) > 0 {
		for i, a := range s.advanced {
			if category(a) == "Management" {
				s.advanced[i].FieldSelectors = []cttypes.AdvancedFieldSelector{equalsField("eventCategory", "Management")}
				return fmt.Sprintf("advanced selector %q: conditions other than eventCategory Management removed", aws.ToString(a.Name)), nil
			}
		}
		s.advanced = append(s.advanced, cttypes.AdvancedEventSelector{Name: aws.String("Management events"), FieldSelectors: []cttypes.AdvancedFieldSelector{equalsField("eventCategory", "Management")}})
		return "advanced selector \"Management events\" added", nil
	}
	for i, c := range s.classic {
		if isTrue(c.IncludeManagementEvents) {
			s.classic[i].ReadWriteType, s.classic[i].ExcludeManagementEventSources = cttypes.ReadWriteTypeAll, nil
			return fmt.Sprintf("management selector ReadWriteType %s -> All, excluded sources %v -> none", readWrite(c), c.ExcludeManagementEventSources), nil
		}
	}
	if len(s.classic) >= 5 {
		return "", errors.New("it has 5 event selectors, none for management events, and CloudTrail allows no more: add management events to one by hand")
	}
	s.classic = append(s.classic, cttypes.EventSelector{ReadWriteType: cttypes.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true)})
	return "selector for all management events added", nil
}

// allS3 reports whether a classic data resource value covers every bucket.
func allS3(v, partition string) bool {
	return v == "arn:"+partition+":s3" || v == "arn:"+partition+":s3:::"
}

func coversAllS3(s cttypes.EventSelector, partition string) bool {
	return slices.ContainsFunc(s.DataResources, func(d cttypes.DataResource) bool {
		return aws.ToString(d.Type) == "AWS::S3::Object" && slices.ContainsFunc(d.Values, func(v string) bool { return allS3(v, partition) })
	})
}

// s3Data reports whether an advanced selector logs object events of all
// buckets (readOnly: nil for both kinds), and which kinds.
func s3Data(a cttypes.AdvancedEventSelector) (all bool, readOnly *cttypes.AdvancedFieldSelector) {
	if category(a) != "Data" || !equalsOnly(field(a, "resources.type"), "AWS::S3::Object") {
		return false, nil
	}
	for _, f := range a.FieldSelectors {
		switch aws.ToString(f.Field) {
		case "eventCategory", "resources.type", "readOnly":
		default:
			return false, nil // narrowed to some buckets or events
		}
	}
	return true, field(a, "readOnly")
}

// hasS3DataEvents reports whether the selectors log object-level write
// (or read) events of all buckets.
func hasS3DataEvents(classic []cttypes.EventSelector, advanced []cttypes.AdvancedEventSelector, partition string, write bool) bool {
	want := cttypes.ReadWriteTypeReadOnly
	if write {
		want = cttypes.ReadWriteTypeWriteOnly
	}
	return slices.ContainsFunc(classic, func(s cttypes.EventSelector) bool {
		rw := readWrite(s)
		return coversAllS3(s, partition) && (rw == cttypes.ReadWriteTypeAll || rw == want)
	}) || slices.ContainsFunc(advanced, func(a cttypes.AdvancedEventSelector) bool {
		all, ro := s3Data(a)
		return all && (ro == nil || equalsOnly(ro, fmt.Sprint(!write)))
	})
}

// addS3DataEvents makes the selectors log object-level write (or read)
// events of all buckets: an all-buckets selector of the other kind is
// widened to both, else a selector is added.
func (s *selectors) addS3DataEvents(partition string, write bool) (string, error) {
	kind, want := "read", cttypes.ReadWriteTypeReadOnly
	if write {
		kind, want = "write", cttypes.ReadWriteTypeWriteOnly
	}
	if len(s.advanced) > 0 {
		for i, a := range s.advanced {
			if all, ro := s3Data(a); all && ro != nil {
				s.advanced[i].FieldSelectors = slices.DeleteFunc(slices.Clone(a.FieldSelectors), func(f cttypes.AdvancedFieldSelector) bool { return aws.ToString(f.Field) == "readOnly" })
				return fmt.Sprintf("advanced selector %q: readOnly condition removed (read and write)", aws.ToString(a.Name)), nil
			}
		}
		name := "S3 object-level " + kind + " events"
		s.advanced = append(s.advanced, cttypes.AdvancedEventSelector{Name: aws.String(name), FieldSelectors: []cttypes.AdvancedFieldSelector{
			equalsField("eventCategory", "Data"), equalsField("resources.type", "AWS::S3::Object"), equalsField("readOnly", fmt.Sprint(!write)),
		}})
		return fmt.Sprintf("advanced selector %q added", name), nil
	}
	for i, c := range s.classic {
		if coversAllS3(c, partition) {
			s.classic[i].ReadWriteType = cttypes.ReadWriteTypeAll
			return fmt.Sprintf("all-buckets S3 data selector ReadWriteType %s -> All", readWrite(c)), nil
		}
	}
	if len(s.classic) >= 5 {
		return "", errors.New("it has 5 event selectors and CloudTrail allows no more: add AWS::S3::Object for all buckets to one by hand")
	}
	s.classic = append(s.classic, cttypes.EventSelector{ReadWriteType: want, IncludeManagementEvents: aws.Bool(false), DataResources: []cttypes.DataResource{
		{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:" + partition + ":s3"}},
	}})
	return fmt.Sprintf("selector for S3 object-level %s events of all buckets added", kind), nil
}

// put returns the action that writes the selectors to the trail.
func (s *selectors) put(tr *trail) func(context.Context) error {
	in := &cloudtrail.PutEventSelectorsInput{TrailName: tr.TrailARN, EventSelectors: s.classic, AdvancedEventSelectors: s.advanced}
	if len(s.advanced) > 0 {
		in.EventSelectors = nil
	}
	api := tr.home.CloudTrail()
	return func(ctx context.Context) error {
		_, err := api.PutEventSelectors(ctx, in)
		return err
	}
}

func (s *selectors) count() int { return len(s.classic) + len(s.advanced) }

// 3.1

// CloudTrailParams configures 3.1.
type CloudTrailParams struct {
	TrailParams `yaml:",inline"`
	// NewTrail names the trail created when the account has no multi-region
	// trail (and trail is not set).
	NewTrail string `yaml:"newTrail"`
	// Bucket receives a new trail's logs; "" means
	// cisguard-cloudtrail-<account>-<region>.
	Bucket string `yaml:"bucket"`
}

// Validate checks the names.
func (p *CloudTrailParams) Validate() error {
	if err := p.TrailParams.Validate(); err != nil {
		return err
	}
	if !trailNameRe.MatchString(p.NewTrail) {
		return fmt.Errorf("newTrail %q is not a valid trail name", p.NewTrail)
	}
	if p.Bucket != "" && !bucketNameRe.MatchString(p.Bucket) {
		return fmt.Errorf("bucket %q is not a valid bucket name", p.Bucket)
	}
	return nil
}

var bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

func planCloudTrail(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[CloudTrailParams](t)
	tr, err := discoverTrail(ctx, t, cfg.Trail)
	if err != nil {
		return nil, err
	}
	if tr == nil {
		name := cfg.NewTrail
		if cfg.Trail != "" && !strings.HasPrefix(cfg.Trail, "arn:") {
			name = cfg.Trail
		}
		return p, planNewTrail(ctx, t, cfg, name, p)
	}
	if tr.qualifies() {
		return p, nil
	}
	if err := tr.changeable(t); err != nil {
		return nil, err
	}
	if !aws.ToBool(tr.IsMultiRegionTrail) {
		p.Addf(tr.update(cloudtrail.UpdateTrailInput{IsMultiRegionTrail: aws.Bool(true), IncludeGlobalServiceEvents: aws.Bool(true)}),
			"make %s multi-region (IsMultiRegionTrail false -> true, global service events included)", tr)
	}
	if !recordsAllManagement(tr.classic, tr.advanced) {
		s := tr.selectors()
		change, err := s.addAllManagement()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tr, err)
		}
		p.Addf(s.put(tr), "put event selectors on %s: %s (%d selector(s), data event selectors kept)", tr, change, s.count())
	}
	if !tr.logging {
		api := tr.home.CloudTrail()
		p.Addf(func(ctx context.Context) error {
			_, err := api.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: tr.TrailARN})
			return err
		}, "start logging on %s", tr)
	}
	return p, nil
}

// planNewTrail plans a multi-region trail in the target's region, with its
// bucket, and starts it.
func planNewTrail(ctx context.Context, t *Target, cfg *CloudTrailParams, name string, p *plan.Plan) error {
	region := t.Region()
	bucket := cfg.Bucket
	if bucket == "" {
		bucket = fmt.Sprintf("cisguard-cloudtrail-%s-%s", t.Account(), region)
	}
	trailARN := t.ARN("cloudtrail", region, "trail/"+name)
	stmts := cloudTrailBucketStatements(t, bucket, name, trailARN)
	if err := planBucketWithPolicy(ctx, t, bucket, region, false, stmts, p); err != nil {
		return err
	}
	api := t.Clients.CloudTrail()
	p.Addf(func(ctx context.Context) error {
		_, err := api.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String(bucket),
			IsMultiRegionTrail: aws.Bool(true), IncludeGlobalServiceEvents: aws.Bool(true), EnableLogFileValidation: aws.Bool(true)})
		if awsapi.HasCode(err, "TrailAlreadyExistsException") {
			return nil // created meanwhile by a concurrent remediation
		}
		return err
	}, "create multi-region trail %s in %s delivering to bucket %s, log file validation on, all management events", name, region, bucket)
	p.Addf(func(ctx context.Context) error {
		_, err := api.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(name)})
		return err
	}, "start logging on trail %s (home %s)", name, region)
	return nil
}

// cloudTrailBucketStatements let one trail check the bucket ACL and write
// its log files, and nothing else (aws:SourceArn). Sids carry the trail
// name so that trails sharing a bucket keep their own statements.
func cloudTrailBucketStatements(t *Target, bucket, trailName, trailARN string) []map[string]any {
	bucketARN := "arn:" + t.Clients.Partition() + ":s3:::" + bucket
	principal := map[string]any{"Service": "cloudtrail.amazonaws.com"}
	return []map[string]any{
		{"Sid": sid("CloudTrailAclCheck", trailName), "Effect": "Allow", "Principal": principal, "Action": "s3:GetBucketAcl", "Resource": bucketARN,
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trailARN}}},
		{"Sid": sid("CloudTrailWrite", trailName), "Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": bucketARN + "/AWSLogs/" + t.Account() + "/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailARN}}},
	}
}

// sid builds a statement id from a prefix and a resource name (Sids allow
// only letters and digits).
func sid(prefix, name string) string { return prefix + notAlnum.ReplaceAllString(name, "") }

var notAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// planBucketWithPolicy makes sure a bucket exists with the statements in
// its policy: a missing bucket is created in region (Block Public Access
// on), an existing one gets the statements merged into its policy. With
// sameRegion, an existing bucket elsewhere is an error.
func planBucketWithPolicy(ctx context.Context, t *Target, bucket, region string, sameRegion bool, stmts []map[string]any, p *plan.Plan) error {
	api, at, gone, err := bucketClients(ctx, t, bucket)
	if err != nil {
		return err
	}
	doc := &policyDocument{Version: "2012-10-17"}
	if gone {
		c := t.Clients
		if region != t.Region() {
			if c, err = t.Clients.In(region); err != nil {
				return err
			}
		}
		api = c.S3()
		in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
		if region != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
		}
		p.Addf(func(ctx context.Context) error {
			_, err := api.CreateBucket(ctx, in)
			if awsapi.HasCode(err, "BucketAlreadyOwnedByYou") {
				return nil // created meanwhile by a concurrent remediation
			}
			return err
		}, "create bucket %s in %s", bucket, region)
		p.Addf(func(ctx context.Context) error {
			_, err := api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
				BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}})
			return err
		}, "turn on all four Block Public Access settings of bucket %s", bucket)
	} else {
		if sameRegion && at != region {
			return fmt.Errorf("bucket %s is in %s, it must be in %s", bucket, at, region)
		}
		out, err := api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
		switch {
		case awsapi.HasCode(err, "NoSuchBucketPolicy"):
		case err != nil:
			return fmt.Errorf("read policy of bucket %s: %w", bucket, err)
		default:
			if doc, err = parsePolicy(aws.ToString(out.Policy)); err != nil {
				return fmt.Errorf("policy of bucket %s: %w", bucket, err)
			}
		}
	}
	var sids []string
	for _, s := range stmts {
		if doc.upsert(s) {
			sids = append(sids, s["Sid"].(string))
		}
	}
	if len(sids) == 0 {
		return nil
	}
	text := doc.String()
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(text)})
		return err
	}, "merge statements %s into the policy of bucket %s (%d statement(s) in all)", strings.Join(sids, ", "), bucket, len(doc.Statement))
	return nil
}

// 3.2

func planLogFileValidation(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	tr, gone, err := findingTrail(ctx, t, params[TrailParams](t).Trail)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("trail %s no longer exists: nothing to do", t.Resource.ID)
		return p, nil
	}
	if !aws.ToBool(tr.LogFileValidationEnabled) {
		if err := tr.changeable(t); err != nil {
			return nil, err
		}
		p.Addf(tr.update(cloudtrail.UpdateTrailInput{EnableLogFileValidation: aws.Bool(true)}), "turn on log file validation of %s (false -> true)", tr)
	}
	return p, nil
}

// 3.3

// trailBucket returns the bucket a 3.3 or 3.6 finding is about: the
// finding's bucket, or the bucket of the finding's (or the discovered)
// trail; "" with a note when the trail no longer exists.
func trailBucket(ctx context.Context, t *Target, name string, p *plan.Plan) (string, error) {
	if t.Resource.Type == "AwsS3Bucket" {
		return t.Resource.Name(), nil
	}
	tr, gone, err := findingTrail(ctx, t, name)
	if err != nil {
		return "", err
	}
	if gone {
		p.Note("trail %s no longer exists: nothing to do", t.Resource.ID)
		return "", nil
	}
	return aws.ToString(tr.S3BucketName), nil
}

func bucketResource(t *Target, name string) finding.Resource {
	return finding.Resource{Type: "AwsS3Bucket", ID: "arn:" + t.Clients.Partition() + ":s3:::" + name, Partition: t.Clients.Partition(), Region: t.Region()}
}

// planTrailBucketPublicAccess is 2.1.5.2's fix applied to the trail bucket.
func planTrailBucketPublicAccess(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	name, err := trailBucket(ctx, t, params[TrailParams](t).Trail, p)
	if err != nil || name == "" {
		return p, err
	}
	bt := *t
	bt.Resource = bucketResource(t, name)
	q, err := planBucketPublicAccess(ctx, &bt)
	if err != nil {
		return nil, err
	}
	p.Merge(q)
	return p, nil
}

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
	logs := tr.home.Logs()
	group = cfg.LogGroup
	if arn := aws.ToString(tr.CloudWatchLogsLogGroupArn); arn != "" {
		group = logGroupOf(arn)
	}
	if group == "" {
		group = "/aws/cloudtrail/" + tr.name()
	}
	if err := tr.changeable(t); err != nil {
		// Its log group, if any, is in the management account too.
		return "", false, err
	}
	if exists, err = planLogGroup(ctx, logs, tr.region(), group, cfg.RetentionDays, p); err != nil {
		return "", false, err
	}
	if aws.ToString(tr.CloudWatchLogsLogGroupArn) != "" && aws.ToString(tr.CloudWatchLogsRoleArn) != "" {
		return group, exists, nil
	}
	groupARN := "arn:" + t.Clients.Partition() + ":logs:" + tr.region() + ":" + t.Account() + ":log-group:" + group + ":*"
	write := map[string]any{"Sid": sid("CloudTrailWriteTo", group), "Effect": "Allow", "Action": []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		"Resource": strings.TrimSuffix(groupARN, "*") + "log-stream:*"}
	role, created, err := planServiceRole(ctx, t, cfg.RoleName, "cloudtrail.amazonaws.com", "CloudTrailToCloudWatchLogs", write, p)
	if err != nil {
		return "", false, err
	}
	update := tr.update(cloudtrail.UpdateTrailInput{CloudWatchLogsLogGroupArn: aws.String(groupARN), CloudWatchLogsRoleArn: aws.String(role)})
	p.Addf(func(ctx context.Context) error {
		return retryNewRole(ctx, created, update, "InvalidCloudWatchLogsRoleArnException")
	}, "send the events of %s to CloudWatch Logs group %s through role %s", tr, group, cfg.RoleName)
	return group, exists, nil
}

// planLogGroup plans a log group when it does not exist, with retention
// days (0: forever).
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
		_, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)})
		if awsapi.HasCode(err, "ResourceAlreadyExistsException") {
			return nil // created meanwhile by a concurrent remediation
		}
		return err
	}, "create CloudWatch Logs group %s in %s", name, region)
	if retention > 0 {
		p.Addf(func(ctx context.Context) error {
			_, err := logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(retention)})
			return err
		}, "keep the events of log group %s for %d days", name, retention)
	}
	return false, nil
}

// planServiceRole makes sure a role that service may assume exists and
// that its inline policy policyName holds stmt (merged, never replaced);
// it returns the role's ARN and whether the plan creates it. An existing
// role that does not trust the service is an error: cisguard does not
// rewrite the trust of someone's role.
func planServiceRole(ctx context.Context, t *Target, name, service, policyName string, stmt map[string]any, p *plan.Plan) (arn string, created bool, err error) {
	api := t.Clients.IAM()
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	doc := &policyDocument{Version: "2012-10-17"}
	switch {
	case awsapi.IsNotFound(err):
		arn, created = t.ARN("iam", "", "role/"+name), true
		trust := (&policyDocument{Version: "2012-10-17", Statement: []map[string]any{{"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": "sts:AssumeRole",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": t.Account()}}}}}).String()
		p.Addf(func(ctx context.Context) error {
			_, err := api.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust), Description: aws.String("cisguard: lets " + service + " deliver logs")})
			if awsapi.HasCode(err, "EntityAlreadyExists") {
				return nil // created meanwhile by a concurrent remediation
			}
			return err
		}, "create IAM role %s trusted by %s (this account only)", name, service)
	case err != nil:
		return "", false, fmt.Errorf("read role %s: %w", name, err)
	default:
		arn = aws.ToString(out.Role.Arn)
		trust, err := parsePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument))
		if err != nil {
			return "", false, fmt.Errorf("trust policy of role %s: %w", name, err)
		}
		if !trusts(trust, service) {
			return "", false, fmt.Errorf("role %s exists but %s may not assume it: name another role (roleName)", name, service)
		}
		pol, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policyName)})
		switch {
		case awsapi.IsNotFound(err):
		case err != nil:
			return "", false, fmt.Errorf("read policy %s of role %s: %w", policyName, name, err)
		default:
			if doc, err = parsePolicy(aws.ToString(pol.PolicyDocument)); err != nil {
				return "", false, fmt.Errorf("policy %s of role %s: %w", policyName, name, err)
			}
		}
	}
	if !doc.upsert(stmt) {
		return arn, false, nil
	}
	text := doc.String()
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policyName), PolicyDocument: aws.String(text)})
		return err
	}, "merge statement %s (%s on %s) into inline policy %s of role %s", stmt["Sid"], strings.Join(stringList(stmt["Action"]), ", "), strings.Join(stringList(stmt["Resource"]), ", "), policyName, name)
	return arn, created, nil
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

// 3.6

// AccessLoggingParams configures 3.6.
type AccessLoggingParams struct {
	TrailParams `yaml:",inline"`
	// LogBucket receives the access logs; "" means
	// cisguard-access-logs-<account>-<region of the trail bucket>.
	LogBucket string `yaml:"logBucket"`
}

// Validate checks the bucket name.
func (p *AccessLoggingParams) Validate() error {
	if err := p.TrailParams.Validate(); err != nil {
		return err
	}
	if p.LogBucket != "" && !bucketNameRe.MatchString(p.LogBucket) {
		return fmt.Errorf("logBucket %q is not a valid bucket name", p.LogBucket)
	}
	return nil
}

func planTrailBucketLogging(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[AccessLoggingParams](t)
	name, err := trailBucket(ctx, t, cfg.Trail, p)
	if err != nil || name == "" {
		return p, err
	}
	api, region, gone, err := bucketClients(ctx, t, name)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("bucket %s no longer exists: nothing to do", name)
		return p, nil
	}
	out, err := api.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("read access logging of bucket %s: %w", name, err)
	}
	if out.LoggingEnabled != nil {
		return p, nil
	}
	if err := (&bucket{api: api, name: name, region: region}).exempt(ctx, t); err != nil {
		return nil, err
	}
	logBucket := cfg.LogBucket
	if logBucket == "" {
		logBucket = fmt.Sprintf("cisguard-access-logs-%s-%s", t.Account(), region)
	}
	if logBucket == name {
		return nil, fmt.Errorf("bucket %s cannot log its own accesses: set logBucket to another bucket", name)
	}
	part := t.Clients.Partition()
	prefix := name + "/"
	stmt := map[string]any{"Sid": sid("S3ServerAccessLogsFrom", name), "Effect": "Allow", "Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
		"Action": "s3:PutObject", "Resource": "arn:" + part + ":s3:::" + logBucket + "/" + prefix + "*",
		"Condition": map[string]any{"ArnLike": map[string]any{"aws:SourceArn": "arn:" + part + ":s3:::" + name}, "StringEquals": map[string]any{"aws:SourceAccount": t.Account()}}}
	if err := planBucketWithPolicy(ctx, t, logBucket, region, true, []map[string]any{stmt}, p); err != nil {
		return nil, err
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String(name), BucketLoggingStatus: &s3types.BucketLoggingStatus{
			LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String(logBucket), TargetPrefix: aws.String(prefix)}}})
		return err
	}, "turn on server access logging of bucket %s into %s/%s", name, logBucket, prefix)
	return p, nil
}

// 3.7

// TrailKeyParams configures 3.7.
type TrailKeyParams struct {
	TrailParams `yaml:",inline"`
	// KMSKey is the key id, key ARN or alias that encrypts the logs. A
	// missing alias is created with a new key.
	KMSKey string `yaml:"kmsKey"`
}

var kmsRefRe = regexp.MustCompile(`^(alias/[a-zA-Z0-9:/_-]+|(mrk-)?[0-9a-f-]{32,36}|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[a-zA-Z0-9:/_-]+)$`)

// Validate checks the key reference.
func (p *TrailKeyParams) Validate() error {
	if err := p.TrailParams.Validate(); err != nil {
		return err
	}
	if !kmsRefRe.MatchString(p.KMSKey) || strings.HasPrefix(p.KMSKey, "alias/aws/") {
		return fmt.Errorf("kmsKey %q is not a customer managed key id, key ARN or alias", p.KMSKey)
	}
	return nil
}

func planTrailEncryption(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[TrailKeyParams](t)
	tr, gone, err := findingTrail(ctx, t, cfg.Trail)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("trail %s no longer exists: nothing to do", t.Resource.ID)
		return p, nil
	}
	if aws.ToString(tr.KmsKeyId) != "" {
		return p, nil
	}
	if err := tr.changeable(t); err != nil {
		return nil, err
	}
	// CloudTrail needs the key in the bucket's region.
	region := tr.region()
	if _, r, gone, err := bucketClients(ctx, t, aws.ToString(tr.S3BucketName)); err != nil {
		return nil, err
	} else if !gone {
		region = r
	}
	c, err := t.Clients.In(region)
	if err != nil {
		return nil, err
	}
	k := &trailKey{api: c.KMS(), ref: cfg.KMSKey, region: region, tr: tr, t: t}
	if err := k.plan(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// trailKey plans the key that encrypts a trail.
type trailKey struct {
	api    awsapi.KMS
	ref    string
	region string
	tr     *trail
	t      *Target
	arn    string // known once the key exists
}

func (k *trailKey) plan(ctx context.Context, p *plan.Plan) error {
	out, err := k.api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.ref)})
	switch {
	case awsapi.IsNotFound(err) && strings.HasPrefix(k.ref, "alias/"):
		k.planCreate(p)
	case err != nil:
		return fmt.Errorf("describe KMS key %s in %s: %w", k.ref, k.region, err)
	default:
		m := out.KeyMetadata
		if m.KeyState != kmstypes.KeyStateEnabled || m.KeySpec != kmstypes.KeySpecSymmetricDefault {
			return fmt.Errorf("KMS key %s is %s %s: CloudTrail needs an enabled symmetric key", k.ref, m.KeyState, m.KeySpec)
		}
		k.arn = aws.ToString(m.Arn)
		if err := k.planPolicy(ctx, p); err != nil {
			return err
		}
	}
	p.Addf(func(ctx context.Context) error {
		return k.tr.update(cloudtrail.UpdateTrailInput{KmsKeyId: aws.String(k.arn)})(ctx)
	}, "encrypt the log files of %s with KMS key %s (%s)", k.tr, k.ref, k.region)
	return nil
}

// statements are the key policy statements CloudTrail encryption needs:
// this trail may encrypt (aws:SourceArn), only for this account's trails
// (encryption context), and the account may decrypt what it wrote.
func (k *trailKey) statements() []map[string]any {
	part, acct := k.t.Clients.Partition(), k.t.Account()
	context := "arn:" + part + ":cloudtrail:*:" + acct + ":trail/*"
	ct := map[string]any{"Service": "cloudtrail.amazonaws.com"}
	return []map[string]any{
		{"Sid": sid("AllowCloudTrailEncrypt", k.tr.name()), "Effect": "Allow", "Principal": ct, "Action": "kms:GenerateDataKey*", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceArn": k.tr.arn()}, "StringLike": map[string]any{"kms:EncryptionContext:aws:cloudtrail:arn": context}}},
		{"Sid": "AllowCloudTrailDescribeKey", "Effect": "Allow", "Principal": ct, "Action": "kms:DescribeKey", "Resource": "*"},
		{"Sid": "AllowAccountDecryptCloudTrailLogs", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": []string{"kms:Decrypt", "kms:ReEncryptFrom"}, "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"kms:CallerAccount": acct}, "StringLike": map[string]any{"kms:EncryptionContext:aws:cloudtrail:arn": context}}},
	}
}

func (k *trailKey) planCreate(p *plan.Plan) {
	doc := &policyDocument{Version: "2012-10-17", Statement: []map[string]any{{"Sid": "EnableIAMUserPermissions", "Effect": "Allow",
		"Principal": map[string]any{"AWS": k.t.ARN("iam", "", "root")}, "Action": "kms:*", "Resource": "*"}}}
	doc.Statement = append(doc.Statement, k.statements()...)
	policy := doc.String()
	p.Addf(func(ctx context.Context) error {
		out, err := k.api.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(policy), Description: aws.String("cisguard: encrypts CloudTrail log files (CIS 3.7)"), KeySpec: kmstypes.KeySpecSymmetricDefault})
		if err != nil {
			return err
		}
		k.arn = aws.ToString(out.KeyMetadata.Arn)
		return nil
	}, "create a symmetric KMS key in %s whose policy lets %s encrypt and the account decrypt", k.region, k.tr)
	p.Addf(func(ctx context.Context) error {
		_, err := k.api.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(k.ref), TargetKeyId: aws.String(k.arn)})
		return err
	}, "name the new key %s", k.ref)
	p.Addf(func(ctx context.Context) error {
		_, err := k.api.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(k.arn)})
		return err
	}, "turn on yearly rotation of the new key (CIS 3.8)")
}

// planPolicy merges the CloudTrail statements into the policy of an
// existing key that does not already let this trail encrypt.
func (k *trailKey) planPolicy(ctx context.Context, p *plan.Plan) error {
	out, err := k.api.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(k.arn), PolicyName: aws.String("default")})
	if err != nil {
		return fmt.Errorf("read policy of KMS key %s: %w", k.ref, err)
	}
	doc, err := parsePolicy(aws.ToString(out.Policy))
	if err != nil {
		return fmt.Errorf("policy of KMS key %s: %w", k.ref, err)
	}
	if lets(doc, "cloudtrail.amazonaws.com", "kms:GenerateDataKey", k.tr.arn()) {
		return nil
	}
	var sids []string
	for _, s := range k.statements() {
		if doc.upsert(s) {
			sids = append(sids, s["Sid"].(string))
		}
	}
	text := doc.String()
	p.Addf(func(ctx context.Context) error {
		_, err := k.api.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(k.arn), PolicyName: aws.String("default"), Policy: aws.String(text)})
		return err
	}, "merge statements %s into the policy of KMS key %s so that %s may encrypt with it", strings.Join(sids, ", "), k.ref, k.tr)
	return nil
}

// lets reports whether a resource policy allows a service principal an
// action for a source ARN (aws:SourceArn conditions must admit it).
func lets(doc *policyDocument, service, action, source string) bool {
	return slices.ContainsFunc(doc.Statement, func(s map[string]any) bool {
		p, _ := s["Principal"].(map[string]any)
		if s["Effect"] != "Allow" || !slices.Contains(stringList(p["Service"]), service) ||
			!slices.ContainsFunc(stringList(s["Action"]), func(a string) bool { return globMatch(a, action) }) {
			return false
		}
		cond, _ := s["Condition"].(map[string]any)
		for op, v := range cond {
			kv, _ := v.(map[string]any)
			for key, want := range kv {
				if !strings.EqualFold(key, "aws:SourceArn") {
					continue
				}
				if !slices.ContainsFunc(stringList(want), func(w string) bool { return w == source || strings.HasSuffix(op, "Like") && globMatch(w, source) }) {
					return false
				}
			}
		}
		return true
	})
}

// 3.8

// KMSRotationParams configures 3.8.
type KMSRotationParams struct {
	// ExcludeKeywords skip keys whose description contains any of them
	// (case-insensitive).
	ExcludeKeywords []string `yaml:"excludeKeywords"`
}

// Validate rejects empty keywords, which would exclude every key.
func (p *KMSRotationParams) Validate() error {
	if slices.Contains(p.ExcludeKeywords, "") {
		return errors.New("excludeKeywords: an empty keyword would exclude every key")
	}
	return nil
}

func planKMSRotation(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[KMSRotationParams](t)
	id := t.Resource.ID
	api := t.Clients.KMS()
	if r := arnRegion(id); r != "" && r != t.Region() {
		c, err := t.Clients.In(r)
		if err != nil {
			return nil, err
		}
		api = c.KMS()
	}
	out, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if awsapi.IsNotFound(err) {
		p.Note("KMS key %s no longer exists: nothing to do", id)
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe KMS key %s: %w", id, err)
	}
	m := out.KeyMetadata
	switch {
	case m.KeyManager != kmstypes.KeyManagerTypeCustomer, m.KeySpec != kmstypes.KeySpecSymmetricDefault, m.Origin != kmstypes.OriginTypeAwsKms, m.KeyState != kmstypes.KeyStateEnabled:
		p.Note("KMS key %s is not an enabled, symmetric, customer managed key with KMS key material (%s, %s, %s, %s): CIS 3.8 does not apply, nothing to do", id, m.KeyManager, m.KeySpec, m.Origin, m.KeyState)
		return p, nil
	}
	desc := strings.ToLower(aws.ToString(m.Description))
	if i := slices.IndexFunc(cfg.ExcludeKeywords, func(k string) bool { return strings.Contains(desc, strings.ToLower(k)) }); i >= 0 {
		p.Note("KMS key %s skipped: its description %q contains the exclusion keyword %q", id, aws.ToString(m.Description), cfg.ExcludeKeywords[i])
		return p, nil
	}
	st, err := api.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: m.Arn})
	if err != nil {
		return nil, fmt.Errorf("read rotation of KMS key %s: %w", id, err)
	}
	if st.KeyRotationEnabled {
		return p, nil
	}
	tags, err := api.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: m.Arn})
	if err != nil {
		return nil, fmt.Errorf("read tags of KMS key %s: %w", id, err)
	}
	tm := map[string]string{}
	for _, tag := range tags.Tags {
		tm[aws.ToString(tag.TagKey)] = aws.ToString(tag.TagValue)
	}
	if err := t.Exempt(id, tm); err != nil {
		return nil, err
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: m.Arn})
		return err
	}, "turn on yearly automatic rotation of KMS key %s (%s) (off -> on)", aws.ToString(m.Arn), aws.ToString(m.Description))
	return p, nil
}

// arnRegion returns the region of an ARN, or "".
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

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
	pages := ec2.NewDescribeFlowLogsPaginator(api, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{id}}}})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe flow logs of VPC %s: %w", id, err)
		}
		if len(pg.FlowLogs) > 0 {
			return p, nil // any flow log satisfies CIS 3.9
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
	role, created, err := planServiceRole(ctx, t, cfg.RoleName, "vpc-flow-logs.amazonaws.com", "VPCFlowLogsDelivery", write, p)
	if err != nil {
		return nil, err
	}
	create := func(ctx context.Context) error {
		out, err := api.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{id}, ResourceType: ec2types.FlowLogsResourceTypeVpc, TrafficType: ec2types.TrafficTypeReject,
			LogDestinationType: ec2types.LogDestinationTypeCloudWatchLogs, LogGroupName: aws.String(cfg.LogGroup), DeliverLogsPermissionArn: aws.String(role)})
		if err != nil {
			return err
		}
		for _, u := range out.Unsuccessful {
			if e := u.Error; e != nil && aws.ToString(e.Code) != "FlowLogAlreadyExists" {
				return fmt.Errorf("%s: %s", aws.ToString(e.Code), aws.ToString(e.Message))
			}
		}
		return nil
	}
	p.Addf(func(ctx context.Context) error {
		return retryNewRole(ctx, created, create, "InvalidParameter")
	}, "create a flow log of VPC %s for REJECT traffic into log group %s through role %s", id, cfg.LogGroup, cfg.RoleName)
	return p, nil
}

// 3.10, 3.11

func planS3DataEvents(ctx context.Context, t *Target, write bool) (*plan.Plan, error) {
	p := &plan.Plan{}
	tr, err := qualifyingTrail(ctx, t, params[TrailParams](t).Trail)
	if err != nil {
		return nil, err
	}
	part := t.Clients.Partition()
	if hasS3DataEvents(tr.classic, tr.advanced, part, write) {
		return p, nil
	}
	if err := tr.changeable(t); err != nil {
		return nil, err
	}
	s := tr.selectors()
	change, err := s.addS3DataEvents(part, write)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tr, err)
	}
	p.Addf(s.put(tr), "put event selectors on %s: %s (%d selector(s), others kept)", tr, change, s.count())
	return p, nil
}

// 3.5

// ConfigParams configures 3.5.
type ConfigParams struct {
	// Bucket receives configuration snapshots and history; "" means
	// cisguard-config-<account>-<region>.
	Bucket string `yaml:"bucket"`
	// GlobalRegion is the one region that records global IAM resources.
	GlobalRegion string `yaml:"globalRegion"`
	// RoleARN is the role AWS Config assumes; "" means its service-linked role.
	RoleARN string `yaml:"roleArn"`
}

// Validate checks the names.
func (p *ConfigParams) Validate() error {
	if p.Bucket != "" && !bucketNameRe.MatchString(p.Bucket) {
		return fmt.Errorf("bucket %q is not a valid bucket name", p.Bucket)
	}
	if !regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`).MatchString(p.GlobalRegion) {
		return fmt.Errorf("globalRegion %q is not a region", p.GlobalRegion)
	}
	if p.RoleARN != "" && !regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`).MatchString(p.RoleARN) {
		return fmt.Errorf("roleArn %q is not a role ARN", p.RoleARN)
	}
	return nil
}

// configSLR is the name of AWS Config's service-linked role.
const configSLR = "AWSServiceRoleForConfig"

func planConfigRecorder(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[ConfigParams](t)
	api, region := t.Clients.Config(), t.Region()
	recs, err := api.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return nil, fmt.Errorf("describe configuration recorders in %s: %w", region, err)
	}
	global := region == cfg.GlobalRegion
	name := "default"
	var recording bool
	if len(recs.ConfigurationRecorders) > 0 {
		r := recs.ConfigurationRecorders[0]
		name = aws.ToString(r.Name)
		g := r.RecordingGroup
		if g != nil && g.AllSupported && (g.IncludeGlobalResourceTypes || !global) {
			st, err := api.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{name}})
			if err != nil {
				return nil, fmt.Errorf("read status of configuration recorder %s in %s: %w", name, region, err)
			}
			recording = len(st.ConfigurationRecordersStatus) > 0 && st.ConfigurationRecordersStatus[0].Recording
		} else {
			rec := r
			rec.RecordingGroup = &configtypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: global || g != nil && g.IncludeGlobalResourceTypes}
			p.Addf(putRecorder(api, rec), "record all supported resource types with configuration recorder %s in %s (global IAM types: %v)", name, region, rec.RecordingGroup.IncludeGlobalResourceTypes)
		}
	} else {
		role, err := configRole(ctx, t, cfg)
		if err != nil {
			return nil, err
		}
		rec := configtypes.ConfigurationRecorder{Name: aws.String(name), RoleARN: aws.String(role), RecordingGroup: &configtypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: global}}
		p.Addf(putRecorder(api, rec), "create configuration recorder %s in %s recording all supported resource types (global IAM types: %v) as %s", name, region, global, role)
	}
	chans, err := api.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		return nil, fmt.Errorf("describe delivery channels in %s: %w", region, err)
	}
	if len(chans.DeliveryChannels) == 0 {
		if err := planConfigChannel(ctx, t, cfg, p); err != nil {
			return nil, err
		}
	}
	if !recording {
		p.Addf(func(ctx context.Context) error {
			_, err := api.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String(name)})
			return err
		}, "start configuration recorder %s in %s", name, region)
	}
	return p, nil
}

func putRecorder(api awsapi.Config, rec configtypes.ConfigurationRecorder) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := api.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &rec})
		return err
	}
}

// configRole returns the role for a new recorder: roleArn, or the
// service-linked role, which must exist (cisguard does not create it).
func configRole(ctx context.Context, t *Target, cfg *ConfigParams) (string, error) {
	if cfg.RoleARN != "" {
		return cfg.RoleARN, nil
	}
	out, err := t.Clients.IAM().GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(configSLR)})
	if awsapi.IsNotFound(err) {
		return "", fmt.Errorf("AWS Config's service-linked role %s does not exist in account %s: create it with `aws iam create-service-linked-role --aws-service-name config.amazonaws.com`, or set roleArn", configSLR, t.Account())
	}
	if err != nil {
		return "", fmt.Errorf("read role %s: %w", configSLR, err)
	}
	return aws.ToString(out.Role.Arn), nil
}

// planConfigChannel plans the bucket (with AWS Config's statements) and
// the delivery channel.
func planConfigChannel(ctx context.Context, t *Target, cfg *ConfigParams, p *plan.Plan) error {
	region := t.Region()
	bucket := cfg.Bucket
	if bucket == "" {
		bucket = fmt.Sprintf("cisguard-config-%s-%s", t.Account(), region)
	}
	arn := "arn:" + t.Clients.Partition() + ":s3:::" + bucket
	principal := map[string]any{"Service": "config.amazonaws.com"}
	own := map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": t.Account()}}
	stmts := []map[string]any{
		{"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": principal, "Action": "s3:GetBucketAcl", "Resource": arn, "Condition": own},
		{"Sid": "AWSConfigBucketExistenceCheck", "Effect": "Allow", "Principal": principal, "Action": "s3:ListBucket", "Resource": arn, "Condition": own},
		{"Sid": "AWSConfigBucketDelivery", "Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": arn + "/AWSLogs/" + t.Account() + "/Config/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": t.Account(), "s3:x-amz-acl": "bucket-owner-full-control"}}},
	}
	if err := planBucketWithPolicy(ctx, t, bucket, region, false, stmts, p); err != nil {
		return err
	}
	api := t.Clients.Config()
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: &configtypes.DeliveryChannel{Name: aws.String("default"), S3BucketName: aws.String(bucket)}})
		return err
	}, "create AWS Config delivery channel default in %s delivering to bucket %s", region, bucket)
	return nil
}
