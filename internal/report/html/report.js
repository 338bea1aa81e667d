// cisguard scan report: filters and sorts the results embedded in the page
// (script#cisguard-data) and shows one page of them at a time, so that
// 50,000 results stay responsive. Every string from the scan is attacker-
// influenced (resource names, reasons) and is only ever set as text.
// The filter and sort live in the URL's hash (#status=FAIL&sort=resource),
// so a view can be bookmarked or shared.
(function () {
  "use strict";
  var PAGE = 100;
  var ORDER = { FAIL: 0, ERROR: 1, MANUAL: 2, PASS: 3, NOT_APPLICABLE: 4 };
  var LABEL = { NOT_APPLICABLE: "N/A" };
  var data = JSON.parse(document.getElementById("cisguard-data").textContent);
  var rows = data.results;
  var form = document.getElementById("filters");
  var tbody = document.querySelector("#results tbody");
  var heads = document.querySelectorAll("#results th[data-col]");
  var allStatuses = Object.keys(ORDER);

  rows.forEach(function (x, i) {
    x.i = i;
    x.sec = x.c.split(".")[0];
    // "2.1.5.1" → "002.001.005.001": ids sort as the benchmark orders them.
    x.k = x.c.split(".").map(function (p) { return ("000" + p).slice(-3); }).join(".");
  });

  // Sort keys per column; ties keep the report's order (account, id, region, resource).
  var keys = {
    status: function (x) { return ORDER[x.s]; },
    cis: function (x) { return x.k; },
    account: function (x) { return x.a; },
    region: function (x) { return x.r; },
    resource: function (x) { return x.id.toLowerCase(); },
    reason: function (x) { return x.why.toLowerCase(); }
  };
  var state = defaults();
  var sortedCache = { by: "", rows: null };

  function defaults() {
    return { status: allStatuses.slice(), section: "", account: "", region: "", q: "", sort: "status", dir: "asc", page: 0 };
  }

  function sorted() {
    var by = state.sort + " " + state.dir;
    if (sortedCache.by !== by) {
      var key = keys[state.sort], sign = state.dir === "desc" ? -1 : 1;
      var decorated = rows.map(function (x) { return { k: key(x), x: x }; });
      decorated.sort(function (a, b) {
        return a.k < b.k ? -sign : a.k > b.k ? sign : a.x.i - b.x.i;
      });
      sortedCache = { by: by, rows: decorated.map(function (d) { return d.x; }) };
    }
    return sortedCache.rows;
  }

  function haystack(x) {
    if (x.h === undefined) {
      x.h = [x.c, data.titles[x.c] || "", x.a, x.r, x.id, x.why, (x.fix || []).join(" "), (x.left || []).join(" ")].join("\n").toLowerCase();
    }
    return x.h;
  }

  function matching() {
    var want = {}, q = state.q.trim().toLowerCase();
    state.status.forEach(function (s) { want[s] = true; });
    return sorted().filter(function (x) {
      return want[x.s] && (!state.section || x.sec === state.section) && (!state.account || x.a === state.account) &&
        (!state.region || x.r === state.region) && (!q || haystack(x).indexOf(q) >= 0);
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function list(cell, cls, head, items) {
    if (!items || !items.length) { return; }
    cell.appendChild(el("div", cls, head));
    var ul = el("ul");
    items.forEach(function (t) { ul.appendChild(el("li", null, t)); });
    cell.appendChild(ul);
  }

  function row(x) {
    var tr = el("tr");
    tr.appendChild(el("td", "st st-" + x.s, LABEL[x.s] || x.s));
    var cis = el("td", null, x.c);
    cis.appendChild(el("span", "t", data.titles[x.c] || ""));
    tr.appendChild(cis);
    tr.appendChild(el("td", null, x.a));
    tr.appendChild(el("td", null, x.r));
    tr.appendChild(el("td", "res", x.id));
    var why = el("td");
    why.appendChild(el("div", "why", x.why));
    list(why, "do", "cisguard would:", x.fix);
    list(why, "left", "Left to a person:", x.left);
    tr.appendChild(why);
    return tr;
  }

  function render() {
    var hits = matching();
    var pages = Math.max(1, Math.ceil(hits.length / PAGE));
    state.page = Math.min(Math.max(0, state.page), pages - 1);
    var from = state.page * PAGE, to = Math.min(hits.length, from + PAGE);
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) { frag.appendChild(row(hits[i])); }
    tbody.replaceChildren(frag);
    var count = document.getElementById("count");
    count.dataset.matching = hits.length;
    count.textContent = hits.length ? "Showing " + fmt(from + 1) + "–" + fmt(to) + " of " + fmt(hits.length) + " matching results (" + fmt(rows.length) + " in all)." :
      "No result matches (" + fmt(rows.length) + " in all).";
    document.getElementById("page").textContent = "page " + fmt(state.page + 1) + " of " + fmt(pages);
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
    heads.forEach(function (th) {
      if (th.dataset.col === state.sort) {
        th.setAttribute("aria-sort", state.dir === "desc" ? "descending" : "ascending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
  }

  function fmt(n) { return n.toLocaleString("en-US"); }

  // The hash holds what differs from the defaults.
  function writeHash() {
    var p = new URLSearchParams(), d = defaults();
    if (state.status.length !== allStatuses.length) { p.set("status", state.status.join(",")); }
    ["section", "account", "region", "q", "sort", "dir"].forEach(function (k) {
      if (state[k] !== d[k]) { p.set(k, state[k]); }
    });
    if (state.page) { p.set("page", String(state.page + 1)); }
    var h = p.toString();
    if (h !== location.hash.slice(1)) { history.replaceState(null, "", h ? "#" + h : location.pathname + location.search); }
  }

  function readHash() {
    var p = new URLSearchParams(location.hash.slice(1)), s = defaults();
    if (p.has("status")) {
      s.status = p.get("status").split(",").filter(function (x) { return x in ORDER; });
    }
    ["section", "account", "region", "q"].forEach(function (k) { if (p.has(k)) { s[k] = p.get(k); } });
    if (p.get("sort") in keys) { s.sort = p.get("sort"); }
    if (p.get("dir") === "desc") { s.dir = "desc"; }
    s.page = Math.max(0, (parseInt(p.get("page"), 10) || 1) - 1);
    state = s;
    toForm();
  }

  function toForm() {
    form.querySelectorAll("input[name=status]").forEach(function (c) { c.checked = state.status.indexOf(c.value) >= 0; });
    ["section", "account", "region", "q"].forEach(function (k) { form.elements[k].value = state[k]; });
  }

  function fromForm() {
    state.status = [];
    form.querySelectorAll("input[name=status]").forEach(function (c) { if (c.checked) { state.status.push(c.value); } });
    ["section", "account", "region", "q"].forEach(function (k) { state[k] = form.elements[k].value; });
    state.page = 0;
  }

  function update() { writeHash(); render(); }

  var typing;
  form.addEventListener("input", function (e) {
    fromForm();
    clearTimeout(typing);
    if (e.target.name === "q") { typing = setTimeout(update, 150); } else { update(); }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(function () { state = defaults(); toForm(); update(); }, 0); });
  heads.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var col = th.dataset.col;
      state.dir = state.sort === col && state.dir === "asc" ? "desc" : "asc";
      state.sort = col;
      state.page = 0;
      update();
    });
  });
  document.querySelectorAll(".chip[data-status]").forEach(function (b) {
    b.addEventListener("click", function () { state.status = [b.dataset.status]; state.page = 0; toForm(); update(); focusResults(); });
  });
  document.querySelectorAll("button[data-filter]").forEach(function (b) {
    b.addEventListener("click", function () { state[b.dataset.filter] = b.dataset.value; state.page = 0; toForm(); update(); focusResults(); });
  });
  document.getElementById("prev").addEventListener("click", function () { state.page--; update(); });
  document.getElementById("next").addEventListener("click", function () { state.page++; update(); });
  window.addEventListener("hashchange", function () { readHash(); render(); });

  function focusResults() { document.getElementById("results-h").scrollIntoView(); }

  readHash();
  render();
  document.body.dataset.renderedMs = String(Math.round(performance.now()));
})();
