package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/catalog"
)

// jsonReport is `--output json` read back: what the page must agree with.
type jsonReport struct {
	Results []struct {
		CIS, Account, Region, Resource, Status, Reason string
	}
	Summary struct {
		Total int
		Counts
		Sections, PerAccount []Score
	}
}

func asJSON(t testing.TB, r *Report) jsonReport {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r, "json"); err != nil {
		t.Fatal(err)
	}
	var j jsonReport
	if err := json.Unmarshal(b.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	return j
}

// count returns how many results of the JSON report match.
func (j jsonReport) count(match func(cis, account, region, resource, status, reason string) bool) int {
	n := 0
	for _, x := range j.Results {
		if match(x.CIS, x.Account, x.Region, x.Resource, x.Status, x.Reason) {
			n++
		}
	}
	return n
}

// shown is what the page shows of the scores.
type shown struct {
	Total, Score string
	Statuses     map[string]string
	Sections     []shownScore
	Accounts     []shownScore
}

type shownScore struct {
	ID, Title                                     string
	Score, Pass, Fail, Manual, NotApplicable, Err string
}

const readScores = `(() => {
  const text = (el) => el ? el.textContent.trim() : null;
  const rows = (id) => Array.from(document.querySelectorAll("#" + id + " tbody tr")).map((tr) => {
    const k = (name) => text(tr.querySelector("[data-k=" + name + "]"));
    return {ID: tr.dataset.id, Title: text(tr.querySelector("th")), Score: k("score"), Pass: k("pass"), Fail: k("fail"),
      Manual: k("manual"), NotApplicable: k("notApplicable"), Err: k("error")};
  });
  const statuses = {};
  document.querySelectorAll(".chip[data-status]").forEach((b) => { statuses[b.dataset.status] = text(b.querySelector(".n")); });
  return {Total: text(document.getElementById("total")), Score: text(document.getElementById("score")), Statuses: statuses,
    Sections: rows("sections"), Accounts: rows("per-account")};
})()`

func scoreText(c Counts) string {
	if c.Pass+c.Fail == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", c.Score)
}

func wantScores(t *testing.T, what string, got []shownScore, want []Score) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: the page shows %d rows, the JSON has %d", what, len(got), len(want))
	}
	byID := map[string]shownScore{}
	for _, g := range got {
		byID[g.ID] = g
	}
	for _, w := range want {
		g, ok := byID[w.ID]
		if !ok {
			t.Errorf("%s %s: not on the page", what, w.ID)
			continue
		}
		exp := shownScore{ID: w.ID, Title: w.Title, Score: scoreText(w.Counts), Pass: fmt.Sprint(w.Pass), Fail: fmt.Sprint(w.Fail),
			Manual: fmt.Sprint(w.Manual), NotApplicable: fmt.Sprint(w.NotApplicable), Err: fmt.Sprint(w.Error)}
		if g != exp {
			t.Errorf("%s %s: page shows %+v, JSON says %+v", what, w.ID, g, exp)
		}
	}
}

// state is the results table as the page shows it.
type state struct {
	Matching  int
	Count     string
	Page      string
	Hash      string
	Statuses  []string // the column, top to bottom
	CIS       []string
	Resources []string
	Sorted    map[string]string // column → aria-sort
	Images    int
}

const readState = `(() => {
  const col = (sel) => Array.from(document.querySelectorAll("#results tbody " + sel)).map((td) => td.firstChild.textContent);
  const sorted = {};
  document.querySelectorAll("#results th[aria-sort]").forEach((th) => { sorted[th.dataset.col] = th.getAttribute("aria-sort"); });
  const count = document.getElementById("count");
  return {Matching: Number(count.dataset.matching), Count: count.textContent, Page: document.getElementById("page").textContent,
    Hash: location.hash, Statuses: col("td.st"), CIS: col("td:nth-child(2)"), Resources: col("td.res"), Sorted: sorted,
    Images: document.images.length};
})()`

func (b *browser) state() state {
	b.t.Helper()
	var s state
	b.eval(readState, &s)
	return s
}

func (b *browser) click(selector string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`document.querySelector(%q).click()`, selector), nil)
}

// choose selects a value in one of the filter form's selects, as a person does.
func (b *browser) choose(name, value string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`(() => { const s = document.forms.filters.elements[%q]; s.value = %q;
		s.dispatchEvent(new Event("input", {bubbles: true})); })()`, name, value), nil)
}

