package controls

// Section 4's metric filter patterns (4.1-4.15, and 1.7): a JSON pattern
// parsed to compare it with CIS's whatever its spacing, quoting,
// parentheses and term order (samePattern), or compared as text the way
// Security Hub's CloudWatch controls do (sameText).

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// samePattern reports whether two JSON metric filter patterns mean the
// same: spacing, quoting of plain values, redundant parentheses and the
// order of terms joined by the same operator do not matter. Anything that
// is not a JSON pattern compares as text.
func samePattern(a, b string) bool {
	x, errA := parsePattern(a)
	y, errB := parsePattern(b)
	if errA != nil || errB != nil {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	return x.String() == y.String()
}

// sameText reports whether two patterns are the same text once the spaces
// outside quoted values are removed: what Security Hub's CloudWatch.x
// controls accept (their documentation gives the CIS patterns with other
// spacing). Quoting, parentheses and term order must be CIS's.
func sameText(a, b string) bool { return compact(a) == compact(b) }

// compact removes the whitespace outside double-quoted strings.
func compact(s string) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && (i == 0 || s[i-1] != '\\'):
			quoted = !quoted
		case !quoted && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// patternExpr is a parsed pattern: a comparison (op "") or terms joined
// by && or ||.
type patternExpr struct {
	op    string
	terms []patternExpr
	cmp   string // canonical comparison
}

// String is the canonical form: operands sorted, values quoted.
func (e patternExpr) String() string {
	if e.op == "" {
		return e.cmp
	}
	var parts []string
	for _, t := range e.terms {
		parts = append(parts, t.String())
	}
	return "(" + strings.Join(parts, " "+e.op+" ") + ")"
}

// parsePattern parses "{ ... }". && binds tighter than ||, as in most
// languages; the same rule on both sides keeps the comparison fair.
func parsePattern(s string) (patternExpr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return patternExpr{}, err
	}
	if len(toks) < 2 || toks[0] != "{" || toks[len(toks)-1] != "}" {
		return patternExpr{}, errors.New("not a JSON pattern in braces")
	}
	p := &patternParser{toks: toks[1 : len(toks)-1]}
	e, err := p.or()
	if err != nil {
		return patternExpr{}, err
	}
	if p.i != len(p.toks) {
		return patternExpr{}, fmt.Errorf("unexpected %q", p.toks[p.i])
	}
	return e, nil
}

// tokenize splits a pattern into braces, parentheses, && and ||,
// comparison operators, quoted strings (kept with their quotes) and words.
func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.ContainsRune("{}()", rune(c)):
			toks = append(toks, string(c))
			i++
		case strings.HasPrefix(s[i:], "&&"), strings.HasPrefix(s[i:], "||"), strings.HasPrefix(s[i:], "!="), strings.HasPrefix(s[i:], "<="), strings.HasPrefix(s[i:], ">="):
			toks = append(toks, s[i:i+2])
			i += 2
		case c == '=' || c == '<' || c == '>':
			toks = append(toks, string(c))
			i++
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, errors.New("unterminated string")
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r{}()=!<>&|\"", rune(s[j])) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("unexpected %q", s[i:i+1])
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

type patternParser struct {
	toks []string
	i    int
}

func (p *patternParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *patternParser) next() string {
	t := p.peek()
	p.i++
	return t
}

func (p *patternParser) or() (patternExpr, error)  { return p.joined("||", p.and) }
func (p *patternParser) and() (patternExpr, error) { return p.joined("&&", p.unary) }

// joined parses operands separated by op and returns them flattened,
// sorted and without duplicates.
func (p *patternParser) joined(op string, operand func() (patternExpr, error)) (patternExpr, error) {
	first, err := operand()
	if err != nil {
		return patternExpr{}, err
	}
	terms := []patternExpr{first}
	for p.peek() == op {
		p.next()
		e, err := operand()
		if err != nil {
			return patternExpr{}, err
		}
		terms = append(terms, e)
	}
	if len(terms) == 1 {
		return first, nil
	}
	var flat []patternExpr
	for _, t := range terms {
		if t.op == op {
			flat = append(flat, t.terms...)
		} else {
			flat = append(flat, t)
		}
	}
	slices.SortFunc(flat, func(a, b patternExpr) int { return strings.Compare(a.String(), b.String()) })
	flat = slices.CompactFunc(flat, func(a, b patternExpr) bool { return a.String() == b.String() })
	if len(flat) == 1 {
		return flat[0], nil
	}
	return patternExpr{op: op, terms: flat}, nil
}

func (p *patternParser) unary() (patternExpr, error) {
	if p.peek() == "(" {
		p.next()
		e, err := p.or()
		if err != nil {
			return patternExpr{}, err
		}
		if p.next() != ")" {
			return patternExpr{}, errors.New("missing )")
		}
		return e, nil
	}
	sel := p.next()
	if !strings.HasPrefix(sel, "$") {
		return patternExpr{}, fmt.Errorf("expected a $ selector, got %q", sel)
	}
	switch op := p.next(); op {
	case "=", "!=", "<", ">", "<=", ">=":
		v := p.next()
		if v == "" || strings.ContainsAny(v[:1], "{}()&|=!<>") {
			return patternExpr{}, fmt.Errorf("expected a value after %s %s", sel, op)
		}
		if strings.HasPrefix(v, `"`) {
			u, err := strconv.Unquote(v)
			if err != nil {
				return patternExpr{}, fmt.Errorf("bad string %s", v)
			}
			v = u
		}
		return patternExpr{cmp: sel + " " + op + " " + strconv.Quote(v)}, nil
	case "NOT":
		if p.next() != "EXISTS" {
			return patternExpr{}, errors.New("expected NOT EXISTS")
		}
		return patternExpr{cmp: sel + " NOT EXISTS"}, nil
	case "IS":
		w := p.next()
		if w != "NULL" && w != "TRUE" && w != "FALSE" {
			return patternExpr{}, fmt.Errorf("expected NULL, TRUE or FALSE after IS, got %q", w)
		}
		return patternExpr{cmp: sel + " IS " + w}, nil
	default:
		return patternExpr{}, fmt.Errorf("expected an operator after %s, got %q", sel, op)
	}
}
