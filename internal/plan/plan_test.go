package plan

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestApplyStopsAtFirstFailure(t *testing.T) {
	var ran []string
	step := func(name string, err error) func(context.Context) error {
		return func(context.Context) error { ran = append(ran, name); return err }
	}
	var p Plan
	p.Add("first", step("first", nil))
	p.Add("second", step("second", errors.New("AccessDenied")))
	p.Add("third", step("third", nil))

	o := Apply(context.Background(), &p)
	if strings.Join(ran, ",") != "first,second" {
		t.Fatalf("ran %v, want first,second", ran)
	}
	if o.Err == nil || !strings.Contains(o.Err.Error(), "second: AccessDenied") {
		t.Fatalf("Err = %v", o.Err)
	}
	want := []Result{
		{Description: "first", Done: true},
		{Description: "second", Error: "AccessDenied"},
		{Description: "third", Error: "not run: an earlier action failed"},
	}
	for i, r := range o.Results {
		if r != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, r, want[i])
		}
	}
}

func TestApplyHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var p Plan
	called := false
	p.Add("x", func(context.Context) error { called = true; return nil })
	o := Apply(ctx, &p)
	if called || o.Err == nil || o.Results[0].Done {
		t.Fatalf("cancelled context: called=%v outcome=%+v", called, o)
	}
}

func TestRender(t *testing.T) {
	var p Plan
	if got := p.String(); got != "  nothing to change\n" {
		t.Errorf("empty plan renders %q", got)
	}
	p.Addf(nil, "revoke %s", "sgr-1")
	p.Note("bucket %s is gone", "b")
	if got := p.String(); got != "  1. revoke sgr-1\n  note: bucket b is gone\n" {
		t.Errorf("plan renders %q", got)
	}
	if o := Pending(&p); len(o.Results) != 1 || o.Results[0].Done {
		t.Errorf("Pending = %+v", o)
	}
}

func TestStateOrdersActionsThenResidualsThenExceptions(t *testing.T) {
	noop := func(context.Context) error { return nil }
	tests := []struct {
		name  string
		build func(p *Plan)
		want  State
	}{
		{"nothing", func(*Plan) {}, Compliant},
		{"notes only", func(p *Plan) { p.Note("bucket gone") }, Compliant},
		{"actions and a residual", func(p *Plan) { p.Add("fix", noop); p.Leave("left") }, Changes},
		{"a residual", func(p *Plan) { p.Leave("no subscriber", "subscribe someone") }, Unresolved},
		{"accepted and not", func(p *Plan) { p.Accept("excluded"); p.Leave("pending") }, Unresolved},
		{"accepted only", func(p *Plan) { p.Accept("excluded", "remove the keyword") }, Excepted},
	}
	for _, tt := range tests {
		var p Plan
		tt.build(&p)
		if got := p.State(); got != tt.want {
			t.Errorf("%s: State = %s, want %s", tt.name, got, tt.want)
		}
	}
	var nilPlan *Plan
	if nilPlan.State() != Compliant {
		t.Error("a nil plan is not compliant")
	}
	var p Plan
	p.Merge(&Plan{Residuals: []Residual{{Reason: "r"}}})
	if p.State() != Unresolved {
		t.Error("Merge dropped the residuals")
	}
	p.Accept("kept by keyword", "remove the keyword")
	if s := p.String(); !strings.Contains(s, "left: r") || !strings.Contains(s, "accepted: kept by keyword\n    - remove the keyword") {
		t.Errorf("rendered:\n%s", s)
	}
}
