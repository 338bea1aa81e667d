// Package fake holds stateful stand-ins for the AWS services in package
// awsapi. A fake keeps real state (a security group really holds its rules
// and really loses them when revoked), enforces the rules AWS enforces that
// matter to cisguard (revoking a rule that does not exist fails, a list
// returns pages, a bucket is reached only in its region), records every
// call and refuses operations the running control did not declare.
package fake

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cisguard/cisguard/internal/perms"
)

// Call is one recorded API call.
type Call struct {
	Service, Operation, Region string
	// Action is the IAM action that authorizes the call.
	Action string
	// Owner is who declared the permission (a control id), if anyone.
	Owner string
}

// Write reports whether the call changes state.
func (c Call) Write() bool {
	if c.Operation == "GenerateCredentialReport" {
		return false // starts a report of what exists; IAM's access level is Read
	}
	for _, p := range []string{"Describe", "Get", "List", "Head"} {
		if strings.HasPrefix(c.Operation, p) {
			return false
		}
	}
	return true
}

func (c Call) String() string { return c.Service + "/" + c.Operation }

// Log records calls in order and injects errors. Its methods are safe for
// concurrent use.
type Log struct {
	// Latency is added to every call, to measure the engine's wall time
	// as AWS's round trips shape it.
	Latency time.Duration

	mu       sync.Mutex
	calls    []Call
	failures map[string][]error
	hooks    map[string][]func()
}

// Calls returns the calls recorded so far.
func (l *Log) Calls() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Call(nil), l.calls...)
}

// Counts returns how many reads and writes were recorded.
func (l *Log) Counts() (reads, writes int) {
	for _, c := range l.Calls() {
		if c.Write() {
			writes++
		} else {
			reads++
		}
	}
	return reads, writes
}

// Reset forgets the recorded calls.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = nil
}

// Fail makes the next calls of service/operation ("EC2/DeleteNetworkAclEntry")
// return errs, one per call, before the fake's own behaviour resumes.
func (l *Log) Fail(op string, errs ...error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures == nil {
		l.failures = map[string][]error{}
	}
	l.failures[op] = append(l.failures[op], errs...)
}

// Before makes fn run before the next call of service/operation
// ("IAM/UpdateAccountPasswordPolicy"), once, outside the account's lock:
// fn may block while other callers use the account. Tests interleave two
// remediations with it (see Pause).
func (l *Log) Before(op string, fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hooks == nil {
		l.hooks = map[string][]func(){}
	}
	l.hooks[op] = append(l.hooks[op], fn)
}

// Pause holds a call until released: two remediations of one account,
// paused between one's reads and its write, run as two processes would.
type Pause struct{ held, release chan struct{} }

// Pause holds the next call of service/operation until Release.
func (l *Log) Pause(op string) *Pause {
	p := &Pause{held: make(chan struct{}), release: make(chan struct{})}
	l.Before(op, func() {
		close(p.held)
		<-p.release
	})
	return p
}

// Held is closed when the paused call has arrived.
func (p *Pause) Held() <-chan struct{} { return p.held }

// Release lets the paused call proceed.
func (p *Pause) Release() { close(p.release) }

// record checks the call against the declared permissions, runs the hook
// set with Before, records the call and returns an injected failure, if
// any.
func (l *Log) record(ctx context.Context, service, region, op string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := perms.Check(ctx, service, op); err != nil {
		return err
	}
	key := service + "/" + op
	l.mu.Lock()
	var hook func()
	if hs := l.hooks[key]; len(hs) > 0 {
		hook, l.hooks[key] = hs[0], hs[1:]
	}
	l.mu.Unlock()
	if hook != nil {
		hook()
	}
	if l.Latency > 0 {
		time.Sleep(l.Latency)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	c := Call{Service: service, Operation: op, Region: region, Action: perms.Action(service, op), Owner: perms.Owner(ctx)}
	l.calls = append(l.calls, c)
	if errs := l.failures[key]; len(errs) > 0 {
		l.failures[key] = errs[1:]
		return errs[0]
	}
	return nil
}

// APIError builds an error in the shape the SDK returns for AWS faults.
func APIError(code, format string, args ...any) error {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}

// withHeader wraps err as the SDK delivers an error response: with its
// HTTP status and a response header that callers may read.
func withHeader(err error, status int, key, value string) error {
	h := http.Header{}
	h.Set(key, value)
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: h}}, Err: err}}
}

// Throttled is the error AWS returns when a caller exceeds its rate. The
// SDK's retryer retries it; a fake returning it stands for the error that
// reaches cisguard once those retries are spent.
func Throttled() error { return APIError("Throttling", "Rate exceeded") }

// ServerError is the error AWS returns when it fails inside (HTTP 500),
// which the SDK's retryer retries like Throttled.
func ServerError() error {
	return &serverError{GenericAPIError: smithy.GenericAPIError{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Fault: smithy.FaultServer}}
}

type serverError struct{ smithy.GenericAPIError }

// HTTPStatusCode is what the SDK's retryer reads to classify the error.
func (e *serverError) HTTPStatusCode() int { return 500 }

// page returns one page of items starting at the position encoded in token,
// as AWS list operations do: at most max items (def when max is 0) and a
// token for the rest, nil on the last page. A token that was not issued is
// an error.
func page[T any](items []T, token *string, max int32, def int) ([]T, *string, error) {
	start := 0
	if token != nil && *token != "" {
		if _, err := fmt.Sscanf(*token, "page-%d", &start); err != nil || start < 0 || start > len(items) {
			return nil, nil, APIError("InvalidParameterValue", "invalid pagination token %q", *token)
		}
	}
	n := def
	if max > 0 {
		n = int(max)
	}
	end := min(start+n, len(items))
	var next *string
	if end < len(items) {
		s := fmt.Sprintf("page-%d", end)
		next = &s
	}
	return items[start:end], next, nil
}
