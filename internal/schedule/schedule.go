// Package schedule is the organization scan the Lambda runs on a
// schedule. EventBridge's scheduled event starts it: the organization's
// accounts are listed and each becomes one message in the scan queue
// (SendMessageBatch, ten at a time). The queue feeds the same Lambda one
// message per invocation, with bounded concurrency, so each invocation
// scans one account (package scan) and imports its results into that
// account's Security Hub; thousands of accounts are spread over as many
// short invocations, and a failed one is retried alone.
package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/policy"
	"github.com/cisguard/cisguard/internal/report"
	"github.com/cisguard/cisguard/internal/scan"
)

// Message is one account to scan: the body of a scan queue message.
type Message struct {
	Account   string `json:"account"`
	Partition string `json:"partition"`
	// Regions to scan; empty scans every region enabled in the account.
	Regions []string `json:"regions,omitempty"`
	// Scheduled is when the schedule fired.
	Scheduled time.Time `json:"scheduled"`
}

// SQS is what the fan-out calls, with the Lambda's own credentials.
type SQS interface {
	SendMessageBatch(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

var _ SQS = (*sqs.Client)(nil)

// Importer sends a scan's results to Security Hub (scan.Import); scanned
// are the recommendations whose earlier findings the scan may archive.
type Importer func(ctx context.Context, rep *report.Report, scanned []string) error

// Scans runs the scheduled scan: Handle takes the scheduled event and the
// scan queue's batches.
type Scans struct {
	// QueueURL and QueueARN name the scan queue: the URL to send to, the
	// ARN to recognize the batches read from it.
	QueueURL, QueueARN string
	SQS                SQS
	// Org lists the organization's accounts (the Lambda runs in Security
	// Hub's delegated administrator, which may list them).
	Org scan.Organizations
	// Management returns the organization's management account. It is
	// scanned only with IncludeManagement; Excluded accounts never are.
	Management        func(context.Context) (string, error)
	IncludeManagement bool
	Excluded          []string
	// Regions are scanned in each account; nil scans every enabled region.
	Regions []string

	// Cloud and Options scan one account (Options.Regions is Regions).
	Cloud   scan.Cloud
	Options scan.Options
	Import  Importer
	Log     *slog.Logger
}

// IsScheduled reports whether an event is EventBridge's scheduled event
// (an EventBridge rule's schedule, or EventBridge Scheduler sending the
// same shape).
func IsScheduled(raw json.RawMessage) bool {
	var ev struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
	}
	return json.Unmarshal(raw, &ev) == nil && ev.Source == "aws.events" && ev.DetailType == "Scheduled Event"
}

// Owns reports whether an event is the scheduled scan's: the scheduled
// event, or a batch read from the scan queue.
func (s *Scans) Owns(raw json.RawMessage) bool {
	if IsScheduled(raw) {
		return true
	}
	var ev events.SQSEvent
	if json.Unmarshal(raw, &ev) != nil || len(ev.Records) == 0 {
		return false
	}
	for _, r := range ev.Records {
		if r.EventSourceARN != s.QueueARN {
			return false
		}
	}
	return true
}

// Handle fans a scheduled event out (it fails, so that Lambda retries the
// event, when an account could not be queued) or scans the accounts of a
// scan queue batch (the response names the messages to retry).
func (s *Scans) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	if IsScheduled(raw) {
		var ev events.EventBridgeEvent
		_ = json.Unmarshal(raw, &ev)
		n, err := s.FanOut(ctx, ev.Time)
		return map[string]int{"queued": n}, err
	}
	return s.Scan(ctx, raw), nil
}

// FanOut queues one message per account to scan and returns how many it
// queued.
func (s *Scans) FanOut(ctx context.Context, when time.Time) (int, error) {
	accounts, err := scan.OrgAccounts(ctx, s.Org, s.partition())
	if err != nil {
		return 0, err
	}
	skip, err := s.notScanned(ctx)
	if err != nil {
		return 0, err
	}
	var msgs []Message
	for _, a := range accounts {
		if why, ok := skip[a.ID]; ok {
			s.Log.Info("scheduled scan: account not scanned", "account", a.ID, "reason", why)
			continue
		}
		msgs = append(msgs, Message{Account: a.ID, Partition: a.Partition, Regions: s.Regions, Scheduled: when.UTC()})
	}
	sent, err := s.send(ctx, msgs)
	s.Log.Info("scheduled scan queued", "accounts", sent, "of", len(msgs), "skipped", len(accounts)-len(msgs), "queue", s.QueueURL)
	return sent, err
}

// notScanned returns the accounts never scanned, with why: the excluded
// ones and, unless IncludeManagement, the management account. An unknown
// management account is an error: nothing is scanned until it is known.
func (s *Scans) notScanned(ctx context.Context) (map[string]string, error) {
	skip := map[string]string{}
	for _, id := range s.Excluded {
		skip[id] = "excluded by the configuration (excludedAccounts)"
	}
	if !s.IncludeManagement {
		m, err := s.Management(ctx)
		if err != nil {
			return nil, fmt.Errorf("scheduled scan: the management account, which is not scanned, is unknown: %w", err)
		}
		if m != "" {
			skip[m] = "the management account (includeManagementAccount is false)"
		}
	}
	return skip, nil
}

// attempts bounds how often an entry that SQS reported failed is sent again.
const attempts = 3

