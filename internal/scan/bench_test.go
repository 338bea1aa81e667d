package scan_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/scan"
)

// BenchmarkScanOrg scans a fake organization of 100 accounts × 4 regions
// with 20 ms of latency on every AWS call, every check, 16 and 64 at
// once (--parallel). Each
// account holds 5 users and buckets, and per region 2 VPCs (default group
// and ACL) and 2 KMS keys, half of it non-compliant. It reports the wall
// time of one scan, the calls made, the results and the peak heap.
//
//	go test -run '^$' -bench ScanOrg -benchtime 1x ./internal/scan/
func BenchmarkScanOrg(b *testing.B) {
	for _, parallel := range []int{16, 64} {
		b.Run(fmt.Sprintf("parallel=%d", parallel), func(b *testing.B) { benchmarkScanOrg(b, parallel) })
	}
}

func benchmarkScanOrg(b *testing.B, parallel int) {
	const accounts, latency = 100, 20 * time.Millisecond
	regions := []string{"us-east-1", "eu-west-1", "eu-central-1", "ap-south-1"}
	for range b.N {
		b.StopTimer()
		org := fake.NewOrg("999999999999")
		var list []scan.Account
		var fakes []*fake.Account
		for i := range accounts {
			a := org.Account(fmt.Sprintf("%012d", 100000000000+i))
			a.SetRegions(regions...)
			old := now.Add(-200 * 24 * time.Hour)
			for j := range 5 {
				a.AddUser(fake.User{Name: fmt.Sprintf("user-%d", j), Password: &old, AccessKeys: []fake.AccessKey{{Created: old}}})
				a.AddBucket(fmt.Sprintf("bucket-%d-%d", i, j), regions[j%len(regions)])
			}
			for _, r := range regions {
				for k := range 2 {
					a.EC2(r).AddVPC(fmt.Sprintf("10.%d.0.0/16", k))
					a.KMS(r).AddKey(fake.Key{Description: "data", Rotation: k == 0})
				}
			}
			a.Log.Latency = latency
			list = append(list, scan.Account{ID: a.ID})
			fakes = append(fakes, a)
		}
		opts := options(b)
		opts.Parallel = parallel
		runtime.GC()
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
		b.StartTimer()
		start := time.Now()
		rep, err := scan.Run(context.Background(), org, list, opts)
		wall := time.Since(start)
		b.StopTimer()
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		calls := 0
		for _, a := range fakes {
			calls += len(a.Log.Calls())
		}
		if rep.Summary.Error > 0 {
			b.Fatalf("%d ERROR results", rep.Summary.Error)
		}
		b.ReportMetric(wall.Seconds(), "s/scan")
		b.ReportMetric(float64(calls), "calls")
		b.ReportMetric(float64(len(rep.Results)), "results")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
		b.StartTimer()
	}
}
