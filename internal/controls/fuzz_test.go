package controls

import (
	"testing"
)

// FuzzPattern: parsing a metric filter pattern never panics, and the
// canonical form is a fixed point — it parses back to itself and means
// the same as the input. The seeds are the CIS patterns.
func FuzzPattern(f *testing.F) {
	for _, m := range metricChecks {
		f.Add(m.pattern)
	}
	f.Add(`{ ($.a = "x") || ($.b != y) && ($.c NOT EXISTS) }`)
	f.Add(`{ ((($.a = 1))) }`)
	f.Add(`{ $.a = "unterminated }`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parsePattern(s)
		if err != nil {
			return
		}
		canon := "{ " + e.String() + " }"
		e2, err := parsePattern(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if e2.String() != e.String() {
			t.Fatalf("canonical form is not stable: %q → %q", e.String(), e2.String())
		}
		if !samePattern(s, canon) || !samePattern(s, s) {
			t.Fatalf("%q and its canonical form %q compare different", s, canon)
		}
	})
}

// FuzzNarrow: for any rule, the narrowed rules admit no admin port, and
// together with the admin ports they cover every TCP/UDP port the rule
// allowed — nothing else is lost, nothing admin is kept.
func FuzzNarrow(f *testing.F) {
	f.Add("-1", int32(0), int32(0), "0.0.0.0/0")
	f.Add("6", int32(0), int32(65535), "::/0")
	f.Add("17", int32(22), int32(22), "0.0.0.0/0")
	f.Add("6", int32(20), int32(3390), "10.0.0.0/8")
	f.Add("6", int32(3389), int32(3389), "0.0.0.0/0")
	f.Add("1", int32(-1), int32(-1), "0.0.0.0/0")
	f.Fuzz(func(t *testing.T, proto string, from, to int32, cidr string) {
		proto = protoNumber(proto)
		if from < 0 || to > 65535 || from > to {
			if proto == protoTCP || proto == protoUDP {
				return // EC2 refuses such ranges
			}
		}
		r := rule{proto: proto, ports: portRange{from, to}, cidr: cidr}
		out := r.narrowed()
		for _, n := range out {
			if openToAdmin(n.proto, n.ports) {
				t.Fatalf("%v narrowed to %v, which admits an admin port", r, n)
			}
			if n.cidr != r.cidr {
				t.Fatalf("%v narrowed to another source: %v", r, n)
			}
		}
		if !openToAdmin(r.proto, r.ports) {
			if len(out) != 1 || out[0] != r {
				t.Fatalf("%v admits no admin port but was changed to %v", r, out)
			}
			return
		}
		// Every TCP/UDP port the rule allowed is still allowed, or is an
		// admin port.
		protos := []string{r.proto}
		ports := r.ports
		if r.proto == protoAll {
			protos, ports = []string{protoTCP, protoUDP}, allPorts
		}
		for _, p := range protos {
			for _, port := range []int32{ports.from, ports.to, (ports.from + ports.to) / 2, 21, 23, 3388, 3390} {
				if port < ports.from || port > ports.to || port == 22 || port == 3389 {
					continue
				}
				kept := false
				for _, n := range out {
					if n.proto == p && n.ports.from <= port && port <= n.ports.to {
						kept = true
					}
				}
				if !kept {
					t.Fatalf("%v narrowed to %v loses %s port %d", r, out, protoName(p), port)
				}
			}
		}
	})
}
