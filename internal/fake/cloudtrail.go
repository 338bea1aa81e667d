package fake

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// CloudTrail is a fake CloudTrail client in one region. Trails are
// account state with a home region: a region sees its own trails and the
// shadows of other regions' multi-region trails, and changes are accepted
// only in the home region. Creating or updating a trail checks what
// CloudTrail checks: the bucket policy, the CloudWatch Logs group and role,
// the KMS key.
type CloudTrail struct{ svc }

// Trail is the state of a fake trail. Seed with CloudTrail.AddTrail and
// read back with CloudTrail.Trail.
type Trail struct {
	types.Trail
	Logging  bool
	Classic  []types.EventSelector
	Advanced []types.AdvancedEventSelector
}

type cloudTrailState struct {
	trails []*Trail
}

// TrailQuota is how many trails a region may be home to.
const TrailQuota = 5

func (c clients) CloudTrail() awsapi.CloudTrail { return c.a.CloudTrail(c.region) }

// CloudTrail returns the account's CloudTrail in a region.
func (a *Account) CloudTrail(region string) *CloudTrail {
	return &CloudTrail{svc{a, region, "CloudTrail"}}
}

func (c *CloudTrail) st() *cloudTrailState {
	return stateOf(c.a, "cloudtrail", func() *cloudTrailState { return &cloudTrailState{} })
}

// defaultSelectors are a new trail's: all management events, no data events.
func defaultSelectors() []types.EventSelector {
	return []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true)}}
}

func (c *CloudTrail) trailARN(name string) string {
	return "arn:" + c.a.Partition + ":cloudtrail:" + c.region + ":" + c.a.ID + ":trail/" + name
}

// AddTrail seeds a trail whose home is the client's region, without the
// checks CreateTrail makes; nil selectors mean the default ones. A preset
// TrailARN of another account seeds an organization trail as member
// accounts see it.
func (c *CloudTrail) AddTrail(t Trail) string {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	t.HomeRegion = aws.String(c.region)
	if t.TrailARN == nil {
		t.TrailARN = aws.String(c.trailARN(aws.ToString(t.Name)))
	}
	if t.Classic == nil && t.Advanced == nil {
		t.Classic = defaultSelectors()
	}
	for _, b := range []**bool{&t.IsMultiRegionTrail, &t.LogFileValidationEnabled, &t.IsOrganizationTrail, &t.HasCustomEventSelectors, &t.HasInsightSelectors} {
		if *b == nil {
			*b = aws.Bool(false)
		}
	}
	if t.IncludeGlobalServiceEvents == nil {
		t.IncludeGlobalServiceEvents = aws.Bool(true)
	}
	c.st().trails = append(c.st().trails, &t)
	return *t.TrailARN
}

// Trail returns a copy of a trail seen from this region (by name or ARN), or nil.
func (c *CloudTrail) Trail(id string) *Trail {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	t := c.find(id, true)
	if t == nil {
		return nil
	}
	x := *t
	x.Classic = slices.Clone(t.Classic)
	x.Advanced = slices.Clone(t.Advanced)
	return &x
}

// DeleteTrail removes a trail, as if someone deleted it meanwhile.
func (c *CloudTrail) DeleteTrail(id string) {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	t := c.find(id, true)
	c.st().trails = slices.DeleteFunc(c.st().trails, func(x *Trail) bool { return x == t })
}

func (t *Trail) home() string { return aws.ToString(t.HomeRegion) }

func (t *Trail) multiRegion() bool { return aws.ToBool(t.IsMultiRegionTrail) }

// visible reports whether the trail shows in a region: its home, or any
// region for a multi-region trail.
func (t *Trail) visible(region string) bool { return t.home() == region || t.multiRegion() }

// find resolves a trail name (a trail of this region, or a shadow when
// shadows is true) or a trail ARN (any trail of the account).
func (c *CloudTrail) find(id string, shadows bool) *Trail {
	for _, t := range c.st().trails {
		switch {
		case strings.HasPrefix(id, "arn:"):
			if aws.ToString(t.TrailARN) == id {
				return t
			}
		case aws.ToString(t.Name) == id && (t.home() == c.region || shadows && t.visible(c.region)):
			return t
		}
	}
	return nil
}

func trailNotFound(id string) error {
	return APIError("TrailNotFoundException", "Unknown trail: %s for the user: ", id)
}

