// Command lambda is cisguard's AWS Lambda function (runtime provided.al2023,
// binary bootstrap). It takes Security Hub findings from EventBridge,
// directly or through SQS, and hands them to the same engine as the CLI.
//
// Configuration: the YAML file named by CISGUARD_CONFIG, else cisguard.yaml
// beside the binary if present, else the defaults; CISGUARD_NOTIFY_TOPIC_ARN,
// CISGUARD_ROLE_NAME and CISGUARD_ALARM_QUEUE_ARN override the file. Logs
// are JSON (CISGUARD_LOG_LEVEL, default info). SQS batches of the alarm
// queue carry section 4's member alarms, which are forwarded to the
// central topic (package alarms). With a scan schedule, EventBridge's
// scheduled event and the scan queue's batches run the organization scan
// (package schedule).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cisguard/cisguard/internal/alarms"
	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/lambdazip"
	"github.com/cisguard/cisguard/internal/schedule"
)

func main() {
	log := newLogger(os.Getenv("CISGUARD_LOG_LEVEL"))
	h, err := setup(context.Background(), log)
	if err != nil {
		// Fail the cold start loudly: a bad configuration must not look
		// like a run that found nothing to do.
		log.Error("cisguard cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.handle)
}

func newLogger(level string) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: lvl}))
}

// handler holds what lives across invocations of a warm function: the
// configuration, the client factory with its credential caches, the engine.
type handler struct {
	engine *engine.Engine
	log    *slog.Logger
	// alarms forwards what arrives in the alarm queue (section 4's member
	// alarms) to the central topic; nil without an alarm queue.
	alarms *alarms.Forwarder
	// scans is the scheduled organization scan; nil without a schedule.
	scans *schedule.Scans
}

func setup(ctx context.Context, log *slog.Logger) (*handler, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	settings, err := controls.Configure(cfg)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	factory, err := cloud.Load(ctx, cloud.Options{RoleName: cfg.RoleName, ExternalID: cfg.ExternalID, Logger: log})
	if err != nil {
		return nil, err
	}
	own := &engine.AWS{Factory: factory}
	eng := engine.New(cfg, settings, own, engine.Options{Logger: log, Margin: margin, Reserve: reserve})
	log.Info("cisguard ready", "role", cfg.RoleName, "topic", cfg.Notifications.TopicARN, "alarmQueue", cfg.Notifications.AlarmQueueARN, "auto", settings.Auto())
	h := &handler{engine: eng, log: log}
	if q := cfg.Notifications.AlarmQueueARN; q != "" {
		h.alarms = alarms.New(q, cfg.Notifications.TopicARN, own.SNS, log)
	}
	h.scans = setupScans(cfg, settings, factory, own, eng, log)
	return h, nil
}

func loadConfig() (*config.Config, error) {
	path := os.Getenv("CISGUARD_CONFIG")
	if path == "" {
		candidate := filepath.Join(os.Getenv("LAMBDA_TASK_ROOT"), lambdazip.ConfigName)
		if _, err := os.Stat(candidate); err == nil {
			path = candidate
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if v := os.Getenv("CISGUARD_NOTIFY_TOPIC_ARN"); v != "" {
		cfg.Notifications.TopicARN = v
	}
	if v := os.Getenv("CISGUARD_ROLE_NAME"); v != "" {
		cfg.RoleName = v
	}
	if v := os.Getenv("CISGUARD_ALARM_QUEUE_ARN"); v != "" {
		cfg.Notifications.AlarmQueueARN = v
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuration with environment overrides: %w", err)
	}
	return cfg, nil
}

// The invocation's deadline (the function's timeout) is kept in view: no
// finding starts when less than margin is left before it (less reserve);
// those are reported failed, nothing done, so SQS delivers their messages
// again. Work still running reserve before the deadline is cancelled, and
// reserve is left for the Security Hub updates and the answer. Both are
// sized in docs/performance.md ("Deadline").
const (
	margin  = 30 * time.Second
	reserve = 5 * time.Second
)

// handle takes an EventBridge event or an SQS batch. For SQS it reports
// the messages whose findings failed, so only those are retried; for
// EventBridge it fails only on unusable input, since findings that failed
// stay NEW in Security Hub and come back.
func (h *handler) handle(ctx context.Context, raw json.RawMessage) (any, error) {
	if h.alarms != nil && h.alarms.Owns(raw) {
		return h.alarms.Forward(ctx, raw), nil
	}
	if h.scans != nil && h.scans.Owns(raw) {
		return h.scans.Handle(ctx, raw)
	}
	findings, err := finding.Decode(raw)
	sqs := isSQS(raw)
	if err != nil {
		h.log.Error("unusable event", "error", err)
		if sqs {
			return failAll(raw), nil
		}
		return nil, fmt.Errorf("unusable event: %w", err)
	}
	results := h.engine.Run(ctx, findings)
	logResults(h.log, results)
	if !sqs {
		return summary(results), nil
	}
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	seen := map[string]bool{}
	for _, r := range results {
		if m := r.Finding.Message; r.Decision == engine.Failed && m != "" && !seen[m] {
			seen[m] = true
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m})
		}
	}
	return resp, nil
}

// logResults writes a record per finding; failures and skips that say the
// same thing about many findings are written a few times and counted
// (engine.Quiet).
func logResults(log *slog.Logger, results []engine.Result) {
	log, done := engine.Quiet(log)
	defer done()
	for _, r := range results {
		level, msg := slog.LevelInfo, "finding handled"
		switch r.Decision {
		case engine.Failed:
			level, msg = slog.LevelWarn, engine.Failed
		case engine.Skipped:
			msg = engine.Skipped
		}
		log.Log(context.Background(), level, msg, "finding", r.ID, "account", r.Account, "region", r.Region, "cis", r.CIS,
			"resource", r.Resource, "decision", r.Decision, "reason", r.Reason, "actions", len(r.Actions),
			"notification", r.Notification, "workflow", r.Workflow)
	}
}

func isSQS(raw json.RawMessage) bool {
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	return json.Unmarshal(raw, &probe) == nil && probe.Records != nil
}

// failAll reports every message of an SQS batch as failed.
func failAll(raw json.RawMessage) events.SQSEventResponse {
	var ev events.SQSEvent
	_ = json.Unmarshal(raw, &ev)
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, r := range ev.Records {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
	}
	return resp
}

func summary(results []engine.Result) map[string]int {
	out := map[string]int{}
	for _, r := range results {
		out[r.Decision]++
	}
	return out
}
