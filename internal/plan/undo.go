package plan

// Undo: every applied action records what it replaced, so that a later
// process can put it back from the JSON result alone.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Prior is what an action replaced, as data: the kind of change, the
// resource, the state before and the state cisguard left. A revert looks
// Kind up among the Undoers, checks that the resource still holds Set and
// only then restores Was. Actions fill it from the live read their plan
// already made (or, when an action reads again before writing, from that
// read), never from a guess.
type Prior struct {
	// Kind names the change and the Undoer that reverts it
	// ("ec2:security-group-rules-revoked").
	Kind string `json:"kind"`
	// Resource is what was changed: an id, a name or an ARN.
	Resource string `json:"resource"`
	// Was is the replaced state; JSON null when there was none (no
	// policy, no entry).
	Was json.RawMessage `json:"was"`
	// Set is what cisguard left; JSON null when it removed the thing.
	Set json.RawMessage `json:"set,omitempty"`
	// Kept says why a revert leaves this change as it is, by design (a
	// KMS key cisguard created is never deleted).
	Kept string `json:"kept,omitempty"`
	// Lost says why the prior state cannot be restored (a deleted console
	// password cannot come back).
	Lost string `json:"lost,omitempty"`
	// At is when the action was applied: a revert undoes the newest first.
	At time.Time `json:"at"`
}

// Replaced returns the record of a change from was to set (nil for none).
func Replaced(kind, resource string, was, set any) *Prior {
	return &Prior{Kind: kind, Resource: resource, Was: mustJSON(was), Set: mustJSON(set)}
}

// Keep returns the record of a change a revert leaves in place, and why.
func Keep(kind, resource, why string, set any) *Prior {
	return &Prior{Kind: kind, Resource: resource, Was: mustJSON(nil), Set: mustJSON(set), Kept: why}
}

// Lose returns the record of a change that cannot be undone, and why.
func Lose(kind, resource, why string, was any) *Prior {
	return &Prior{Kind: kind, Resource: resource, Was: mustJSON(was), Set: mustJSON(nil), Lost: why}
}

// Update replaces the recorded states: for an action that reads the
// resource again just before it writes. was and set are marshalled now.
func (p *Prior) Update(was, set any) { p.Was, p.Set = mustJSON(was), mustJSON(set) }

// Unchanged is the kind of the record of an action that found its change
// made already (by another process) and changed nothing: a revert has
// nothing to restore.
const Unchanged = "unchanged"

// Drop marks the record as changing nothing: the action found its change
// made already.
func (p *Prior) Drop() { *p = Prior{Kind: Unchanged, Resource: p.Resource, Was: mustJSON(nil)} }

// Decided reports whether the record alone decides its revert, without
// reading the resource: kept, lost, or nothing changed.
func (p *Prior) Decided() bool { return p.Kept != "" || p.Lost != "" || p.Kind == Unchanged }

// Decode reads the recorded states into was and set (either may be nil).
func (p *Prior) Decode(was, set any) error {
	for _, x := range []struct {
		raw json.RawMessage
		v   any
	}{{p.Was, was}, {p.Set, set}} {
		if x.v == nil || len(x.raw) == 0 {
			continue
		}
		if err := json.Unmarshal(x.raw, x.v); err != nil {
			return fmt.Errorf("record %s of %s: %w", p.Kind, p.Resource, err)
		}
	}
	return nil
}

// None reports whether a recorded state is JSON null (nothing there).
func None(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// Brief is the record in a few words, for the Security Hub note.
func (p *Prior) Brief() string {
	switch {
	case p.Kind == Unchanged:
		return ""
	case p.Lost != "":
		return p.Kind + " " + p.Resource + " (not restorable)"
	case p.Kept != "":
		return p.Kind + " " + p.Resource + " (kept on revert)"
	}
	return p.Kind + " " + p.Resource
}

// String renders the record in one line: the replaced state in full.
func (p *Prior) String() string {
	if p.Kind == Unchanged {
		return p.Resource + ": changed nothing (found done already)"
	}
	s := fmt.Sprintf("%s %s: was %s", p.Kind, p.Resource, p.Was)
	switch {
	case p.Lost != "":
		s += "; cannot be restored: " + p.Lost
	case p.Kept != "":
		s += "; kept on revert: " + p.Kept
	}
	return s
}

func mustJSON(v any) json.RawMessage {
	if raw, ok := v.(json.RawMessage); ok {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("plan: record is not JSON: %v", err)) // records are plain data
	}
	return b
}

// Undoer plans the revert of one kind of change on a target T (a member
// account's clients): it reads the live state and returns
//
//   - actions that restore Was, when the resource still holds Set;
//   - no action and a note, when Was is already back;
//   - a residual (Leave) saying what changed since, when the resource no
//     longer holds what cisguard set: a revert never overwrites a change
//     made by someone else.
type Undoer[T any] func(ctx context.Context, target T, p *Prior) (*Plan, error)

// Undoers are the revert functions of every kind of change, by Kind.
type Undoers[T any] map[string]Undoer[T]

// Plan returns the revert plan of one record. A record that is kept is
// an accepted residual, one that is lost a residual: neither calls AWS.
func (u Undoers[T]) Plan(ctx context.Context, target T, p *Prior) (*Plan, error) {
	q := &Plan{}
	switch {
	case p.Kind == Unchanged:
		q.Note("%s: the action changed nothing (it found its change made already)", p.Resource)
		return q, nil
	case p.Lost != "":
		q.Leave(fmt.Sprintf("%s of %s cannot be restored: %s", p.Kind, p.Resource, p.Lost))
		return q, nil
	case p.Kept != "":
		q.Accept(fmt.Sprintf("%s %s is kept: %s", p.Kind, p.Resource, p.Kept))
		return q, nil
	}
	undo, ok := u[p.Kind]
	if !ok {
		return nil, fmt.Errorf("no revert known for %s of %s (a result file of another cisguard version?)", p.Kind, p.Resource)
	}
	return undo(ctx, target, p)
}

// Changed returns the plan that refuses a revert because the resource no
// longer holds what cisguard set.
func Changed(p *Prior, what string) *Plan {
	q := &Plan{}
	q.Leave(fmt.Sprintf("%s of %s changed since cisguard set it (%s): not overwritten", p.Kind, p.Resource, what),
		"compare the resource with the record's was/set and restore by hand what should be restored")
	return q
}

// Records returns the records of the done actions, newest first: the
// order in which a revert must undo them.
func Records(rs []Result) []Result {
	var out []Result
	for _, r := range rs {
		if r.Done && r.Prior != nil && r.Prior.Kind != "" {
			out = append(out, r)
		}
	}
	slices.Reverse(out)
	return out
}

// Briefs joins the brief records of the done actions, a repeated one
// counted once ("ec2:network-acl-entry acl-1 ×7").
func Briefs(rs []Result) string {
	var order []string
	count := map[string]int{}
	for _, r := range rs {
		if !r.Done || r.Prior == nil || r.Prior.Kind == "" {
			continue
		}
		if b := r.Prior.Brief(); b != "" {
			if count[b] == 0 {
				order = append(order, b)
			}
			count[b]++
		}
	}
	for i, b := range order {
		if n := count[b]; n > 1 {
			order[i] = fmt.Sprintf("%s ×%d", b, n)
		}
	}
	return strings.Join(order, "; ")
}
