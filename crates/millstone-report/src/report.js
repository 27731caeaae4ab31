// The sample browser. Every piece of document data is inserted with textContent (never as
// markup), and links are made only for http(s) URLs.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("samples").textContent);
  var groups = data.groups || [];
  var select = document.getElementById("group");
  var find = document.getElementById("find");
  var list = document.getElementById("items");
  var info = document.getElementById("pageinfo");
  var PAGE = 10;
  var page = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function label(g) {
    return g.kind + " · " + g.stage + " · " + g.reason + " (" + g.total + ")";
  }
  groups.forEach(function (g, i) {
    var o = el("option", null, label(g));
    o.value = String(i);
    select.appendChild(o);
  });

  function matches(item, q) {
    if (!q) return true;
    var hay = [item.id, item.url, item.text, item.survivor].join(" ");
    if (item.lines) hay += item.lines.map(function (l) { return l.text || ""; }).join(" ");
    if (item.segments) hay += item.segments.map(function (s) { return s[0]; }).join("");
    return hay.toLowerCase().indexOf(q) >= 0;
  }
  function valuesTable(obj) {
    var t = el("table", "vals");
    Object.keys(obj).forEach(function (k) {
      var tr = el("tr");
      tr.appendChild(el("th", null, k));
      var v = obj[k];
      if (typeof v === "number" && !Number.isInteger(v)) v = Number(v.toPrecision(4));
      tr.appendChild(el("td", null, typeof v === "object" ? JSON.stringify(v) : v));
      t.appendChild(tr);
    });
    return t;
  }
  function segments(segs) {
    var pre = el("pre", "text");
    segs.forEach(function (s) {
      pre.appendChild(s[1] ? el("mark", null, s[0]) : document.createTextNode(s[0]));
    });
    return pre;
  }
  function card(g, item) {
    var box = el("div", "item");
    var head = el("div", "head");
    head.appendChild(el("span", "id", item.id));
    if (item.url) {
      if (/^https?:\/\//i.test(item.url)) {
        var a = el("a", null, item.url);
        a.href = item.url;
        a.rel = "noopener noreferrer";
        head.appendChild(a);
      } else {
        head.appendChild(el("span", "small", item.url));
      }
    }
    if (g.kind === "dropped" || g.kind === "duplicate") head.appendChild(el("span", "badge drop", g.stage + " / " + g.reason));
    if (item.cut) head.appendChild(el("span", "badge", "text cut for the report"));
    box.appendChild(head);
    if (item.drop && Object.keys(item.drop).length) box.appendChild(valuesTable(item.drop));
    if (item.measured && Object.keys(item.measured).length) box.appendChild(valuesTable(item.measured));
    if (item.rejection) box.appendChild(valuesTable(item.rejection));
    if (item.lines && item.lines.length) {
      var lines = el("div", "lines");
      item.lines.forEach(function (l) {
        var row = el("div");
        if (l.removed) {
          row.appendChild(el("del", null, l.text === null || l.text === undefined ? "(line text not recorded)" : l.text));
          row.appendChild(el("span", "why", l.removed));
        } else {
          row.textContent = l.text;
        }
        lines.appendChild(row);
      });
      box.appendChild(lines);
    }
    if (item.segments && item.segments.length) {
      var pair = el("div", "pair");
      var left = el("div");
      left.appendChild(el("div", "small", "this document (dropped)"));
      left.appendChild(segments(item.segments));
      var right = el("div");
      right.appendChild(el("div", "small", "survivor " + item.survivor));
      right.appendChild(segments(item.survivor_segments || []));
      pair.appendChild(left);
      pair.appendChild(right);
      box.appendChild(pair);
    } else if (item.survivor) {
      box.appendChild(el("div", "small", "survivor: " + item.survivor));
    }
    if (typeof item.text === "string") box.appendChild(el("pre", "text", item.text));
    return box;
  }
  function show() {
    list.textContent = "";
    var g = groups[Number(select.value)];
    if (!g) {
      list.appendChild(el("p", "empty", "No samples: nothing was dropped, rewritten or rejected."));
      info.textContent = "";
      return;
    }
    var q = find.value.trim().toLowerCase();
    var items = g.items.filter(function (it) { return matches(it, q); });
    var pages = Math.max(1, Math.ceil(items.length / PAGE));
    if (page >= pages) page = pages - 1;
    items.slice(page * PAGE, page * PAGE + PAGE).forEach(function (it) { list.appendChild(card(g, it)); });
    if (!items.length) list.appendChild(el("p", "empty", "No sampled document matches."));
    info.textContent = "page " + (page + 1) + " of " + pages + " · " + items.length + " sampled of " + g.total;
  }
  select.addEventListener("change", function () { page = 0; show(); });
  find.addEventListener("input", function () { page = 0; show(); });
  document.getElementById("prev").addEventListener("click", function () { if (page > 0) { page--; show(); } });
  document.getElementById("next").addEventListener("click", function () { page++; show(); });
  show();
})();
