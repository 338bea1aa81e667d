package hub_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	. "github.com/cisguard/cisguard/internal/hub"
)

func updateCalls(h *fake.SecurityHub) int {
	n := 0
	for _, c := range h.Log.Calls() {
		if c.Operation == "BatchUpdateFindings" {
			n++
		}
	}
	return n
}

// TestFlusherSendsFullBatchAtOnce: the 100th update of a (region, status,
// note) sends its batch before Close; the rest wait for Close.
func TestFlusherSendsFullBatchAtOnce(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	f := &Flusher{Hub: func(string) API { return h }, Delay: time.Hour}
	var mu sync.Mutex
	done := 0
	for i := range 130 {
		id := fmt.Sprintf("finding-%03d", i)
		h.Import(genuine(id))
		f.Add("eu-central-1", Update{ID: id, ProductARN: product, Status: types.WorkflowStatusResolved, Note: "cisguard: fixed"}, func(err error) {
			if err != nil {
				t.Errorf("%s: %v", id, err)
			}
			mu.Lock()
			done++
			mu.Unlock()
		})
		if i == 99 && (updateCalls(h) != 1 || h.Finding("finding-000").Workflow != types.WorkflowStatusResolved) {
			t.Fatalf("100 updates waiting: %d calls", updateCalls(h))
		}
	}
	if updateCalls(h) != 1 {
		t.Fatalf("%d calls before Close", updateCalls(h))
	}
	f.Close()
	if updateCalls(h) != 2 || done != 130 || h.Finding("finding-129").Workflow != types.WorkflowStatusResolved {
		t.Errorf("after Close: %d calls, %d done", updateCalls(h), done)
	}
}

// TestFlusherSendsAfterDelay: a waiting update goes out by itself, without
// Close, and a cancelled run context does not stop it.
func TestFlusherSendsAfterDelay(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	h.Import(genuine("a"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &Flusher{Hub: func(string) API { return h }, Delay: time.Millisecond, Context: ctx}
	sent := make(chan error, 1)
	f.Add("eu-central-1", Update{ID: "a", ProductARN: product, Status: types.WorkflowStatusNotified, Note: "x"}, func(err error) { sent <- err })
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if h.Finding("a").Workflow != types.WorkflowStatusNotified {
		t.Error("not updated")
	}
	f.Close()
}

// TestFlusherGroupsByRegionStatusNote: one call per (region, status, note).
func TestFlusherGroupsByRegionStatusNote(t *testing.T) {
	hubs := map[string]*fake.SecurityHub{"eu-central-1": fake.NewSecurityHub("eu-central-1"), "us-east-1": fake.NewSecurityHub("us-east-1")}
	f := &Flusher{Hub: func(r string) API { return hubs[r] }, Delay: time.Hour}
	add := func(region, id string, status types.WorkflowStatus, note string) {
		hubs[region].Import(genuine(id))
		f.Add(region, Update{ID: id, ProductARN: product, Status: status, Note: note}, func(err error) {
			if err != nil {
				t.Error(err)
			}
		})
	}
	add("eu-central-1", "a", types.WorkflowStatusResolved, "n1")
	add("eu-central-1", "b", types.WorkflowStatusResolved, "n1")
	add("eu-central-1", "c", types.WorkflowStatusResolved, "n2")
	add("eu-central-1", "d", types.WorkflowStatusNotified, "n1")
	add("us-east-1", "e", types.WorkflowStatusResolved, "n1")
	f.Close()
	if a, b := updateCalls(hubs["eu-central-1"]), updateCalls(hubs["us-east-1"]); a != 3 || b != 1 {
		t.Errorf("calls: eu-central-1 %d, us-east-1 %d", a, b)
	}
}