// lookup finds a trail for a read.
func (c *CloudTrail) lookup(id *string) (*Trail, error) {
	t := c.find(aws.ToString(id), false)
	if t == nil || !strings.HasPrefix(aws.ToString(id), "arn:") && t.home() != c.region {
		return nil, trailNotFound(aws.ToString(id))
	}
	return t, nil
}

// modifiable finds a trail for a change, which only its home region accepts.
func (c *CloudTrail) modifiable(id *string) (*Trail, error) {
	t := c.find(aws.ToString(id), true)
	if t == nil {
		return nil, trailNotFound(aws.ToString(id))
	}
	if t.home() != c.region {
		return nil, APIError("InvalidHomeRegionException", "This operation must be called from the trail's home region, %s.", t.home())
	}
	if !strings.Contains(aws.ToString(t.TrailARN), ":"+c.a.ID+":trail/") {
		return nil, APIError("NotOrganizationManagementAccountException", "Only the management account of the organization can change organization trail %s.", aws.ToString(t.TrailARN))
	}
	return t, nil
}

// DescribeTrails returns the region's trails and, unless
// IncludeShadowTrails is false, the other regions' multi-region trails.
// Names select trails of this region (or shadows); ARNs select any trail.
func (c *CloudTrail) DescribeTrails(ctx context.Context, in *cloudtrail.DescribeTrailsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error) {
	unlock, err := c.call(ctx, "DescribeTrails")
	defer unlock()
	if err != nil {
		return nil, err
	}
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	out := &cloudtrail.DescribeTrailsOutput{}
	for _, t := range c.st().trails {
		shown := t.home() == c.region || shadows && t.multiRegion()
		if len(in.TrailNameList) > 0 {
			shown = slices.ContainsFunc(in.TrailNameList, func(id string) bool {
				return id == aws.ToString(t.TrailARN) || shown && id == aws.ToString(t.Name)
			})
		}
		if shown {
			out.TrailList = append(out.TrailList, t.Trail)
		}
	}
	return out, nil
}

func (c *CloudTrail) GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error) {
	unlock, err := c.call(ctx, "GetTrailStatus")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, err := c.lookup(in.Name)
	if err != nil {
		return nil, err
	}
	return &cloudtrail.GetTrailStatusOutput{IsLogging: aws.Bool(t.Logging)}, nil
}

func (c *CloudTrail) GetEventSelectors(ctx context.Context, in *cloudtrail.GetEventSelectorsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.GetEventSelectorsOutput, error) {
	unlock, err := c.call(ctx, "GetEventSelectors")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, err := c.lookup(in.TrailName)
	if err != nil {
		return nil, err
	}
	return &cloudtrail.GetEventSelectorsOutput{TrailARN: t.TrailARN, EventSelectors: slices.Clone(t.Classic), AdvancedEventSelectors: slices.Clone(t.Advanced)}, nil
}

// PutEventSelectors replaces the trail's selectors with either classic
// selectors (at most five, valid data resources) or advanced ones.
func (c *CloudTrail) PutEventSelectors(ctx context.Context, in *cloudtrail.PutEventSelectorsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.PutEventSelectorsOutput, error) {
	unlock, err := c.call(ctx, "PutEventSelectors")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, err := c.modifiable(in.TrailName)
	if err != nil {
		return nil, err
	}
	switch {
	case len(in.EventSelectors) > 0 && len(in.AdvancedEventSelectors) > 0:
		return nil, APIError("InvalidParameterCombinationException", "You cannot use EventSelectors and AdvancedEventSelectors in the same request.")
	case len(in.EventSelectors) == 0 && len(in.AdvancedEventSelectors) == 0:
		return nil, APIError("InvalidEventSelectorsException", "No event selectors given.")
	case len(in.EventSelectors) > 5:
		return nil, APIError("InvalidEventSelectorsException", "You can configure up to five event selectors for a trail.")
	}
	for _, s := range in.EventSelectors {
		if err := validSelector(s); err != nil {
			return nil, err
		}
	}
	for _, s := range in.AdvancedEventSelectors {
		if err := validAdvancedSelector(s); err != nil {
			return nil, err
		}
	}
	t.Classic, t.Advanced = nil, nil
	if len(in.EventSelectors) > 0 {
		for _, s := range in.EventSelectors {
			if s.ReadWriteType == "" {
				s.ReadWriteType = types.ReadWriteTypeAll
			}
			if s.IncludeManagementEvents == nil {
				s.IncludeManagementEvents = aws.Bool(true)
			}
			t.Classic = append(t.Classic, s)
		}
	} else {
		t.Advanced = slices.Clone(in.AdvancedEventSelectors)
	}
	t.HasCustomEventSelectors = aws.Bool(true)
	return &cloudtrail.PutEventSelectorsOutput{TrailARN: t.TrailARN, EventSelectors: slices.Clone(t.Classic), AdvancedEventSelectors: slices.Clone(t.Advanced)}, nil
}

