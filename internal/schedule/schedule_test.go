package schedule_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/report"
	"github.com/cisguard/cisguard/internal/scan"
	"github.com/cisguard/cisguard/internal/schedule"
)

const (
	queueURL   = "https://sqs.eu-west-1.amazonaws.com/999999999999/cisguard-remediator-scans"
	queueARN   = "arn:aws:sqs:eu-west-1:999999999999:cisguard-remediator-scans"
	management = "100000000000"
	excluded   = "100000000007"
)

var fired = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

// scheduled is the event an EventBridge rule's schedule sends.
var scheduled = fmt.Sprintf(`{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events",
"account":"999999999999","time":%q,"region":"eu-west-1","resources":["arn:aws:events:eu-west-1:999999999999:rule/cisguard-remediator-scan"],"detail":{}}`,
	fired.Format(time.RFC3339))

// imports records what the scans gave the importer.
type imports struct {
	reports []*report.Report
	scanned [][]string
	fail    error
}

func (i *imports) Import(_ context.Context, rep *report.Report, scanned []string) error {
	if i.fail != nil {
		return i.fail
	}
	i.reports = append(i.reports, rep)
	i.scanned = append(i.scanned, scanned)
	return nil
}

type world struct {
	scans *schedule.Scans
	sqs   *fake.SQS
	orgs  *fake.Organizations
	org   *fake.Org
	imp   *imports
}

// newWorld is an organization of n active accounts (the management
// account and an excluded one among them) and two suspended ones.
func newWorld(t *testing.T, n int) *world {
	t.Helper()
	w := &world{sqs: fake.NewSQS(), orgs: fake.NewOrganizations(), org: fake.NewOrg("999999999999"), imp: &imports{}}
	w.sqs.CreateQueue(queueURL)
	for i := range n {
		w.orgs.Add("aws", fmt.Sprintf("1%011d", i), orgtypes.AccountStateActive)
	}
	w.orgs.Add("aws", "200000000001", orgtypes.AccountStateSuspended)
	w.orgs.Add("aws", "200000000002", orgtypes.AccountStatePendingClosure)
	cfg := config.Default()
	set, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.scans = &schedule.Scans{
		QueueURL: queueURL, QueueARN: queueARN, SQS: w.sqs, Org: w.orgs,
		Management: func(context.Context) (string, error) { return management, nil },
		Excluded:   []string{excluded},
		Regions:    []string{"eu-west-1", "us-east-1"},
		Cloud:      w.org,
		Options: scan.Options{Home: "eu-west-1", Settings: set, ExemptTag: cfg.ExemptTag, Controls: []string{"5.3", "1.8"},
			Now: func() time.Time { return fired }},
		Import: w.imp.Import,
		Log:    slog.New(slog.DiscardHandler),
	}
	return w
}

func (w *world) queued(t *testing.T) []schedule.Message {
	t.Helper()
	var out []schedule.Message
	for _, body := range w.sqs.Messages(queueURL) {
		var m schedule.Message
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// A scheduled event queues one message per active account but the
// management and excluded ones, ten to a SendMessageBatch call.
func TestFanOut(t *testing.T) {
	w := newWorld(t, 43)
	out, err := w.scans.Handle(context.Background(), json.RawMessage(scheduled))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(map[string]int)["queued"]; got != 41 {
		t.Errorf("queued %d, want 41", got)
	}
	if b := w.sqs.Batches(); !slices.Equal(b, []int{10, 10, 10, 10, 1}) {
		t.Errorf("batches %v, want 10, 10, 10, 10, 1", b)
	}
	msgs := w.queued(t)
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.Account] || m.Account == management || m.Account == excluded || strings.HasPrefix(m.Account, "2") {
			t.Errorf("queued %s", m.Account)
		}
		seen[m.Account] = true
		if m.Partition != "aws" || !slices.Equal(m.Regions, []string{"eu-west-1", "us-east-1"}) || !m.Scheduled.Equal(fired) {
			t.Errorf("message %+v", m)
		}
	}
	if len(seen) != 41 {
		t.Errorf("%d accounts queued, want 41", len(seen))
	}
	if n := len(w.orgs.Log.Calls()); n != 3 {
		t.Errorf("%d ListAccounts calls for 45 accounts, want 3 (20 to a page)", n)
	}
}

