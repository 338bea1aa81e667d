package engine

import (
	"slices"
	"sync"
)

// scheduler hands the jobs of a run to its workers:
//
//   - at most perAccount jobs of one account run at once;
//   - accounts take turns: a free worker takes a job of the next account
//     in rotation that has one it may start, so an account with a
//     thousand findings cannot starve one with a single finding;
//   - two jobs with a key in common (the resource they fix, a singleton
//     their control writes) never run at once, and start in input order;
//     jobs of one account without a common key run side by side.
type scheduler struct {
	perAccount int

	mu       sync.Mutex
	wake     *sync.Cond
	queues   map[string][]*job // by account, in input order
	accounts []string          // in rotation order
	turn     int               // index in accounts of the next account to serve
	running  map[string]int    // by account
	held     map[string]bool   // keys of running jobs
	queued   int
}

func newScheduler(jobs []job, perAccount int) *scheduler {
	s := &scheduler{perAccount: perAccount, queues: map[string][]*job{}, running: map[string]int{}, held: map[string]bool{}}
	s.wake = sync.NewCond(&s.mu)
	for i := range jobs {
		a := jobs[i].finding.Account
		if _, ok := s.queues[a]; !ok {
			s.accounts = append(s.accounts, a)
		}
		s.queues[a] = append(s.queues[a], &jobs[i])
		s.queued++
	}
	return s
}

// take returns the next job to start, waiting while every queued job must
// wait for a running one; false when no job is left to start.
func (s *scheduler) take() (*job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.queued > 0 {
		n := len(s.accounts)
		for i := range n {
			a := s.accounts[(s.turn+i)%n]
			if s.running[a] >= s.perAccount {
				continue
			}
			k := s.startable(a)
			if k < 0 {
				continue
			}
			j := s.queues[a][k]
			s.queues[a] = slices.Delete(s.queues[a], k, k+1)
			s.queued--
			s.running[a]++
			for _, key := range j.keys {
				s.held[key] = true
			}
			s.turn = (s.turn + i + 1) % n
			if s.queued == 0 {
				s.wake.Broadcast() // idle workers may stop
			}
			return j, true
		}
		s.wake.Wait()
	}
	return nil, false
}

// startable returns the index in an account's queue of its first job whose
// keys are neither held by a running job nor wanted by an earlier queued
// one, or -1.
func (s *scheduler) startable(account string) int {
	var wanted map[string]bool
	for i, j := range s.queues[account] {
		free := true
		for _, k := range j.keys {
			if s.held[k] || wanted[k] {
				free = false
			}
		}
		if free {
			return i
		}
		if wanted == nil {
			wanted = map[string]bool{}
		}
		for _, k := range j.keys {
			wanted[k] = true
		}
	}
	return -1
}

// done releases a job taken with take.
func (s *scheduler) done(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running[j.finding.Account]--
	for _, k := range j.keys {
		delete(s.held, k)
	}
	s.wake.Broadcast()
}
