package hub

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// Flusher sends updates while a run goes on. Updates wait in batches keyed
// by (region, group, status, note), where the note is the update's Shared
// note when it has one: findings of one control and outcome share a batch
// however their own notes differ. A batch is sent
//
//   - as soon as it holds MaxBatch updates,
//   - when Flush says its group has no more findings to come,
//   - on Close;
//
// so N findings of one control and outcome cost ceil(N/MaxBatch) calls per
// region. A batch of one update sends that finding's own Note; a larger
// batch sends the Shared note, naming the control and outcome (each
// finding's detail stays in its notification and in the log).
type Flusher struct {
	// Hub returns Security Hub in a region.
	Hub func(region string) API
	// Context is the context of the sends. Its cancellation does not stop
	// them, so that earned updates still go out (see Close); its deadline
	// bounds them.
	Context context.Context

	mu      sync.Mutex
	pending map[batchKey]*batch
	order   []batchKey
	sends   sync.WaitGroup
}

type batchKey struct {
	region, group string
	status        types.WorkflowStatus
	note          string
}

type batch struct {
	region  string
	updates []Update
	done    []func(error)
}

// sendTimeout bounds one send, retries included.
const sendTimeout = 30 * time.Second

// Add queues an update of a finding whose hub is in region; done is called
// once with the result of its call (nil when it was updated).
func (f *Flusher) Add(region string, u Update, done func(error)) {
	note := u.Note
	if u.Shared != "" {
		note = u.Shared
	}
	k := batchKey{region, u.Group, u.Status, Truncate(note, MaxNote)}
	f.mu.Lock()
	if f.pending == nil {
		f.pending = map[batchKey]*batch{}
	}
	b, ok := f.pending[k]
	if !ok {
		b = &batch{region: region}
		f.pending[k] = b
		f.order = append(f.order, k)
	}
	b.updates = append(b.updates, u)
	b.done = append(b.done, done)
	var full []*batch
	if len(b.updates) == MaxBatch {
		full = f.take(func(o batchKey) bool { return o == k })
	}
	f.mu.Unlock()
	f.send(full)
}

// Flush sends the waiting updates of a group in a region: the caller
// knows no more findings of the group will be added.
func (f *Flusher) Flush(region, group string) {
	f.mu.Lock()
	bs := f.take(func(k batchKey) bool { return k.region == region && k.group == group })
	f.mu.Unlock()
	f.send(bs)
}

// Close sends every waiting update and waits for all sends to finish.
func (f *Flusher) Close() {
	f.mu.Lock()
	bs := f.take(func(batchKey) bool { return true })
	f.mu.Unlock()
	f.send(bs)
	f.sends.Wait()
}

// take removes the waiting batches whose key matches and counts them as
// sends. The caller holds f.mu.
func (f *Flusher) take(match func(batchKey) bool) []*batch {
	var out []*batch
	kept := f.order[:0]
	for _, k := range f.order {
		if !match(k) {
			kept = append(kept, k)
			continue
		}
		b := f.pending[k]
		delete(f.pending, k)
		out = append(out, b)
	}
	f.order = kept
	f.sends.Add(len(out))
	return out
}

// send makes the calls of batches counted in sends.
func (f *Flusher) send(bs []*batch) {
	for _, b := range bs {
		f.sendOne(b)
	}
}

func (f *Flusher) sendOne(b *batch) {
	defer f.sends.Done()
	ctx, cancel := f.sendContext()
	defer cancel()
	updates := b.updates
	if len(updates) > 1 && updates[0].Shared != "" {
		updates = make([]Update, len(b.updates))
		for i, u := range b.updates {
			u.Note = u.Shared
			updates[i] = u
		}
	}
	failed := Apply(ctx, f.Hub(b.region), updates)
	for i, u := range b.updates {
		b.done[i](failed[u.ID])
	}
}

// sendContext is not cancelled with the run, ends with the run's deadline
// if it has one, and after sendTimeout otherwise.
func (f *Flusher) sendContext() (context.Context, context.CancelFunc) {
	parent := f.Context
	if parent == nil {
		parent = context.Background()
	}
	d := time.Now().Add(sendTimeout)
	if pd, ok := parent.Deadline(); ok && pd.Before(d) {
		d = pd
	}
	return context.WithDeadline(context.WithoutCancel(parent), d)
}
