package engine

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/perms"
)

// burstRegions are the regions of the burst; the hub is in the first.
var burstRegions = []string{"eu-central-1", "eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2"}

// burst seeds an organization the way a burst finds it and returns its
// findings, held by Security Hub in region (the aggregation region): in
// each account and region, three VPCs as AWS makes them (the default
// security group open, 5.3; the default network ACL allowing all, 5.1; no
// flow log, 3.9), EBS encryption by default off (2.2.1), five buckets
// without Block Public Access (2.1.5.2) and five keys without rotation
// (3.8): 20 findings. Findings come in input order account by account, as
// a new account's findings arrive.
func burst(w *fake.Org, accounts int) []finding.Finding {
	var fs []finding.Finding
	add := func(acct, reg, cis, control, typ, res string) {
		fs = append(fs, finding.Finding{
			ID: fmt.Sprintf("arn:aws:securityhub:%s:%s:security-control/%s/finding/%d", reg, acct, control, len(fs)), ProductARN: "arn:aws:securityhub:" + region + "::product/aws/securityhub",
			Company: "AWS", GeneratorID: "security-control/" + control, Title: control, Account: acct, Region: reg, HubRegion: region, Partition: "aws",
			SecurityControl: control, CIS: cis, Compliance: "FAILED", RecordState: "ACTIVE", Workflow: "NEW", Trigger: finding.Imported,
			Resource: finding.Resource{Type: typ, ID: res, Partition: "aws", Region: reg},
		})
	}
	for i := range accounts {
		acct := fmt.Sprintf("2000000000%02d", i)
		a := w.Account(acct)
		a.AddPolicy(perms.BoundaryName, perms.Boundary().Resolve(a.Partition, a.ID, "CIS_Remediator_Role").JSON())
		for _, reg := range burstRegions {
			e := a.EC2(reg)
			for v := range 3 {
				vpc, sg, acl := e.AddVPC(fmt.Sprintf("10.%d.0.0/16", v))
				add(acct, reg, "5.3", "EC2.2", "AwsEc2SecurityGroup", "arn:aws:ec2:"+reg+":"+acct+":security-group/"+sg)
				add(acct, reg, "5.1", "EC2.21", "AwsEc2NetworkAcl", "arn:aws:ec2:"+reg+":"+acct+":network-acl/"+acl)
				add(acct, reg, "3.9", "EC2.6", "AwsEc2Vpc", "arn:aws:ec2:"+reg+":"+acct+":vpc/"+vpc)
			}
			add(acct, reg, "2.2.1", "EC2.7", "AwsAccount", "AWS::::Account:"+acct)
			for b := range 5 {
				name := fmt.Sprintf("data-%s-%s-%d", acct, reg, b)
				a.AddBucket(name, reg)
				add(acct, reg, "2.1.5.2", "S3.8", "AwsS3Bucket", "arn:aws:s3:::"+name)
			}
			for range 5 {
				add(acct, reg, "3.8", "KMS.4", "AwsKmsKey", a.KMS(reg).AddKey(fake.Key{Description: "data"}))
			}
		}
	}
	w.Hold(fs...)
	return fs
}

// logs returns every call log of the organization.
func logs(w *fake.Org, accounts int) []*fake.Log {
	out := []*fake.Log{w.Log, w.STS, w.Admin.Log, w.SecurityHub(region).Log}
	for i := range accounts {
		out = append(out, w.Account(fmt.Sprintf("2000000000%02d", i)).Log)
	}
	return out
}

// peakHeap samples the heap in use until stop is closed and returns the
// largest value seen.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var m runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// BenchmarkBurst handles a burst of 10,000 findings (100 accounts × 5
// regions × 20 findings, see burst) with every AWS call of every fake
// taking 20 ms: one warm engine, as one Lambda container, takes the
// findings in SQS batches of the given size one after the other. It
// reports the wall time, findings per second, the peak heap (the fakes'
// state and recorded calls included; seeded-heap-MB is the heap before
// the first finding), and the calls
// that matter for rates: AssumeRole (once per account), GetFindings and
// BatchUpdateFindings (Security Hub allows 3 and 10 per second), and all
// calls per finding. Run it with
//
//	go test -run '^$' -bench Burst -benchtime 1x -timeout 60m ./internal/engine/
func BenchmarkBurst(b *testing.B) {
	const accounts = 100
	for _, c := range []struct{ concurrency, batch int }{{8, 100}, {32, 100}, {32, 10}, {32, 1000}} {
		b.Run(fmt.Sprintf("concurrency=%d/batch=%d", c.concurrency, c.batch), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				w := fake.NewOrg(admin)
				w.Admin.SNS(region).AddTopic("cisguard-notifications")
				fs := burst(w, accounts)
				for _, l := range logs(w, accounts) {
					l.Latency = 20 * time.Millisecond
				}
				e := newEngine(b, w, fmt.Sprintf("notifications: {topicArn: %s}\nconcurrency: %d", centralTopic, c.concurrency), false)
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				seeded := m.HeapInuse // the fakes' state and the findings
				stop := make(chan struct{})
				heap := peakHeap(stop)
				b.StartTimer()

				start := time.Now()
				var failed []Result
				for batch := range slices.Chunk(fs, c.batch) {
					for _, r := range e.Run(context.Background(), batch) {
						if r.Decision != Remediated {
							failed = append(failed, r)
						}
					}
				}
				wall := time.Since(start)

				b.StopTimer()
				close(stop)
				if len(failed) > 0 {
					b.Fatalf("%d findings not remediated, first: %s %s (%s)", len(failed), failed[0].CIS, failed[0].Decision, failed[0].Reason)
				}
				calls, assume := 0, 0
				for _, l := range logs(w, accounts) {
					calls += len(l.Calls())
				}
				for i := range accounts {
					assume += w.Assumed(fmt.Sprintf("2000000000%02d", i))
				}
				b.ReportMetric(wall.Seconds(), "s/burst")
				b.ReportMetric(float64(len(fs))/wall.Seconds(), "findings/s")
				b.ReportMetric(float64(<-heap)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(seeded)/(1<<20), "seeded-heap-MB")
				b.ReportMetric(float64(assume), "AssumeRole")
				b.ReportMetric(float64(hubCalls(w, region, "GetFindings")), "GetFindings")
				b.ReportMetric(float64(hubCalls(w, region, "BatchUpdateFindings")), "BatchUpdateFindings")
				b.ReportMetric(float64(calls)/float64(len(fs)), "calls/finding")
				b.StartTimer()
			}
		})
	}
}
