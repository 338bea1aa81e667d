package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/scan"
	"github.com/cisguard/cisguard/internal/schedule"
)

const (
	scanQueueURL = "https://sqs.eu-central-1.amazonaws.com/777788889999/cisguard-remediator-scans"
	scanQueueARN = "arn:aws:sqs:eu-central-1:777788889999:cisguard-remediator-scans"
)

// The scheduled scan through the Lambda's handler, on fakes: the
// scheduled event queues one message per account; the queue's batches
// scan each account and import its results into the account's own
// Security Hub; an account without the member role fails alone.
func TestScheduledScan(t *testing.T) {
	org := fake.NewOrg("777788889999")
	org.Management = "100000000000"
	orgs := fake.NewOrganizations()
	queue := fake.NewSQS()
	queue.CreateQueue(scanQueueURL)
	members := []string{"111111111111", "222222222222"}
	for _, id := range append([]string{org.Management, "333333333333"}, members...) {
		orgs.Add("aws", id, orgtypes.AccountStateActive)
	}
	for _, id := range members {
		a := org.Account(id)
		a.SetRegions(region)
		a.EC2(region).AddVPC("10.0.0.0/16") // a default security group that allows traffic: 5.3 FAIL
	}
	// 333333333333 has no member role.

	cfg := config.Default()
	set, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := testHandler(t, org)
	log := slog.New(slog.DiscardHandler)
	h.scans = &schedule.Scans{
		QueueURL: scanQueueURL, QueueARN: scanQueueARN, SQS: queue, Org: orgs,
		Management: org.ManagementAccount, Regions: []string{region},
		Cloud:   org,
		Options: scan.Options{Home: region, Settings: set, ExemptTag: cfg.ExemptTag},
		Import: importer(func(ctx context.Context, p, a, r string) (scan.SecurityHub, error) {
			return org.MemberHub(ctx, p, a, r)
		}, log),
		Log: log,
	}

	ev := `{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","account":"777788889999",
		"time":"2026-12-01T03:00:00Z","region":"eu-central-1","resources":["arn:aws:events:eu-central-1:777788889999:rule/cisguard-remediator-scan"],"detail":{}}`
	out, err := h.handle(context.Background(), json.RawMessage(ev))
	if err != nil {
		t.Fatal(err)
	}
	if q := out.(map[string]int)["queued"]; q != 3 {
		t.Fatalf("queued %d, want 3 (not the management account)", q)
	}

	batch := events.SQSEvent{}
	for i, body := range queue.Messages(scanQueueURL) {
		batch.Records = append(batch.Records, events.SQSMessage{MessageId: fmt.Sprint("m", i), Body: body, EventSourceARN: scanQueueARN})
	}
	raw, _ := json.Marshal(batch)
	out, err = h.handle(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range out.(events.SQSEventResponse).BatchItemFailures {
		for _, r := range batch.Records {
			if r.MessageId == f.ItemIdentifier {
				failed = append(failed, r.Body)
			}
		}
	}
	if len(failed) != 1 || !strings.Contains(failed[0], "333333333333") {
		t.Errorf("failed messages %q, want only 333333333333's", failed)
	}

	for _, id := range members {
		pg, err := org.Account(id).SecurityHub(region).GetFindings(context.Background(), &securityhub.GetFindingsInput{MaxResults: aws.Int32(100)})
		if err != nil {
			t.Fatal(err)
		}
		var failing []string
		for _, f := range pg.Findings {
			if aws.ToString(f.AwsAccountId) != id || !strings.HasPrefix(aws.ToString(f.GeneratorId), "cisguard/cis-aws-foundations-benchmark/v/1.4.0/") {
				t.Errorf("%s: finding %s of %s", id, aws.ToString(f.Id), aws.ToString(f.AwsAccountId))
			}
			if f.Compliance != nil && f.Compliance.Status == "FAILED" {
				failing = append(failing, strings.TrimPrefix(aws.ToString(f.GeneratorId), "cisguard/cis-aws-foundations-benchmark/v/1.4.0/"))
			}
		}
		if len(pg.Findings) < 10 || !slices.Contains(failing, "5.3") {
			t.Errorf("%s: %d findings imported, FAILED %v; want the scan's, 5.3 among the failed", id, len(pg.Findings), failing)
		}
	}
}
