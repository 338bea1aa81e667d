package hub_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

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

// resolved is the update of one finding of a group, with its own note and
// the group's shared one.
func resolved(id, group string) Update {
	return Update{ID: id, ProductARN: product, Status: types.WorkflowStatusResolved, Note: "cisguard remediated " + id, Group: group, Shared: "cisguard, CIS " + group + ": remediated and verified"}
}

// TestFlusherSharesCallsOfAGroup: 250 findings of one control and outcome,
// each with its own note, cost ceil(250/100) = 3 calls: the first two as
// soon as they are full, the rest on Flush; every finding of a shared call
// gets the shared note.
func TestFlusherSharesCallsOfAGroup(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	f := &Flusher{Hub: func(string) API { return h }}
	done := 0
	for i := range 250 {
		id := fmt.Sprintf("finding-%03d", i)
		h.Import(genuine(id))
		f.Add("eu-central-1", resolved(id, "5.3"), func(err error) {
			if err != nil {
				t.Errorf("%s: %v", id, err)
			}
			done++
		})
		if i == 99 && (updateCalls(h) != 1 || h.Finding("finding-000").Workflow != types.WorkflowStatusResolved) {
			t.Fatalf("100 updates waiting: %d calls", updateCalls(h))
		}
	}
	if updateCalls(h) != 2 {
		t.Fatalf("%d calls before Flush, want 2", updateCalls(h))
	}
	f.Flush("eu-central-1", "5.3")
	if updateCalls(h) != 3 || done != 250 {
		t.Errorf("after Flush: %d calls, %d done", updateCalls(h), done)
	}
	if n := h.Finding("finding-249").Note; n != "cisguard, CIS 5.3: remediated and verified" {
		t.Errorf("note %q", n)
	}
	f.Close()
	if updateCalls(h) != 3 {
		t.Errorf("Close sent %d more calls", updateCalls(h)-3)
	}
}

// TestFlusherSingleFindingKeepsItsNote: a finding alone in its call keeps
// its specific note.
func TestFlusherSingleFindingKeepsItsNote(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	h.Import(genuine("a"))
	f := &Flusher{Hub: func(string) API { return h }}
	f.Add("eu-central-1", resolved("a", "5.3"), func(err error) {
		if err != nil {
			t.Error(err)
		}
	})
	f.Close()
	if n := h.Finding("a").Note; n != "cisguard remediated a" {
		t.Errorf("note %q", n)
	}
}

// TestFlusherFlushSendsOnlyItsGroup: Flush sends the group it names, in
// its region; a cancelled run context does not stop the send.
func TestFlusherFlushSendsOnlyItsGroup(t *testing.T) {
	hubs := map[string]*fake.SecurityHub{"eu-central-1": fake.NewSecurityHub("eu-central-1"), "us-east-1": fake.NewSecurityHub("us-east-1")}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &Flusher{Hub: func(r string) API { return hubs[r] }, Context: ctx}
	add := func(region, id, group string) {
		hubs[region].Import(genuine(id))
		f.Add(region, resolved(id, group), func(err error) {
			if err != nil {
				t.Error(err)
			}
		})
	}
	add("eu-central-1", "a", "5.3")
	add("eu-central-1", "b", "5.3")
	add("eu-central-1", "c", "5.1")
	add("us-east-1", "d", "5.3")
	f.Flush("eu-central-1", "5.3")
	if a, b := updateCalls(hubs["eu-central-1"]), updateCalls(hubs["us-east-1"]); a != 1 || b != 0 {
		t.Fatalf("after Flush: eu-central-1 %d calls, us-east-1 %d", a, b)
	}
	if hubs["eu-central-1"].Finding("c").Workflow != types.WorkflowStatusNew {
		t.Error("another group was sent")
	}
	f.Close()
	if a, b := updateCalls(hubs["eu-central-1"]), updateCalls(hubs["us-east-1"]); a != 2 || b != 1 {
		t.Errorf("after Close: eu-central-1 %d calls, us-east-1 %d", a, b)
	}
}

// TestFlusherGroupsByStatusAndNote: findings of one group share a call
// only with the same status and shared note; without a shared note, only
// with the same note.
func TestFlusherGroupsByStatusAndNote(t *testing.T) {
	h := fake.NewSecurityHub("eu-central-1")
	f := &Flusher{Hub: func(string) API { return h }}
	add := func(u Update) {
		h.Import(genuine(u.ID))
		f.Add("eu-central-1", u, func(err error) {
			if err != nil {
				t.Error(err)
			}
		})
	}
	add(resolved("a", "5.3"))
	add(resolved("b", "5.3"))
	notified := resolved("c", "5.3")
	notified.Status, notified.Shared = types.WorkflowStatusNotified, "cisguard, CIS 5.3: a person must act"
	add(notified)
	add(Update{ID: "d", ProductARN: product, Status: types.WorkflowStatusResolved, Note: "n1"})
	add(Update{ID: "e", ProductARN: product, Status: types.WorkflowStatusResolved, Note: "n1"})
	add(Update{ID: "f", ProductARN: product, Status: types.WorkflowStatusResolved, Note: "n2"})
	f.Close()
	if n := updateCalls(h); n != 4 {
		t.Errorf("%d calls, want 4", n)
	}
	if n := h.Finding("c").Note; !strings.HasPrefix(n, "cisguard remediated c") {
		t.Errorf("a finding alone in its call has note %q", n)
	}
}
