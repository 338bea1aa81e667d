package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/report"
	"github.com/cisguard/cisguard/internal/scan"
	"github.com/cisguard/cisguard/internal/schedule"
)

// scanParallel bounds the checks of one account's scan that run at once,
// and the regions imported into at once.
const scanParallel = 16

// setupScans returns the scheduled organization scan when the admin stack
// has one (CISGUARD_SCAN_QUEUE_URL and CISGUARD_SCAN_QUEUE_ARN name its
// queue; CISGUARD_SCAN_REGIONS the regions to scan, all enabled ones when
// empty), nil otherwise.
func setupScans(cfg *config.Config, settings *controls.Settings, factory *cloud.Factory, own *engine.AWS, eng *engine.Engine, log *slog.Logger) *schedule.Scans {
	url, arn := os.Getenv("CISGUARD_SCAN_QUEUE_URL"), os.Getenv("CISGUARD_SCAN_QUEUE_ARN")
	if url == "" || arn == "" {
		return nil
	}
	var regions []string
	for _, r := range strings.Split(os.Getenv("CISGUARD_SCAN_REGIONS"), ",") {
		if r = strings.TrimSpace(r); r != "" {
			regions = append(regions, r)
		}
	}
	home := factory.Region()
	if len(regions) > 0 {
		home = regions[0]
	}
	opts := scan.Options{Home: home, Parallel: scanParallel, Settings: settings, ExemptTag: cfg.ExemptTag}
	if q := cfg.Notifications.AlarmQueueARN; q != "" {
		opts.Alarms = &controls.AlarmQueue{ARN: q, SNS: own.SNS}
	}
	base := factory.Base(factory.Region())
	return &schedule.Scans{
		QueueURL: url, QueueARN: arn,
		SQS:               sqs.NewFromConfig(base),
		Org:               organizations.NewFromConfig(base),
		Management:        eng.ManagementAccount, // one answer for the engine and the scans
		IncludeManagement: cfg.IncludeManagementAccount,
		Excluded:          cfg.ExcludedAccounts,
		Regions:           regions,
		Cloud:             own,
		Options:           opts,
		Import:            importer(scan.FactoryHubs(factory), log),
		Log:               log,
	}
}

// importer imports a scan's results into each account's Security Hub
// (scan.Import, as `cisguard scan --import-findings` does); an account or
// region whose import failed fails the scan's message, which is retried.
func importer(hubs scan.Hubs, log *slog.Logger) schedule.Importer {
	return func(ctx context.Context, rep *report.Report, scanned []string) error {
		res := scan.Import(ctx, hubs, rep, scanned, scanParallel)
		log.Info("scan results imported", "findings", res.Findings, "archived", res.Archived, "notImported", res.Skipped, "failures", len(res.Failures))
		if len(res.Failures) > 0 {
			return fmt.Errorf("import into Security Hub failed (the member role may import only when deployed with securityHub.importFindings: true): %s", strings.Join(res.Failures, "; "))
		}
		return nil
	}
}