// Entries SQS reports failed are sent again; when they keep failing the
// fan-out fails, naming them, so that Lambda retries the event.
func TestFanOutFailedEntries(t *testing.T) {
	w := newWorld(t, 12)
	w.sqs.FailEntries(3)
	if _, err := w.scans.Handle(context.Background(), json.RawMessage(scheduled)); err != nil {
		t.Fatal(err)
	}
	if n := len(w.queued(t)); n != 10 {
		t.Errorf("%d queued, want 10", n)
	}
	if b := w.sqs.Batches(); !slices.Equal(b, []int{10, 3}) {
		t.Errorf("batches %v, want the 10 and the 3 that failed again", b)
	}

	w = newWorld(t, 12)
	w.sqs.FailEntries(100)
	_, err := w.scans.Handle(context.Background(), json.RawMessage(scheduled))
	if err == nil || !strings.Contains(err.Error(), "refused 10 account(s) 3 times") || !strings.Contains(err.Error(), "InternalError") {
		t.Errorf("error %v", err)
	}
}

// Without the management account known, nothing is queued: it must not
// be scanned by accident.
func TestFanOutManagementUnknown(t *testing.T) {
	w := newWorld(t, 3)
	w.scans.Management = func(context.Context) (string, error) { return "", fake.APIError("AccessDeniedException", "no") }
	if _, err := w.scans.Handle(context.Background(), json.RawMessage(scheduled)); err == nil || !strings.Contains(err.Error(), "management account") {
		t.Errorf("error %v", err)
	}
	if n := len(w.queued(t)); n != 0 {
		t.Errorf("%d queued", n)
	}
	w.scans.IncludeManagement = true
	if _, err := w.scans.Handle(context.Background(), json.RawMessage(scheduled)); err != nil {
		t.Fatal(err)
	}
	if n := len(w.queued(t)); n != 3 {
		t.Errorf("%d queued with the management account included, want all 3", n)
	}
}

func batch(bodies ...string) json.RawMessage {
	ev := events.SQSEvent{}
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: b, EventSourceARN: queueARN})
	}
	raw, _ := json.Marshal(ev)
	return raw
}

func message(account string, regions ...string) string {
	b, _ := json.Marshal(schedule.Message{Account: account, Partition: "aws", Regions: regions, Scheduled: fired})
	return string(b)
}

// The messages of a scheduled event, read back from the queue, scan
// their accounts and import the results.
func TestScanMessages(t *testing.T) {
	w := newWorld(t, 0)
	w.orgs.Add("aws", "111111111111", orgtypes.AccountStateActive)
	w.orgs.Add("aws", "222222222222", orgtypes.AccountStateActive)
	for _, id := range []string{"111111111111", "222222222222"} {
		a := w.org.Account(id)
		a.SetRegions("eu-west-1", "us-east-1", "ap-south-1")
		a.EC2("us-east-1").AddVPC("10.0.0.0/16") // its default security group allows all traffic within: 5.3 FAIL
	}
	if _, err := w.scans.Handle(context.Background(), json.RawMessage(scheduled)); err != nil {
		t.Fatal(err)
	}
	resp := w.scans.Scan(context.Background(), batch(w.sqs.Messages(queueURL)...))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	if len(w.imp.reports) != 2 {
		t.Fatalf("%d imports, want one per account", len(w.imp.reports))
	}
	for i, rep := range w.imp.reports {
		var fail5_3 int
		for _, r := range rep.Results {
			if r.Region == "ap-south-1" {
				t.Errorf("a region not scheduled was scanned: %+v", r)
			}
			if r.CIS == "5.3" && r.Status == controls.Fail {
				fail5_3++
			}
		}
		if rep.Summary.Accounts != 1 || fail5_3 != 1 {
			t.Errorf("import %d: %d account(s), %d FAIL of 5.3, want 1 and 1", i, rep.Summary.Accounts, fail5_3)
		}
		if !slices.Equal(w.imp.scanned[i], []string{"1.8", "5.3"}) {
			t.Errorf("scanned %v", w.imp.scanned[i])
		}
	}
}

