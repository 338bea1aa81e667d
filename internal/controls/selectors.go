package controls

// CloudTrail event selectors: what a trail records (all management events
// for 3.1 and section 4, S3 object-level events for 3.10 and 3.11).

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/cisguard/cisguard/internal/plan"
)

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
	p.Addf(s.put(tr), "put event selectors on %s: %s (%d selector(s), others kept)", tr, change, s.count()).Prior = s.record(tr)
	return p, nil
}