// send queues the messages ten to a call; entries SQS reports failed are
// sent again, up to attempts times in all.
func (s *Scans) send(ctx context.Context, msgs []Message) (int, error) {
	sent := 0
	for chunk := range slices.Chunk(msgs, 10) {
		pending := map[string]Message{}
		for _, m := range chunk {
			pending[m.Account] = m
		}
		var failures []string
		for try := 0; try < attempts && len(pending) > 0; try++ {
			in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(s.QueueURL)}
			for _, m := range chunk {
				if _, ok := pending[m.Account]; !ok {
					continue
				}
				body, err := json.Marshal(m)
				if err != nil {
					return sent, err
				}
				in.Entries = append(in.Entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(m.Account), MessageBody: aws.String(string(body))})
			}
			out, err := s.SQS.SendMessageBatch(ctx, in)
			if err != nil {
				return sent, fmt.Errorf("scheduled scan: sqs:SendMessageBatch to %s (%d of %d accounts queued): %w", s.QueueURL, sent, len(msgs), err)
			}
			for _, ok := range out.Successful {
				delete(pending, aws.ToString(ok.Id))
				sent++
			}
			failures = failures[:0]
			for _, f := range out.Failed {
				failures = append(failures, fmt.Sprintf("account %s: %s %s", aws.ToString(f.Id), aws.ToString(f.Code), aws.ToString(f.Message)))
			}
		}
		if len(pending) > 0 {
			return sent, fmt.Errorf("scheduled scan: sqs:SendMessageBatch to %s refused %d account(s) %d times: %s", s.QueueURL, len(pending), attempts, strings.Join(failures, "; "))
		}
	}
	return sent, nil
}

// partition is the scan queue's partition, the default of the accounts'.
func (s *Scans) partition() string {
	if p := strings.Split(s.QueueARN, ":"); len(p) > 1 && p[1] != "" {
		return p[1]
	}
	return "aws"
}

// Scan scans the account of each message of a scan queue batch and
// imports its results; the response names the messages that failed.
// A message that is not a scan (no valid account) is logged and dropped:
// retrying it cannot help. The fan-out's exclusions are checked again on
// each message, whoever queued it: a message naming an excluded account or
// the management account is dropped, and while the management account is
// unknown every message fails, to be retried.
func (s *Scans) Scan(ctx context.Context, raw json.RawMessage) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		s.Log.Error("scan batch is not an SQS event", "error", err)
		return resp
	}
	skip, err := s.notScanned(ctx)
	if err != nil {
		s.Log.Error("scan batch not scanned", "error", err)
		for _, r := range ev.Records {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
		return resp
	}
	for _, r := range ev.Records {
		m, err := decode(r.Body)
		if err != nil {
			s.Log.Error("scan message dropped", "message", r.MessageId, "error", err)
			continue
		}
		if why, ok := skip[m.Account]; ok {
			s.Log.Warn("scan message dropped: account not scanned", "message", r.MessageId, "account", m.Account, "reason", why)
			continue
		}
		if err := s.scanAccount(ctx, m); err != nil {
			s.Log.Error("scheduled scan failed", "message", r.MessageId, "account", m.Account, "error", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return resp
}

var accountRE = regexp.MustCompile(`^\d{12}$`)

// decode reads a scan message: twelve digits, a partition AWS has, regions
// of that partition (policy's rules for findings), anything else refused.
func decode(body string) (Message, error) {
	var m Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return m, fmt.Errorf("not a scan message: %w", err)
	}
	if !accountRE.MatchString(m.Account) || !policy.IsPartition(m.Partition) {
		return m, fmt.Errorf("not a scan message: account %q, partition %q", m.Account, m.Partition)
	}
	for _, r := range m.Regions {
		if !policy.IsRegion(m.Partition, r) {
			return m, fmt.Errorf("scan message for account %s: %q is not a region of partition %s", m.Account, r, m.Partition)
		}
	}
	return m, nil
}

// scanAccount scans one account and imports the results. Recommendations
// with an ERROR result are not given to the import as scanned, so their
// earlier findings stay as they were instead of being archived; a scan
// cut short by the function's deadline, or in which every check failed
// (the member role cannot be assumed), imports nothing and fails.
func (s *Scans) scanAccount(ctx context.Context, m Message) error {
	started := time.Now()
	opts := s.Options
	opts.Regions = m.Regions
	sel, err := scan.Select(opts.Controls)
	if err != nil {
		return err
	}
	rep, err := scan.Run(ctx, s.Cloud, []scan.Account{{ID: m.Account, Partition: m.Partition}}, opts)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("account %s: the scan did not finish within the function's timeout, nothing imported (raise the Timeout parameter of the admin stack): %w", m.Account, err)
	}
	sum := rep.Summary
	if sum.Total > 0 && sum.Error == sum.Total {
		return fmt.Errorf("account %s: every check failed, nothing imported: %s", m.Account, rep.Results[0].Reason)
	}
	errored := map[string]bool{}
	for _, r := range rep.Results {
		if r.Status == controls.Error {
			errored[r.CIS] = true
		}
	}
	var scanned []string
	for _, c := range sel {
		if !errored[c.ID] {
			scanned = append(scanned, c.ID)
		}
	}
	if err := s.Import(ctx, rep, scanned); err != nil {
		return fmt.Errorf("account %s: %w", m.Account, err)
	}
	s.Log.Info("scheduled scan done", "account", m.Account, "regions", strings.Join(sum.Regions, ","), "score", sum.Score,
		"pass", sum.Pass, "fail", sum.Fail, "manual", sum.Manual, "notApplicable", sum.NotApplicable, "error", sum.Error,
		"scheduled", m.Scheduled, "seconds", time.Since(started).Seconds())
	return nil
}
