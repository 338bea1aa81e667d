package report

import (
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"time"

	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/controls"
)

var (
	//go:embed html/report.html.tmpl
	pageSource string
	//go:embed html/report.css
	pageCSS string
	//go:embed html/report.js
	pageJS string

	page = template.Must(template.New("report").Funcs(template.FuncMap{
		// score shows a score, or a dash where nothing was decided.
		"score": func(c Counts) string {
			if c.Pass+c.Fail == 0 {
				return "–"
			}
			return fmt.Sprintf("%.1f%%", c.Score)
		},
		"add": func(a, b int) int { return a + b },
		"scores": func(id, caption, head, filter string, rows []Score) scoreTable {
			return scoreTable{ID: id, Caption: caption, Head: head, Filter: filter, Rows: rows}
		},
	}).Parse(pageSource))
)

// HTML writes the report as one self-contained page: the scores on the
// page itself (readable without JavaScript, printable), the results as
// JSON in a script element that the page's own script turns into a table
// to filter and sort. Nothing is fetched: the styles and the script are
// inline, and the page's Content-Security-Policy allows no request and no
// script but its own (by hash), so a resource name that is markup stays
// text even if it ever reached the page unescaped.
func HTML(w io.Writer, r *Report) error {
	s := r.Summary
	p := htmlPage{
		Summary:   s,
		Accounts:  slices.Clone(s.PerAccount),
		Statuses:  statusCounts(s.Counts),
		CSS:       template.CSS(pageCSS),
		JS:        template.JS(pageJS),
		ScriptSrc: "'sha256-" + hashOf(pageJS) + "'",
		StyleSrc:  "'sha256-" + hashOf(pageCSS) + "'",
		Data:      pageData{Results: make([]pageResult, len(r.Results)), Titles: map[string]string{}},
	}
	if !s.Started.IsZero() {
		p.Started = s.Started.UTC().Format(time.RFC3339)
	}
	// Accounts worst first: the table is where a person looks for whom to call.
	slices.SortStableFunc(p.Accounts, func(a, b Score) int {
		return cmp.Or(cmp.Compare(a.Score, b.Score), cmp.Compare(b.Fail+b.Error, a.Fail+a.Error), cmp.Compare(a.ID, b.ID))
	})
	for i, x := range r.Results {
		p.Data.Results[i] = pageResult{Status: x.Status, CIS: x.CIS, Account: x.Account, Region: x.Region, Resource: x.Resource,
			Reason: x.Reason, Remediation: x.Remediation, Left: x.Left}
		if _, ok := p.Data.Titles[x.CIS]; !ok {
			p.Data.Titles[x.CIS] = title(x.CIS)
		}
	}
	return page.Execute(w, p)
}

type htmlPage struct {
	Summary   Summary
	Started   string
	Accounts  []Score
	Statuses  []statusCount
	CSS       template.CSS
	JS        template.JS
	ScriptSrc string
	StyleSrc  string
	Data      pageData
}

// scoreTable is a table of scores (per section, per account); Filter
// names the results filter its rows set.
type scoreTable struct {
	ID, Caption, Head, Filter string
	Rows                      []Score
}

// pageData is what the page's script reads: the results in report order
// and the title of each recommendation they name.
type pageData struct {
	Results []pageResult      `json:"results"`
	Titles  map[string]string `json:"titles"`
}

type pageResult struct {
	Status      Status   `json:"s"`
	CIS         string   `json:"c"`
	Account     string   `json:"a"`
	Region      string   `json:"r"`
	Resource    string   `json:"id"`
	Reason      string   `json:"why"`
	Remediation []string `json:"fix,omitempty"`
	Left        []string `json:"left,omitempty"`
}

type statusCount struct {
	Status Status
	Label  string
	Count  int
}

// statusCounts lists the statuses failures first, as the page shows them.
func statusCounts(c Counts) []statusCount {
	n := map[Status]int{controls.Fail: c.Fail, controls.Error: c.Error, controls.Manual: c.Manual, controls.Pass: c.Pass, controls.NotApplicable: c.NotApplicable}
	var out []statusCount
	for _, s := range controls.Statuses {
		out = append(out, statusCount{Status: s, Label: statusLabel(s), Count: n[s]})
	}
	return out
}

func statusLabel(s Status) string {
	if s == controls.NotApplicable {
		return "N/A"
	}
	return string(s)
}

// title is a recommendation's (or a part's) title.
func title(id string) string {
	r, ok := catalog.Lookup(id)
	if !ok {
		return ""
	}
	for _, p := range r.Parts {
		if p.ID == id {
			return p.Title
		}
	}
	return r.Title
}

func hashOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(h[:])
}