// A message fails alone when its account cannot be scanned or imported;
// a message that is not a scan is dropped; a recommendation with an ERROR
// is not given to the import as scanned (its findings are not archived).
func TestScanFailures(t *testing.T) {
	w := newWorld(t, 0)
	ok := w.org.Account("111111111111")
	ok.SetRegions("eu-west-1")
	// "333333333333" has no member role.
	resp := w.scans.Scan(context.Background(), batch(message("111111111111", "eu-west-1"), message("333333333333", "eu-west-1"), `{"account":"<script>"}`, "not json",
		`{"account":"111111111111","partition":"aws-evil"}`, message("111111111111", "cn-north-1")))
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !slices.Equal(failed, []string{"m1"}) || len(w.imp.reports) != 1 {
		t.Errorf("failed %v, %d import(s); want m1 and 1", failed, len(w.imp.reports))
	}

	ok.Log.Fail("IAM/GetAccountPasswordPolicy", fake.APIError("AccessDenied", "no"))
	resp = w.scans.Scan(context.Background(), batch(message("111111111111", "eu-west-1")))
	if len(resp.BatchItemFailures) != 0 || !slices.Equal(w.imp.scanned[1], []string{"5.3"}) {
		t.Errorf("an ERROR of 1.8: failures %v, scanned %v; want none and 5.3 only", resp.BatchItemFailures, w.imp.scanned[1])
	}

	w.imp.fail = fake.APIError("AccessDeniedException", "not authorized to perform securityhub:BatchImportFindings")
	if resp := w.scans.Scan(context.Background(), batch(message("111111111111", "eu-west-1"))); len(resp.BatchItemFailures) != 1 {
		t.Errorf("a failed import is not retried: %v", resp.BatchItemFailures)
	}
	w.imp.fail = nil

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := len(w.imp.reports)
	if resp := w.scans.Scan(ctx, batch(message("111111111111", "eu-west-1"))); len(resp.BatchItemFailures) != 1 || len(w.imp.reports) != n {
		t.Errorf("a scan cut short: failures %v, imports %d; want the message retried and nothing imported", resp.BatchItemFailures, len(w.imp.reports)-n)
	}
}

// A message naming the management account or an excluded one is dropped,
// whoever queued it; while the management account is unknown, no message
// is scanned and all are retried.
func TestScanRechecksExclusions(t *testing.T) {
	w := newWorld(t, 0)
	for _, id := range []string{management, excluded, "111111111111"} {
		w.org.Account(id).SetRegions("eu-west-1")
	}
	resp := w.scans.Scan(context.Background(), batch(message(management, "eu-west-1"), message(excluded, "eu-west-1"), message("111111111111", "eu-west-1")))
	if len(resp.BatchItemFailures) != 0 || len(w.imp.reports) != 1 {
		t.Fatalf("failures %v, %d import(s); want none and 1", resp.BatchItemFailures, len(w.imp.reports))
	}
	if a := w.imp.reports[0].Results[0].Account; a != "111111111111" {
		t.Errorf("imported a scan of %s", a)
	}
	for _, id := range []string{management, excluded} {
		if n := len(w.org.Account(id).Log.Calls()); n != 0 {
			t.Errorf("account %s not to be scanned got %d calls", id, n)
		}
	}

	w.scans.Management = func(context.Context) (string, error) { return "", fake.APIError("AccessDeniedException", "no") }
	resp = w.scans.Scan(context.Background(), batch(message("111111111111", "eu-west-1"), message(management, "eu-west-1")))
	if len(resp.BatchItemFailures) != 2 || len(w.imp.reports) != 1 {
		t.Errorf("management unknown: failures %v, %d import(s); want both retried, nothing imported", resp.BatchItemFailures, len(w.imp.reports))
	}
}

func TestOwns(t *testing.T) {
	w := newWorld(t, 0)
	other := strings.ReplaceAll(string(batch(message("111111111111"))), queueARN, "arn:aws:sqs:eu-west-1:999999999999:cisguard-remediator-findings")
	for _, c := range []struct {
		raw  string
		owns bool
	}{
		{scheduled, true},
		{string(batch(message("111111111111"))), true},
		{other, false},
		{`{"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[]}}`, false},
		{`{"Records":[]}`, false},
	} {
		if got := w.scans.Owns(json.RawMessage(c.raw)); got != c.owns {
			t.Errorf("Owns(%.60s…) = %v", c.raw, got)
		}
	}
}
