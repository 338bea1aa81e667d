package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decode decodes a YAML node into v (a pointer to a struct with yaml
// tags), strictly: an unknown key is an error that suggests the closest
// known one, and a value of the wrong kind says what was expected. Every
// error names the key path (prefix + key) and the line in the file, and
// none names a Go type. lines, when not nil, receives the line of every
// key path decoded.
func Decode(n *yaml.Node, v any, prefix string, lines map[string]int) error {
	d := decoder{lines: lines}
	d.value(n, reflect.ValueOf(v).Elem(), prefix)
	return errors.Join(d.errs...)
}

type decoder struct {
	errs  []error
	lines map[string]int
}

func (d *decoder) fail(path string, n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, fmt.Errorf("%s (line %d): %s", path, n.Line, fmt.Sprintf(format, args...)))
}

var nodeType = reflect.TypeOf(yaml.Node{})

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if d.lines != nil && path != "" {
		d.lines[path] = n.Line
	}
	if v.Type() == nodeType {
		v.Set(reflect.ValueOf(*n))
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value keeps the default
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, v.Elem(), path)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.fail(path, n, "want a mapping of settings, got %s", describe(n))
			return
		}
		fields := structFields(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			idx, ok := fields[k.Value]
			p := join(path, k.Value)
			if !ok {
				msg := "unknown setting"
				if s := closest(k.Value, keysOf(fields)); s != "" {
					msg += "; did you mean " + s + "?"
				} else {
					msg += "; valid settings: " + strings.Join(keysOf(fields), ", ")
				}
				d.fail(p, k, "%s", msg)
				continue
			}
			d.value(val, v.FieldByIndex(idx), p)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fail(path, n, "want a mapping, got %s", describe(n))
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			e := reflect.New(v.Type().Elem()).Elem()
			d.value(val, e, join(path, k.Value))
			v.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(path, n, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	default:
		if n.Kind != yaml.ScalarNode {
			d.fail(path, n, "want %s, got %s", want(v.Kind()), describe(n))
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.fail(path, n, "want %s, got %q", want(v.Kind()), n.Value)
		}
	}
}

// structFields maps the yaml keys of a struct to field indexes, following
// inlined structs.
func structFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			idx := append(append([]int(nil), index...), i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if strings.Contains(opts, "inline") {
				walk(f.Type, idx)
				continue
			}
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			out[name] = idx
		}
	}
	walk(t, nil)
	return out
}

// Keys lists the keys a struct (or pointer to one) accepts, in field order.
func Keys(v any) []string {
	if v == nil {
		return nil
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return keysOf(structFields(t))
}

func keysOf(fields map[string][]int) []string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	// Field order reads better than alphabetical in a message.
	slices.SortFunc(keys, func(a, b string) int { return slices.Compare(fields[a], fields[b]) })
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// describe names what a node holds, for "want X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// want says in words what a value of kind k must be.
func want(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "text"
	}
	return "a value"
}

// closest returns the known key nearest to key, ignoring case, or "" when
// none is near enough to be a typo: a small edit distance, or one is the
// start of the other ("topic" → "topicArn"). Ties go to the longer common
// start ("5.11" → "5.1", not "1.11").
func closest(key string, known []string) string {
	key = strings.ToLower(key)
	best, bestDist, bestPrefix := "", len(key)/3+2, -1
	for _, k := range known {
		lk := strings.ToLower(k)
		d := distance(key, lk)
		if len(key) >= 3 && (strings.HasPrefix(lk, key) || strings.HasPrefix(key, lk)) {
			d = min(d, 1)
		}
		p := commonPrefix(key, lk)
		if d < bestDist || (d == bestDist && best != "" && p > bestPrefix) {
			best, bestDist, bestPrefix = k, d, p
		}
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Closest returns the value of known nearest to s (a typo's likely
// intent), or "" when none is near enough; see closest.
func Closest(s string, known []string) string { return closest(s, known) }