// typeSearch types into the search field and waits for the page to apply it.
func (b *browser) typeSearch(text string) {
	b.t.Helper()
	b.eval(`document.forms.filters.elements.q.focus()`, nil)
	b.call(b.session, "Input.insertText", map[string]any{"text": text}, nil)
	b.waitFor(fmt.Sprintf(`new URLSearchParams(location.hash.slice(1)).get("q") === %q`, text))
}

func TestHTMLInBrowser(t *testing.T) {
	b := startBrowser(t)
	rep := sample(1200)
	j := asJSON(t, rep)
	url := writePage(t, rep)
	b.open(url)

	// The numbers shown are the JSON's.
	var got shown
	b.eval(readScores, &got)
	if got.Total != fmt.Sprint(j.Summary.Total) || got.Score != scoreText(j.Summary.Counts) {
		t.Errorf("page: total %s, score %s; JSON: %d, %s", got.Total, got.Score, j.Summary.Total, scoreText(j.Summary.Counts))
	}
	wantStatus := map[string]string{"PASS": fmt.Sprint(j.Summary.Pass), "FAIL": fmt.Sprint(j.Summary.Fail), "MANUAL": fmt.Sprint(j.Summary.Manual),
		"NOT_APPLICABLE": fmt.Sprint(j.Summary.NotApplicable), "ERROR": fmt.Sprint(j.Summary.Error)}
	for s, n := range wantStatus {
		if got.Statuses[s] != n {
			t.Errorf("%s: page shows %s, JSON %s", s, got.Statuses[s], n)
		}
	}
	wantScores(t, "section", got.Sections, j.Summary.Sections)
	wantScores(t, "account", got.Accounts, j.Summary.PerAccount)

	// Every result is listed, failures first, 100 to a page.
	st := b.state()
	if st.Matching != len(j.Results) || len(st.Statuses) != 100 || st.Statuses[0] != "FAIL" || st.Page != "page 1 of 12" {
		t.Fatalf("first view: %d matching, %d rows, first %v, %q", st.Matching, len(st.Statuses), st.Statuses[:1], st.Page)
	}
	if st.Sorted["status"] != "ascending" {
		t.Errorf("sorted by %v, want status ascending", st.Sorted)
	}

	// A status chip, then a section's name, narrow the results.
	b.click(`.chip[data-status="FAIL"]`)
	if st := b.state(); st.Matching != j.Summary.Fail || !allEqual(st.Statuses, "FAIL") || !strings.Contains(st.Hash, "status=FAIL") {
		t.Errorf("FAIL chip: %d matching (JSON %d), hash %q", st.Matching, j.Summary.Fail, st.Hash)
	}
	b.click(`#sections button[data-value="2"]`)
	want := j.count(func(cis, _, _, _, status, _ string) bool { return status == "FAIL" && catalog.SectionOf(cis) == "2" })
	if st := b.state(); st.Matching != want || want == 0 {
		t.Errorf("FAIL in section 2: %d matching, JSON %d", st.Matching, want)
	}

	// The form: show all, then account, region and a text search.
	b.click(`#filters button[type=reset]`)
	b.waitFor(`location.hash === ""`)
	if st := b.state(); st.Matching != len(j.Results) {
		t.Errorf("after show all: %d matching, want %d", st.Matching, len(j.Results))
	}
	b.choose("account", "222222222222")
	b.choose("region", "us-east-1")
	want = j.count(func(_, account, region, _, _, _ string) bool {
		return account == "222222222222" && region == "us-east-1"
	})
	if st := b.state(); st.Matching != want || want == 0 {
		t.Errorf("account and region: %d matching, JSON %d", st.Matching, want)
	}
	b.click(`#filters button[type=reset]`)
	b.waitFor(`location.hash === ""`)
	b.typeSearch("NEEDLE")
	want = j.count(func(_, _, _, resource, _, _ string) bool { return strings.HasPrefix(resource, "needle-") })
	if st := b.state(); st.Matching != want || want == 0 {
		t.Errorf("search: %d matching, JSON %d", st.Matching, want)
	}

	// Markup in a resource name and a reason is shown as text.
	b.click(`#filters button[type=reset]`)
	b.waitFor(`location.hash === ""`)
	b.typeSearch("onerror")
	st = b.state()
	if st.Matching != 2 || st.Images != 0 || !slices.Contains(st.Resources, xss) {
		t.Errorf("markup: %d matching (want 2), %d images (want 0), resources %q", st.Matching, st.Images, st.Resources)
	}
	var reason string
	b.eval(`Array.from(document.querySelectorAll("#results .why")).map((d) => d.textContent).find((s) => s.startsWith("</script>"))`, &reason)
	if reason != "</script>"+xss {
		t.Errorf("reason shown as %q", reason)
	}

	// Sorting by a column: ascending, descending, and its next page.
	b.click(`#filters button[type=reset]`)
	b.waitFor(`location.hash === ""`)
	byResource := sortedBy(j, func(i int) string { return strings.ToLower(j.Results[i].Resource) })
	b.click(`th[data-col=resource] button`)
	if st := b.state(); !slices.Equal(st.Resources, byResource[:100]) || st.Sorted["resource"] != "ascending" {
		t.Errorf("by resource: %q… (%v), want %q…", st.Resources[:3], st.Sorted, byResource[:3])
	}
	b.click(`#next`)
	if st := b.state(); !slices.Equal(st.Resources, byResource[100:200]) || st.Page != "page 2 of 12" {
		t.Errorf("page 2 by resource: %q…, %q", st.Resources[:3], st.Page)
	}
	b.click(`th[data-col=resource] button`)
	st = b.state()
	if st.Sorted["resource"] != "descending" || st.Resources[0] != byResource[len(byResource)-1] {
		t.Errorf("by resource, descending: first %q (%v), want %q", st.Resources[0], st.Sorted, byResource[len(byResource)-1])
	}
	b.click(`th[data-col=cis] button`)
	st = b.state()
	if !slices.IsSortedFunc(st.CIS, catalog.Compare) || st.CIS[0] != "1.4" || st.Sorted["cis"] != "ascending" {
		t.Errorf("by recommendation: %q", st.CIS[:5])
	}

	// A view in the URL is restored at load: only ERROR, one account, by region descending.
	b.open(url + "#status=ERROR&account=333333333333&sort=region&dir=desc")
	want = j.count(func(_, account, _, _, status, _ string) bool { return account == "333333333333" && status == "ERROR" })
	st = b.state()
	if st.Matching != want || !allEqual(st.Statuses, "ERROR") || st.Sorted["region"] != "descending" {
		t.Errorf("from the URL: %d matching (JSON %d), sorted %v", st.Matching, want, st.Sorted)
	}
	var form struct {
		Checked []string
		Account string
	}
	b.eval(`({Checked: Array.from(document.querySelectorAll("input[name=status]:checked")).map((c) => c.value),
		Account: document.forms.filters.elements.account.value})`, &form)
	if !slices.Equal(form.Checked, []string{"ERROR"}) || form.Account != "333333333333" {
		t.Errorf("the form shows %+v", form)
	}

	if p := b.problemsSoFar(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// sortedBy returns the resources in the page's order for a column's key:
// by key, ties in report order.
func sortedBy(j jsonReport, key func(i int) string) []string {
	idx := make([]int, len(j.Results))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Or(cmp.Compare(key(a), key(b)), a-b) })
	out := make([]string, len(idx))
	for i, x := range idx {
		out[i] = j.Results[x].Resource
	}
	return out
}