func validSelector(s types.EventSelector) error {
	switch s.ReadWriteType {
	case "", types.ReadWriteTypeAll, types.ReadWriteTypeReadOnly, types.ReadWriteTypeWriteOnly:
	default:
		return APIError("InvalidEventSelectorsException", "invalid ReadWriteType %q", s.ReadWriteType)
	}
	for _, d := range s.DataResources {
		typ := aws.ToString(d.Type)
		if typ != "AWS::S3::Object" && typ != "AWS::Lambda::Function" && typ != "AWS::DynamoDB::Table" {
			return APIError("InvalidEventSelectorsException", "invalid data resource type %q", typ)
		}
		if len(d.Values) == 0 || len(d.Values) > 250 {
			return APIError("InvalidEventSelectorsException", "a data resource needs 1 to 250 values")
		}
		for _, v := range d.Values {
			if typ == "AWS::S3::Object" && !regexp.MustCompile(`^arn:[a-z-]+:s3(:::([a-z0-9][a-z0-9.-]+/.*)?)?$`).MatchString(v) {
				return APIError("InvalidEventSelectorsException", "invalid S3 data resource value %q", v)
			}
		}
	}
	for _, src := range s.ExcludeManagementEventSources {
		if src != "kms.amazonaws.com" && src != "rdsdata.amazonaws.com" {
			return APIError("InvalidEventSelectorsException", "cannot exclude event source %q", src)
		}
	}
	return nil
}

var advancedFields = []string{"eventCategory", "eventSource", "eventName", "eventType", "readOnly", "resources.type", "resources.ARN", "errorCode", "userIdentity.arn", "vpcEndpointId", "sessionCredentialFromConsole"}

func validAdvancedSelector(s types.AdvancedEventSelector) error {
	var category string
	fields := map[string]types.AdvancedFieldSelector{}
	for _, f := range s.FieldSelectors {
		name := aws.ToString(f.Field)
		if !slices.Contains(advancedFields, name) {
			return APIError("InvalidEventSelectorsException", "invalid field %q", name)
		}
		if _, dup := fields[name]; dup {
			return APIError("InvalidEventSelectorsException", "field %q appears twice in a selector", name)
		}
		fields[name] = f
		switch name {
		case "eventCategory", "readOnly", "resources.type":
			if len(f.Equals) == 0 || len(f.NotEquals)+len(f.StartsWith)+len(f.EndsWith)+len(f.NotStartsWith)+len(f.NotEndsWith) > 0 {
				return APIError("InvalidEventSelectorsException", "field %s supports only Equals", name)
			}
		}
		if name == "eventCategory" {
			category = f.Equals[0]
		}
		if name == "readOnly" && (len(f.Equals) != 1 || f.Equals[0] != "true" && f.Equals[0] != "false") {
			return APIError("InvalidEventSelectorsException", "readOnly must equal true or false")
		}
	}
	_, typed := fields["resources.type"]
	switch {
	case category == "":
		return APIError("InvalidEventSelectorsException", "every advanced event selector needs an eventCategory")
	case category == "Management" && typed:
		return APIError("InvalidEventSelectorsException", "management event selectors cannot filter on resources.type")
	case category == "Data" && !typed:
		return APIError("InvalidEventSelectorsException", "data event selectors need resources.type")
	}
	return nil
}

// settings are the trail fields CreateTrail and UpdateTrail validate.
type trailSettings struct {
	bucket, prefix, logGroupARN, roleARN, kmsKey *string
}

// validate applies CloudTrail's checks to the settings a trail will have
// and returns the KMS key ARN it will store.
func (c *CloudTrail) validate(t *Trail, s trailSettings) (kmsARN *string, err error) {
	if s.bucket != nil {
		if err := c.checkBucket(aws.ToString(s.bucket), aws.ToString(s.prefix), aws.ToString(t.TrailARN)); err != nil {
			return nil, err
		}
	}
	if aws.ToString(s.logGroupARN) != "" || aws.ToString(s.roleARN) != "" {
		if err := c.checkLogs(aws.ToString(s.logGroupARN), aws.ToString(s.roleARN)); err != nil {
			return nil, err
		}
	}
	if aws.ToString(s.kmsKey) != "" {
		return c.checkKey(aws.ToString(s.kmsKey))
	}
	return s.kmsKey, nil
}

