package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Formats are the renderings Write knows.
var Formats = []string{"table", "json", "csv", "asff", "html"}

// Write renders the report in a format.
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case "table":
		return Table(w, r)
	case "json":
		return JSON(w, r)
	case "csv":
		return CSV(w, r)
	case "asff":
		return ASFFJSON(w, r)
	case "html":
		return HTML(w, r)
	}
	return fmt.Errorf("output %q: want one of %s", format, strings.Join(Formats, ", "))
}

// JSON writes {"results": [...], "summary": {...}}.
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if r.Results == nil {
		r.Results = []Result{}
	}
	return enc.Encode(r)
}

// CSV writes one line per result under a header.
func CSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"cis", "account", "region", "resource", "status", "reason"})
	for _, x := range r.Results {
		_ = cw.Write([]string{x.CIS, x.Account, x.Region, x.Resource, string(x.Status), x.Reason})
	}
	cw.Flush()
	return cw.Error()
}

// Table writes what a person reads on a terminal: the overall score, the
// score per section (and per account when there are several), then every
// result that needs attention, failures first.
func Table(w io.Writer, r *Report) error {
	s := r.Summary
	fmt.Fprintf(w, "CIS AWS Foundations v1.4.0: score %.1f%% (%d of %d decided results pass) in %d account(s), region(s) %s\n\n",
		s.Score, s.Pass, s.Pass+s.Fail, s.Accounts, strings.Join(s.Regions, ", "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	scores := func(head string, rows []Score) {
		fmt.Fprintf(tw, "%s\tSCORE\tPASS\tFAIL\tMANUAL\tN/A\tERROR\n", head)
		for _, x := range rows {
			fmt.Fprintf(tw, "%s\t%.1f%%\t%d\t%d\t%d\t%d\t%d\n", x.Title, x.Score, x.Pass, x.Fail, x.Manual, x.NotApplicable, x.Error)
		}
		fmt.Fprintln(tw, "\t\t\t\t\t\t")
	}
	scores("SECTION", s.Sections)
	if len(s.PerAccount) > 1 {
		scores("ACCOUNT", s.PerAccount)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	failing := r.Failing()
	if len(failing) == 0 {
		_, err := fmt.Fprintln(w, "Nothing failed.")
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tCIS\tACCOUNT\tREGION\tRESOURCE\tREASON")
	for _, x := range failing {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.Status, x.CIS, x.Account, x.Region, x.Resource, oneLine(x.Reason, 160))
	}
	return tw.Flush()
}

// oneLine keeps the first line of s, cut to n characters.
func oneLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