func allEqual(list []string, s string) bool {
	return len(list) > 0 && !slices.ContainsFunc(list, func(x string) bool { return x != s })
}

// 50,000 results: the page renders, filters and sorts them; the times are
// logged (go test -v -run Browser50k), not asserted.
func TestHTMLInBrowser50k(t *testing.T) {
	b := startBrowser(t)
	const n = 50000
	url := writePage(t, sample(n))
	b.open(url)
	var ms struct {
		Rendered, Filter, Sort float64
		Matching               int
	}
	b.eval(`(() => {
	  const t = {Rendered: Number(document.body.dataset.renderedMs)};
	  const time = (f) => { const s = performance.now(); f(); return performance.now() - s; };
	  t.Matching = Number(document.getElementById("count").dataset.matching);
	  t.Filter = time(() => document.querySelector('.chip[data-status="FAIL"]').click());
	  t.Sort = time(() => document.querySelector("th[data-col=resource] button").click());
	  return t;
	})()`, &ms)
	if ms.Matching != n {
		t.Fatalf("%d results listed, want %d", ms.Matching, n)
	}
	t.Logf("%d results: first rendering %.0f ms after navigation start; filter by status %.0f ms; sort by resource %.0f ms",
		n, ms.Rendered, ms.Filter, ms.Sort)
	if p := b.problemsSoFar(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(p, "\n"))
	}
}