// checkBucket requires the bucket to exist and its policy to let
// CloudTrail read its ACL and write this trail's log files.
func (c *CloudTrail) checkBucket(name, prefix, trailARN string) error {
	b := stateOf(c.a, "s3", func() *s3State { return &s3State{} }).find(name)
	if b == nil {
		return APIError("S3BucketDoesNotExistException", "S3 bucket %s does not exist.", name)
	}
	objects := "arn:" + c.a.Partition + ":s3:::" + name + "/"
	if prefix != "" {
		objects += prefix + "/"
	}
	objects += "AWSLogs/" + c.a.ID + "/x"
	bucketARN := "arn:" + c.a.Partition + ":s3:::" + name
	if !allows(b.Policy, "cloudtrail.amazonaws.com", "s3:GetBucketAcl", bucketARN, trailARN) || !allows(b.Policy, "cloudtrail.amazonaws.com", "s3:PutObject", objects, trailARN) {
		return APIError("InsufficientS3BucketPolicyException", "Incorrect S3 bucket policy is detected for bucket: %s", name)
	}
	return nil
}

// checkLogs requires an existing log group of this region, named by an ARN
// ending in ":*", and a role CloudTrail may assume that may write to it.
func (c *CloudTrail) checkLogs(groupARN, roleARN string) error {
	prefix := "arn:" + c.a.Partition + ":logs:" + c.region + ":" + c.a.ID + ":log-group:"
	name, ok := strings.CutPrefix(groupARN, prefix)
	name, star := strings.CutSuffix(name, ":*")
	if !ok || !star || logsOf(c.a, c.region).find(name) == nil {
		return APIError("InvalidCloudWatchLogsLogGroupArnException", "CloudTrail cannot validate the specified log group ARN %q: it must be an existing log group of %s, ending in :*", groupARN, c.region)
	}
	if roleARN == "" {
		return APIError("InvalidCloudWatchLogsRoleArnException", "You must specify a role ARN with the log group ARN.")
	}
	st := stateOf(c.a, "iam", func() *iamState { return &iamState{} })
	i := slices.IndexFunc(st.roles, func(r *Role) bool { return r.ARN == roleARN })
	if i < 0 || !allows(st.roles[i].TrustPolicy, "cloudtrail.amazonaws.com", "sts:AssumeRole", "", "") {
		return APIError("InvalidCloudWatchLogsRoleArnException", "Access denied. Verify the IAM role policy: CloudTrail cannot assume %s.", roleARN)
	}
	r := st.roles[i]
	writes := len(r.Attached) > 0
	for _, doc := range r.Inline {
		writes = writes || allowsIdentity(doc, "logs:PutLogEvents", strings.TrimSuffix(groupARN, "*")+"log-stream:x")
	}
	if !writes {
		return APIError("InvalidCloudWatchLogsRoleArnException", "Access denied. Verify the IAM role policy: %s cannot write to %s.", roleARN, name)
	}
	return nil
}

// checkKey requires an enabled symmetric key whose policy lets CloudTrail
// generate data keys; it returns the key's ARN.
func (c *CloudTrail) checkKey(id string) (*string, error) {
	k := &KMS{svc{c.a, c.region, "KMS"}}
	if strings.HasPrefix(id, "arn:") {
		if parts := strings.SplitN(id, ":", 6); len(parts) == 6 {
			k.region = parts[3]
		}
	}
	x, err := k.key(&id)
	if err != nil {
		return nil, APIError("KmsKeyNotFoundException", "KMS key %s not found.", id)
	}
	if x.State != "Enabled" || x.Spec != "SYMMETRIC_DEFAULT" {
		return nil, APIError("KmsException", "KMS key %s is not an enabled symmetric key.", id)
	}
	if !allows(x.Policy, "cloudtrail.amazonaws.com", "kms:GenerateDataKey", "*", "") {
		return nil, APIError("InsufficientEncryptionPolicyException", "Insufficient permissions to access S3 bucket or KMS key %s.", id)
	}
	return aws.String(x.ARN), nil
}

