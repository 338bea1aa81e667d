package engine

import (
	"fmt"
	"testing"

	"github.com/cisguard/cisguard/internal/finding"
)

func jobOf(account, id string, keys ...string) job {
	return job{finding: finding.Finding{ID: id, Account: account}, keys: keys}
}

// takes takes n jobs without waiting and returns their ids.
func takes(t *testing.T, s *scheduler, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		s.mu.Lock()
		q := s.queued
		s.mu.Unlock()
		if q == 0 {
			t.Fatalf("nothing left to take after %v", ids)
		}
		j, ok := s.take()
		if !ok {
			t.Fatalf("take after %v: none", ids)
		}
		ids = append(ids, j.finding.ID)
	}
	return ids
}

func find(t *testing.T, s *scheduler, jobs []job, id string) *job {
	t.Helper()
	for i := range jobs {
		if jobs[i].finding.ID == id {
			return &jobs[i]
		}
	}
	t.Fatalf("no job %s", id)
	return nil
}

// TestAccountsTakeTurns: a noisy account's findings, listed first, do not
// keep the others waiting: accounts are served in turn.
func TestAccountsTakeTurns(t *testing.T) {
	var jobs []job
	for i := range 5 {
		jobs = append(jobs, jobOf("A", fmt.Sprintf("a%d", i), fmt.Sprintf("A res%d", i)))
	}
	jobs = append(jobs, jobOf("B", "b0", "B res0"), jobOf("C", "c0", "C res0"))
	s := newScheduler(jobs, 8)
	if got := fmt.Sprint(takes(t, s, 4)); got != "[a0 b0 c0 a1]" {
		t.Errorf("order %s, want [a0 b0 c0 a1]", got)
	}
}

// TestAccountBound: no more than perAccount findings of one account at
// once; another account's finding starts meanwhile.
func TestAccountBound(t *testing.T) {
	jobs := []job{jobOf("A", "a0", "A r0"), jobOf("A", "a1", "A r1"), jobOf("A", "a2", "A r2"), jobOf("B", "b0", "B r0")}
	s := newScheduler(jobs, 2)
	if got := fmt.Sprint(takes(t, s, 3)); got != "[a0 b0 a1]" {
		t.Fatalf("order %s", got)
	}
	if j := startableJob(s, "A"); j != nil {
		t.Fatalf("a third finding of A may start: %s", j.finding.ID)
	}
	s.done(find(t, s, jobs, "a0"))
	if got := fmt.Sprint(takes(t, s, 1)); got != "[a2]" {
		t.Errorf("after a0: %s", got)
	}
}

// TestSharedKeysInOrder: findings that write the same thing run one after
// the other in input order; a later one about something else of the same
// account does not wait for them.
func TestSharedKeysInOrder(t *testing.T) {
	jobs := []job{
		jobOf("A", "policy-1.8", "A password policy"),
		jobOf("A", "policy-1.9", "A password policy"),
		jobOf("A", "bucket", "A bucket"),
		jobOf("A", "both", "A bucket", "A password policy"),
	}
	s := newScheduler(jobs, 8)
	if got := fmt.Sprint(takes(t, s, 2)); got != "[policy-1.8 bucket]" {
		t.Fatalf("order %s, want the bucket beside the first password policy finding", got)
	}
	if j := startableJob(s, "A"); j != nil {
		t.Fatalf("%s may start while the password policy is being written", j.finding.ID)
	}
	s.done(find(t, s, jobs, "bucket"))
	if j := startableJob(s, "A"); j != nil {
		t.Fatalf("%s may start before policy-1.9, which came first", j.finding.ID)
	}
	s.done(find(t, s, jobs, "policy-1.8"))
	if got := fmt.Sprint(takes(t, s, 1)); got != "[policy-1.9]" {
		t.Fatalf("after policy-1.8: %s", got)
	}
	s.done(find(t, s, jobs, "policy-1.9"))
	if got := fmt.Sprint(takes(t, s, 1)); got != "[both]" {
		t.Fatalf("last: %s", got)
	}
	s.done(find(t, s, jobs, "both"))
	if _, ok := s.take(); ok {
		t.Error("a job left after all were taken")
	}
}

// startableJob returns the job take would start next for an account, or nil.
func startableJob(s *scheduler, account string) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[account] >= s.perAccount {
		return nil
	}
	if k := s.startable(account); k >= 0 {
		return s.queues[account][k]
	}
	return nil
}
