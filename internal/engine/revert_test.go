package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/hub"
	"github.com/cisguard/cisguard/internal/notify"
)

// throughJSON is what a later process reads from a result file.
func throughJSON(t *testing.T, rs []Result) []Result {
	t.Helper()
	b, err := json.Marshal(struct {
		Findings []Result `json:"findings"`
	}{rs})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Findings []Result }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Findings
}

func TestRevertFromResultFile(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	w.Admin.SNS(region).AddTopic("cisguard-notifications")
	e := w.Account(member).EC2(region)
	before := e.Rules("sg-0a1b2c3d4e5f60718")
	fs := append(held(t, w, "imported-standard-5.3.json"), held(t, w, "imported-control-EC2.21.json")...)
	rs := newEngine(t, w, "notifications: {topicArn: "+centralTopic+"}", false).Run(context.Background(), fs)
	if rs[0].Decision != Remediated || rs[1].Decision != Remediated {
		t.Fatalf("results %+v", rs)
	}

	// The note says what was replaced and where the full record is, in
	// Security Hub's 512 characters; the message carries the record itself.
	note := w.SecurityHub(region).Finding(fs[0].ID).Note
	if !strings.Contains(note, "Replaced (prior state in full in the notification and the JSON result; cisguard revert restores it): ec2:security-group-rules-revoked sg-0a1b2c3d4e5f60718 ×2") || len(note) > hub.MaxNote {
		t.Errorf("note (%d bytes): %s", len(note), note)
	}
	var body string
	for _, m := range w.Admin.SNS(region).Published(centralTopic) {
		if strings.Contains(m.Subject, "CIS 5.3") {
			body = m.Body
		}
	}
	if !strings.Contains(body, `replaced: ec2:security-group-rules-revoked sg-0a1b2c3d4e5f60718: was [{"protocol":"-1",`) || !strings.Contains(body, `"referencedGroupId":"sg-0a1b2c3d4e5f60718"`) ||
		!strings.Contains(body, notify.RevertMarker) {
		t.Fatalf("message %s", body)
	}

	file := throughJSON(t, rs)
	dry := Revert(context.Background(), w, file, RevertOptions{DryRun: true})
	if len(dry) != 3 || dry[0].Outcome != WouldDo || len(e.Rules("sg-0a1b2c3d4e5f60718")) != 0 {
		t.Fatalf("dry run %+v", dry)
	}
	out := Revert(context.Background(), w, file, RevertOptions{})
	for i, r := range out {
		if r.Outcome != Restored {
			t.Fatalf("revert %d: %+v", i, r)
		}
		// Newest first, whichever finding ran first.
		if i > 0 && r.Record.At.After(out[i-1].Record.At) {
			t.Errorf("revert %d (%s) is newer than the one before", i, r.Action)
		}
	}
	if got := e.Rules("sg-0a1b2c3d4e5f60718"); !sameRules(got, before) {
		t.Errorf("rules %+v, want %+v", got, before)
	}
	if acl := e.NetworkACL("acl-0fedcba9876543210"); !containsEntry(acl, 100, "6", 22) {
		t.Errorf("ACL %+v", acl)
	}
	again := Revert(context.Background(), w, file, RevertOptions{})
	for _, r := range again {
		if r.Outcome != AsBefore {
			t.Errorf("second revert: %+v", r)
		}
	}
}

func TestRevertUnreachableAccountIsNotRestored(t *testing.T) {
	w := fake.NewOrg(admin)
	seedSample5x(w)
	rs := newEngine(t, w, "notifications: {disabled: true}", false).Run(context.Background(), held(t, w, "imported-standard-5.3.json"))
	file := throughJSON(t, rs)
	file[0].Account = "999999999999" // no member role there
	out := Revert(context.Background(), w, file, RevertOptions{})
	if len(out) != 2 || !out[0].Failed() || !strings.Contains(out[0].Reason, "account 999999999999") {
		t.Fatalf("revert %+v", out)
	}
}

