package controls

// CloudTrail trails as sections 3 and 4 find them: discovery of the
// account's multi-region trail, and the trail changes of 3.2 and 3.3.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

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
// fix); nil when there is no multi-region trail. The account's own trails
// come first: an organization trail qualifies for 3.1, but only the
// management account can change it, so controls that change or build on
// the trail (3.x, 4.x) use the account's own trail whenever it has one.
func discoverTrail(ctx context.Context, t *Target, name string) (*trail, error) {
	trails, err := describeTrails(ctx, t)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(trails, func(a, b *trail) int { return cmp.Compare(a.foreign(t), b.foreign(t)) })
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

// foreign is the account that owns the trail when it is not the target's
// (an organization trail seen from a member account), else "".
func (tr *trail) foreign(t *Target) string {
	if parts := strings.SplitN(tr.arn(), ":", 6); len(parts) == 6 && parts[4] != t.Account() {
		return parts[4]
	}
	return ""
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
	if owner := tr.foreign(t); owner != "" {
		return fmt.Errorf("%s is an organization trail of account %s: change it there, or name a trail of this account (trail)", tr, owner)
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
		in := cloudtrail.UpdateTrailInput{EnableLogFileValidation: aws.Bool(true)}
		p.Addf(tr.update(in), "turn on log file validation of %s (false -> true)", tr).Prior = tr.record(in)
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
	if b := asForeign(t, err); b != nil {
		b.leaveBucketPublicAccess(t, p)
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.Merge(q)
	return p, nil
}

// Checks of the trail controls (3.2, 3.4, 3.7 on each trail; 3.3, 3.6 on
// each trail's bucket): every trail of the account whose home is the
// region, planned read-only as the plan sees the trail named in its
// parameters, so the region's one DescribeTrails serves them all.
// Organization trails of another account are checked when that account
// is scanned.

// homeTrails lists the account's own trails whose home is t's region.
func homeTrails(ctx context.Context, t *Target) ([]*trail, error) {
	trails, err := describeTrails(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []*trail
	for _, tr := range trails {
		if tr.region() == t.Region() && tr.foreign(t) == "" {
			out = append(out, tr)
		}
	}
	return out, nil
}

// onTrail returns t planning on the trail named arn: the account as its
// resource, the trail as its parameter.
func onTrail(t *Target, arn string) *Target {
	c := *t
	p := cloneParams(t.Params)
	reflect.ValueOf(p).Elem().FieldByName("Trail").SetString(arn)
	c.Params = p
	return &c
}

func checkTrails(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	trails, err := homeTrails(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, tr := range trails {
		r := Verdict(ctx, c, onTrail(t, tr.arn()))
		r.Resource = arnResource(t, "AwsCloudTrailTrail", tr.region(), tr.arn())
		out = append(out, r)
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no trail of account %s has its home in %s", t.Account(), t.Region()))
	}
	return out, nil
}

func checkTrailBuckets(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	trails, err := homeTrails(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Result
	seen := map[string]bool{}
	for _, tr := range trails {
		name := aws.ToString(tr.S3BucketName)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		res := bucketResource(t, name)
		_, region, gone, err := bucketClients(ctx, t, name)
		if b := asForeign(t, err); b != nil {
			// Not NOT_APPLICABLE: the bucket needs checking, only not
			// from here; the owner's scan checks its Block Public Access
			// (2.1.5.2), not whether it logs its accesses (3.6).
			out = append(out, manual(res, "%s", b.reason(t)))
			continue
		}
		if err == nil && !gone {
			res.Region = region
		}
		r := Verdict(ctx, c, onTrail(t, tr.arn()))
		r.Resource = res
		out = append(out, r)
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no trail of account %s has its home in %s", t.Account(), t.Region()))
	}
	return out, nil
}
