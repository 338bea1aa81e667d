// Package memo puts a per-scan cache in front of the narrow AWS
// interfaces: every read (Describe*, Get*, List*, Head*) is sent once per
// account, region and input, however many checks make it, and concurrent
// callers of the same read wait for the one call in flight. Errors are
// kept like answers (NoSuchBucketPolicy is an answer), except a caller's
// cancelled context.
//
// A scan reads and never writes, so nothing is ever invalidated: memo
// clients are for one scan of one account, never for a remediation, whose
// verification must read live state. Writes pass through uncached (the
// scan's declaration refuses them anyway). Answers are shared between
// callers: read them, never change them.
package memo

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/perms"
)

// Store holds the answers of one account's scan, for every region.
type Store struct {
	mu      sync.Mutex
	entries map[string]*entry
	clients map[string]*Clients
}

type entry struct {
	done chan struct{}
	out  any
	err  error
}

// New returns a store and the memo clients wrapping c.
func New(c awsapi.Clients) *Clients {
	s := &Store{entries: map[string]*entry{}, clients: map[string]*Clients{}}
	return s.wrap(c)
}

func (s *Store) wrap(c awsapi.Clients) *Clients {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.clients[c.Region()]; ok {
		return m
	}
	m := &Clients{Clients: c, store: s}
	s.clients[c.Region()] = m
	return m
}

// Value returns the value computed by f under key, computing it once per
// store: checks share what they derive from several reads (a parsed
// credential report). A failure is kept too, unless the caller's context
// ended.
func (s *Store) Value(ctx context.Context, key string, f func() (any, error)) (any, error) {
	s.mu.Lock()
	e, ok := s.entries[key]
	if ok {
		s.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if isCancel(e.err) && ctx.Err() == nil {
			return s.Value(ctx, key, f) // the first caller gave up; try again
		}
		return e.out, e.err
	}
	e = &entry{done: make(chan struct{})}
	s.entries[key] = e
	s.mu.Unlock()
	e.out, e.err = f()
	if isCancel(e.err) {
		s.mu.Lock()
		delete(s.entries, key)
		s.mu.Unlock()
	}
	close(e.done)
	return e.out, e.err
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Len returns how many answers the store holds.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Memoizer is implemented by clients that can share derived values within
// a scan (see Store.Value); controls use it when it is there.
type Memoizer interface {
	Value(ctx context.Context, key string, f func() (any, error)) (any, error)
}

// Clients are the memo clients of one account and region.
type Clients struct {
	awsapi.Clients
	store *Store
}

var (
	_ awsapi.Clients = (*Clients)(nil)
	_ Memoizer       = (*Clients)(nil)
)

// Store returns the store the clients share.
func (c *Clients) Store() *Store { return c.store }

// Value computes a value once per store (see Store.Value).
func (c *Clients) Value(ctx context.Context, key string, f func() (any, error)) (any, error) {
	return c.store.Value(ctx, key, f)
}

// In returns the memo clients of the same account in another region,
// sharing the store.
func (c *Clients) In(region string) (awsapi.Clients, error) {
	if region == c.Region() {
		return c, nil
	}
	inner, err := c.Clients.In(region)
	if err != nil {
		return nil, err
	}
	return c.store.wrap(inner), nil
}

// svc names a service of one region for cache keys and declarations.
type svc struct {
	store   *Store
	region  string
	service string // the SDK's service id, as perms knows it
}

func (c *Clients) svc(service string) svc {
	return svc{store: c.store, region: c.Region(), service: service}
}

// read answers a read from the store, calling AWS the first time. The
// caller's declaration is checked even when the answer is kept, so a
// check that did not declare a read fails as it would without the cache.
func read[I, O, Opt any](ctx context.Context, s svc, op string, in *I, opts []Opt, call func(context.Context, *I, ...Opt) (*O, error)) (*O, error) {
	if err := perms.Check(ctx, s.service, op); err != nil {
		return nil, err
	}
	key, err := json.Marshal(in)
	if err != nil {
		return call(ctx, in, opts...)
	}
	v, err := s.store.Value(ctx, s.region+"\x00"+s.service+"\x00"+op+"\x00"+string(key), func() (any, error) {
		return call(ctx, in, opts...)
	})
	out, _ := v.(*O)
	return out, err
}
