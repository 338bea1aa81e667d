package hub

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// Flusher sends updates while a run goes on, so that an invocation that
// runs out of time loses no update it already earned. Updates wait in
// batches keyed by (region, status, note); a batch is sent when it holds
// MaxBatch updates, and every waiting batch is sent Delay after the first
// of them arrived, and on Close.
//
// Findings that share a status and a note share their calls. (To make N
// findings of one control and outcome cost ceil(N/100) calls, give them a
// shared note: the key is all that decides the batching.)
type Flusher struct {
	// Hub returns Security Hub in a region.
	Hub func(region string) API
	// Delay is how long an update waits for others to share its call;
	// zero or less sends each update at once, in Add.
	Delay time.Duration
	// Context is the context of the sends; it is not cancelled with the
	// run, so that earned updates still go out (see Close).
	Context context.Context

	mu      sync.Mutex
	pending map[batchKey]*batch
	order   []batchKey
	timer   *time.Timer
	sends   sync.WaitGroup
}

type batchKey struct {
	region string
	status types.WorkflowStatus
	note   string
}

type batch struct {
	updates []Update
	done    []func(error)
}

// sendTimeout bounds one send, retries included.
const sendTimeout = 30 * time.Second

// Add queues an update of a finding whose hub is in region; done is called
// once with the result of its call (nil when it was updated).
func (f *Flusher) Add(region string, u Update, done func(error)) {
	k := batchKey{region, u.Status, truncate(u.Note, MaxNote)}
	f.mu.Lock()
	if f.pending == nil {
		f.pending = map[batchKey]*batch{}
	}
	b, ok := f.pending[k]
	if !ok {
		b = &batch{}
		f.pending[k] = b
		f.order = append(f.order, k)
	}
	b.updates = append(b.updates, u)
	b.done = append(b.done, done)
	var full *batch
	if len(b.updates) == MaxBatch {
		full = b
		f.remove(k)
		f.sends.Add(1)
	} else if f.timer == nil && f.Delay > 0 {
		f.timer = time.AfterFunc(f.Delay, f.flushPending)
	}
	f.mu.Unlock()
	if full != nil {
		f.send(k.region, full)
	}
	if f.Delay <= 0 {
		f.flushPending()
	}
}

// Close sends every waiting update and waits for all sends to finish.
func (f *Flusher) Close() {
	f.flushPending()
	f.sends.Wait()
}

func (f *Flusher) flushPending() {
	f.mu.Lock()
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
	keys, batches := f.order, f.pending
	f.order, f.pending = nil, nil
	f.sends.Add(len(keys))
	f.mu.Unlock()
	for _, k := range keys {
		f.send(k.region, batches[k])
	}
}

func (f *Flusher) remove(k batchKey) {
	delete(f.pending, k)
	for i, o := range f.order {
		if o == k {
			f.order = append(f.order[:i], f.order[i+1:]...)
			break
		}
	}
}

// send makes the call of one batch; the caller has counted it in sends.
func (f *Flusher) send(region string, b *batch) {
	defer f.sends.Done()
	parent := f.Context
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), sendTimeout)
	defer cancel()
	failed := Apply(ctx, f.Hub(region), b.updates)
	for i, u := range b.updates {
		b.done[i](failed[u.ID])
	}
}