var (
	trailName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$`)
	adjacentSeps = regexp.MustCompile(`[._-]{2}`)
)

// CreateTrail creates a trail that is not logging yet, after CloudTrail's
// checks; a multi-region trail must include global service events.
func (c *CloudTrail) CreateTrail(ctx context.Context, in *cloudtrail.CreateTrailInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.CreateTrailOutput, error) {
	unlock, err := c.call(ctx, "CreateTrail")
	defer unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.Name)
	if !trailName.MatchString(name) || adjacentSeps.MatchString(name) {
		return nil, APIError("InvalidTrailNameException", "Trail name %q is not valid.", name)
	}
	if c.find(name, false) != nil {
		return nil, APIError("TrailAlreadyExistsException", "Trail %s already exists for customer: %s", name, c.a.ID)
	}
	if len(slices.DeleteFunc(slices.Clone(c.st().trails), func(t *Trail) bool { return t.home() != c.region })) >= TrailQuota {
		return nil, APIError("MaximumNumberOfTrailsExceededException", "User: %s already has %d trails in %s.", c.a.ID, TrailQuota, c.region)
	}
	global := in.IncludeGlobalServiceEvents == nil || *in.IncludeGlobalServiceEvents
	if aws.ToBool(in.IsMultiRegionTrail) && !global {
		return nil, APIError("InvalidParameterCombinationException", "Multi-Region trail must include global service events.")
	}
	t := &Trail{Trail: types.Trail{Name: aws.String(name), TrailARN: aws.String(c.trailARN(name)), HomeRegion: aws.String(c.region),
		S3BucketName: in.S3BucketName, S3KeyPrefix: in.S3KeyPrefix, IsMultiRegionTrail: aws.Bool(aws.ToBool(in.IsMultiRegionTrail)),
		IncludeGlobalServiceEvents: aws.Bool(global), LogFileValidationEnabled: aws.Bool(aws.ToBool(in.EnableLogFileValidation)),
		CloudWatchLogsLogGroupArn: in.CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn: in.CloudWatchLogsRoleArn,
		IsOrganizationTrail: aws.Bool(false), HasCustomEventSelectors: aws.Bool(false), HasInsightSelectors: aws.Bool(false)}, Classic: defaultSelectors()}
	kms, err := c.validate(t, trailSettings{bucket: in.S3BucketName, prefix: in.S3KeyPrefix, logGroupARN: in.CloudWatchLogsLogGroupArn, roleARN: in.CloudWatchLogsRoleArn, kmsKey: in.KmsKeyId})
	if err != nil {
		return nil, err
	}
	t.KmsKeyId = kms
	c.st().trails = append(c.st().trails, t)
	o := t.Trail
	return &cloudtrail.CreateTrailOutput{Name: o.Name, TrailARN: o.TrailARN, S3BucketName: o.S3BucketName, IsMultiRegionTrail: o.IsMultiRegionTrail,
		LogFileValidationEnabled: o.LogFileValidationEnabled, IncludeGlobalServiceEvents: o.IncludeGlobalServiceEvents, KmsKeyId: o.KmsKeyId,
		CloudWatchLogsLogGroupArn: o.CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn: o.CloudWatchLogsRoleArn}, nil
}

// UpdateTrail changes the given fields in the trail's home region, after
// the same checks as CreateTrail; an empty KmsKeyId removes encryption.
func (c *CloudTrail) UpdateTrail(ctx context.Context, in *cloudtrail.UpdateTrailInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.UpdateTrailOutput, error) {
	unlock, err := c.call(ctx, "UpdateTrail")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, err := c.modifiable(in.Name)
	if err != nil {
		return nil, err
	}
	s := trailSettings{bucket: in.S3BucketName, prefix: in.S3KeyPrefix, logGroupARN: in.CloudWatchLogsLogGroupArn, roleARN: in.CloudWatchLogsRoleArn, kmsKey: in.KmsKeyId}
	if s.bucket == nil && s.prefix != nil {
		s.bucket = t.S3BucketName
	}
	if s.logGroupARN != nil && s.roleARN == nil {
		s.roleARN = t.CloudWatchLogsRoleArn
	}
	if s.roleARN != nil && s.logGroupARN == nil {
		s.logGroupARN = t.CloudWatchLogsLogGroupArn
	}
	kms, err := c.validate(t, s)
	if err != nil {
		return nil, err
	}
	multi := aws.ToBool(t.IsMultiRegionTrail)
	if in.IsMultiRegionTrail != nil {
		multi = *in.IsMultiRegionTrail
	}
	global := aws.ToBool(t.IncludeGlobalServiceEvents)
	if in.IncludeGlobalServiceEvents != nil {
		global = *in.IncludeGlobalServiceEvents
	}
	if multi && !global {
		return nil, APIError("InvalidParameterCombinationException", "Multi-Region trail must include global service events.")
	}
	set := func(dst **string, v *string) {
		if v != nil {
			*dst = aws.String(*v)
			if *v == "" {
				*dst = nil
			}
		}
	}
	set(&t.S3BucketName, in.S3BucketName)
	set(&t.S3KeyPrefix, in.S3KeyPrefix)
	set(&t.CloudWatchLogsLogGroupArn, s.logGroupARN)
	set(&t.CloudWatchLogsRoleArn, s.roleARN)
	set(&t.KmsKeyId, kms)
	if in.EnableLogFileValidation != nil {
		t.LogFileValidationEnabled = aws.Bool(*in.EnableLogFileValidation)
	}
	t.IsMultiRegionTrail, t.IncludeGlobalServiceEvents = aws.Bool(multi), aws.Bool(global)
	return &cloudtrail.UpdateTrailOutput{Name: t.Name, TrailARN: t.TrailARN, KmsKeyId: t.KmsKeyId, LogFileValidationEnabled: t.LogFileValidationEnabled,
		CloudWatchLogsLogGroupArn: t.CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn: t.CloudWatchLogsRoleArn, IsMultiRegionTrail: t.IsMultiRegionTrail}, nil
}

func (c *CloudTrail) StartLogging(ctx context.Context, in *cloudtrail.StartLoggingInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.StartLoggingOutput, error) {
	unlock, err := c.call(ctx, "StartLogging")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, err := c.modifiable(in.Name)
	if err != nil {
		return nil, err
	}
	t.Logging = true
	return &cloudtrail.StartLoggingOutput{}, nil
}

// Policy evaluation, as far as the fakes need it to check what AWS checks.

// statements returns a policy document's statements ("" has none).
func statements(doc string) []map[string]any {
	var p struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(doc), &p) != nil || len(p.Statement) == 0 {
		return nil
	}
	var list []map[string]any
	if json.Unmarshal(p.Statement, &list) != nil {
		var one map[string]any
		if json.Unmarshal(p.Statement, &one) != nil {
			return nil
		}
		list = []map[string]any{one}
	}
	return list
}

// anyStrings reads a policy field that is a string or a list of strings.
func anyStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// glob matches IAM wildcards: * any run, ? one character.
func glob(pattern, s string) bool {
	re := "^" + strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*"), `\?`, ".") + "$"
	return regexp.MustCompile(re).MatchString(s)
}

func matchesAny(patterns []string, s string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return glob(p, s) })
}

// allows reports whether a resource policy has an Allow statement for a
// service principal, the action and the resource ("" matches any).
// Conditions on aws:SourceArn must admit sourceARN; other conditions are
// assumed to hold.
func allows(doc, service, action, resource, sourceARN string) bool {
	for _, st := range statements(doc) {
		p, _ := st["Principal"].(map[string]any)
		if st["Effect"] != "Allow" || !slices.Contains(anyStrings(p["Service"]), service) || !matchesAny(anyStrings(st["Action"]), action) {
			continue
		}
		if resource != "" && !matchesAny(anyStrings(st["Resource"]), resource) {
			continue
		}
		if sourceARN != "" && !conditionAdmits(st["Condition"], "aws:SourceArn", sourceARN) {
			continue
		}
		return true
	}
	return false
}

// allowsIdentity reports whether an identity policy allows an action on a resource.
func allowsIdentity(doc, action, resource string) bool {
	for _, st := range statements(doc) {
		if st["Effect"] == "Allow" && matchesAny(anyStrings(st["Action"]), action) && matchesAny(anyStrings(st["Resource"]), resource) {
			return true
		}
	}
	return false
}

// conditionAdmits reports whether the conditions on key (if any) admit value.
func conditionAdmits(cond any, key, value string) bool {
	ops, _ := cond.(map[string]any)
	for op, v := range ops {
		kv, _ := v.(map[string]any)
		for k, want := range kv {
			if !strings.EqualFold(k, key) {
				continue
			}
			vals := anyStrings(want)
			switch op {
			case "StringEquals", "ArnEquals":
				if !slices.Contains(vals, value) {
					return false
				}
			case "StringLike", "ArnLike":
				if !matchesAny(vals, value) {
					return false
				}
			}
		}
	}
	return true
}
