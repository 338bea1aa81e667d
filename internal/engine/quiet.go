package engine

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
)

// repeatLines is how many records saying the same thing Quiet passes.
const repeatLines = 5

// Quiet returns a logger that passes every record but the repeats of
// failures and skips: of the warnings, errors and "skipped" or "failed"
// records that say the same thing about different findings (the same
// message, and the same reason or error once ids and numbers are set
// aside), only the first few are written, and done writes one record per
// such kind with how many more there were. A batch of thousands of
// findings that fail alike (a malformed 20 MB event, an account without
// the member role) writes a few lines and a count, not a wall of
// identical errors; every finding that was changed or notified keeps its
// own record.
func Quiet(log *slog.Logger) (quiet *slog.Logger, done func()) {
	h := &quietHandler{next: log.Handler(), state: &quietState{seen: map[string]*repeat{}}}
	return slog.New(h), func() { h.state.summarize(log) }
}

type quietHandler struct {
	next  slog.Handler
	state *quietState
}

type quietState struct {
	mu    sync.Mutex
	seen  map[string]*repeat
	order []string
}

type repeat struct {
	level        slog.Level
	message, why string
	n            int
}

func (h *quietHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &quietHandler{next: h.next.WithAttrs(as), state: h.state}
}

func (h *quietHandler) WithGroup(name string) slog.Handler {
	return &quietHandler{next: h.next.WithGroup(name), state: h.state}
}

func (h *quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn && r.Message != Skipped && r.Message != Failed {
		return h.next.Handle(ctx, r)
	}
	var why string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" || a.Key == "error" {
			why = a.Value.String()
			return false
		}
		return true
	})
	if why != "" && !h.state.pass(r.Level, r.Message, why) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// ids are what differs between findings that say the same thing: UUIDs,
// account ids, indexes.
var ids = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9]+`)

// pass counts a record and reports whether it is among the first few of
// its kind.
func (s *quietState) pass(level slog.Level, message, why string) bool {
	k := fmt.Sprint(level, message, ids.ReplaceAllString(why, "#"))
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.seen[k]
	if !ok {
		r = &repeat{level: level, message: message, why: why}
		s.seen[k] = r
		s.order = append(s.order, k)
	}
	r.n++
	return r.n <= repeatLines
}

func (s *quietState) summarize(log *slog.Logger) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.order {
		if r := s.seen[k]; r.n > repeatLines {
			log.Log(context.Background(), r.level, fmt.Sprintf("%s: %d more like the above, not logged one by one", r.message, r.n-repeatLines),
				"like", r.why, "more", r.n-repeatLines)
		}
	}
}