func TestNoteCutKeepsRecord(t *testing.T) {
	long := strings.Repeat("é", 400)
	got := withUndo("cisguard remediated (verified): "+long, nil)
	if got != "cisguard remediated (verified): "+long {
		t.Error("a note without records changed")
	}
	if c := cut(long, 101); len(c) > 101 || !utf8.ValidString(c) || !strings.HasSuffix(c, "…") {
		t.Errorf("cut %q", c)
	}
}

func sameRules(a, b []types.SecurityGroupRule) bool {
	strip := func(rs []types.SecurityGroupRule) []types.SecurityGroupRule {
		var out []types.SecurityGroupRule
		for _, r := range rs {
			r.SecurityGroupRuleId = nil
			out = append(out, r)
		}
		slices.SortFunc(out, func(x, y types.SecurityGroupRule) int {
			return cmp.Compare(fmt.Sprint(aws.ToBool(x.IsEgress)), fmt.Sprint(aws.ToBool(y.IsEgress)))
		})
		return out
	}
	return reflect.DeepEqual(strip(a), strip(b))
}

func containsEntry(es []types.NetworkAclEntry, num int32, proto string, port int32) bool {
	for _, e := range es {
		if aws.ToInt32(e.RuleNumber) == num && aws.ToString(e.Protocol) == proto && e.PortRange != nil && aws.ToInt32(e.PortRange.From) == port {
			return true
		}
	}
	return false
}

// Section 4 from start to end: the alarm, filter, topic statement and
// subscription cisguard made are reverted (the topic is kept), and a dry
// run says so beforehand: the subscription it would remove serves only
// the alarm the same revert deletes first.
func TestRevertOfSectionFour(t *testing.T) {
	w := fake.NewOrg(admin)
	loggedTrail(w)
	r, _ := runOne(t, w, "notifications: {alarmQueueArn: "+alarmQueue+"}", findingOn(t, w, "4.3", "CloudWatch.1", "AwsAccount", "AWS::::Account:"+member))
	if r.Decision != Remediated {
		t.Fatalf("result %+v", r)
	}
	topic := "arn:aws:sns:" + region + ":" + member + ":cisguard-cis-alarms"
	a := w.Account(member)
	file := throughJSON(t, []Result{r})
	outcomes := func(out []Reverted) map[string]string {
		m := map[string]string{}
		for _, x := range out {
			if x.Record == nil {
				t.Fatalf("unrecorded: %+v", x)
			}
			m[x.Record.Kind] = x.Outcome
		}
		return m
	}
	dry := outcomes(Revert(context.Background(), w, file, RevertOptions{DryRun: true}))
	want := map[string]string{"cloudwatch:alarm": WouldDo, "sns:subscription": WouldDo, "sns:topic-policy-statement": WouldDo, "sns:topic": Kept, "logs:metric-filter": WouldDo}
	if !reflect.DeepEqual(dry, want) {
		t.Errorf("dry run %v, want %v", dry, want)
	}
	if a.CloudWatch(region).Alarm("CIS-4.3-RootAccountUsage") == nil || len(a.SNS(region).Subscriptions(topic)) != 1 {
		t.Fatal("the dry run changed something")
	}
	done := outcomes(Revert(context.Background(), w, file, RevertOptions{}))
	for k, o := range want {
		if o == WouldDo {
			want[k] = Restored
		}
	}
	if !reflect.DeepEqual(done, want) {
		t.Errorf("revert %v, want %v", done, want)
	}
	if a.CloudWatch(region).Alarm("CIS-4.3-RootAccountUsage") != nil || len(a.SNS(region).Subscriptions(topic)) != 0 || len(a.Logs(region).LogGroup("trail-events").Filters) != 0 ||
		strings.Contains(a.SNS(region).TopicPolicy(topic), "CISGuardAlarmQueueSubscribe") {
		t.Errorf("after revert: alarm %v, subscriptions %v, filters %v, policy %s", a.CloudWatch(region).Alarm("CIS-4.3-RootAccountUsage"), a.SNS(region).Subscriptions(topic),
			a.Logs(region).LogGroup("trail-events").Filters, a.SNS(region).TopicPolicy(topic))
	}
}
