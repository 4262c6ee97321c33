/* Site search over the static index under search/ (written by site_build/search.py; its docstring describes the files).
   A query is folded (full-width forms, ASCII case) and cut at spaces and punctuation into parts; every part must be in
   an item as a phrase. A part of two or three Chinese characters, or a Latin word or number, is one term of the index:
   its items and their count are exact. A longer part needs all its trigrams, and each candidate is confirmed against
   the item's own page (the characters adjacent) before it is shown; its count is labelled an estimate until every
   candidate has been confirmed. Items with the query in their title come first, then the others, newest first within
   each. Snippets come from the item's page; the query is marked in titles and snippets, built as text nodes only. */
(function () {
  "use strict";
  var box = document.getElementById("portal-search");
  if (!box) { return; }
  var root = box.getAttribute("data-root") || "./";
  var form = box.querySelector("form");
  var input = box.querySelector("input[name=q]");
  var status = box.querySelector(".portal-search__status");
  var list = box.querySelector(".portal-search__results");
  var PAGE = 10, MAX_TERMS = 12, CHECK = 20, SNIPPET = 90;
  var RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+/g;
  var LATIN = /^[0-9a-z]+$/;

  function fold(text) {  // full-width ASCII, the ideographic space, ASCII case: one character for one (site_build/search.py)
    return text.replace(/[\uff01-\uff5e]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); })
      .replace(/\u3000/g, " ").replace(/[A-Z]/g, function (c) { return c.toLowerCase(); });
  }
  function hash(term) {  // FNV-1a over code points, as search.term_hash
    var h = 0x811c9dc5;
    for (var ch of term.replace(/^#/, "")) { h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0; }
    return h;
  }
  function hex(text) {
    return Array.prototype.map.call(new TextEncoder().encode(text), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // ------------------------------------------------------------ the query
  function parse(query) {  // {parts: [{text, terms, check}], terms: [...], approximate}
    var runs = fold(query).match(RUN) || [], parts = [], terms = [], i, k, run, picked;
    for (i = 0; i < runs.length; i++) {
      run = runs[i];
      if (LATIN.test(run)) { if (run.length <= 32) { parts.push({text: run, terms: [run], check: false}); } continue; }
      if (run.length < 2) { continue; }
      if (run.length <= 3) { parts.push({text: run, terms: [run], check: false}); continue; }
      picked = [];
      for (k = 0; k + 3 < run.length; k += 3) { picked.push(run.slice(k, k + 3)); }
      picked.push(run.slice(run.length - 3));
      parts.push({text: run, terms: picked, check: true});
    }
    parts.forEach(function (p) { p.terms.forEach(function (t) { if (terms.indexOf(t) < 0) { terms.push(t); } }); });
    return {parts: parts, terms: terms.slice(0, MAX_TERMS), approximate: parts.some(function (p) { return p.check; }) || terms.length > MAX_TERMS};
  }

  // ------------------------------------------------------------ the index
  var files = {};
  function get(path, kind) {
    if (!files[path]) {
      files[path] = fetch(root + path).then(function (r) {
        if (r.status === 404) { return kind === "json" ? null : ""; }
        if (!r.ok) { throw new Error(path); }
        return kind === "json" ? r.json() : r.text();
      });
    }
    return files[path];
  }
  // A posting (site_build/search.py): day segments "<day delta>:<gaps>" or "<day delta>=<6-bit characters>" (a delta of 1
  // left out), read into a Map of day number -> Uint8Array of 6-bit groups (place p of the day is bit p % 6 of group p / 6).
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var SPAN = 1048576;  // a result's id: day * SPAN + place
  function days(posting) {
    var out = new Map(), day = 0;
    (posting.trim().match(/\d*[:=][^,]*/g) || []).forEach(function (seg) {
      var k = seg.search(/[:=]/), body = seg.slice(k + 1), bits, i, at, gaps;
      day += k ? parseInt(seg.slice(0, k), 10) : 1;  // the distance from the previous day; left out when it is 1
      if (seg.charAt(k) === "=") {
        bits = new Uint8Array(body.length);
        for (i = 0; i < body.length; i++) { bits[i] = ALPHABET.indexOf(body.charAt(i)); }
      } else {
        gaps = body.split(".").map(function (g) { return parseInt(g, 10); });
        at = gaps.reduce(function (a, b) { return a + b; }, 0);
        bits = new Uint8Array(Math.floor(at / 6) + 1);
        at = 0;
        for (i = 0; i < gaps.length; i++) { at += gaps[i]; bits[Math.floor(at / 6)] |= 1 << (at % 6); }
      }
      out.set(day, bits);
    });
    return out;
  }
  function posting(meta, term) {  // the items with `term`
    var n = ("00" + (hash(term) % meta.shards).toString(16)).slice(-3);
    return get("search/t/" + n + ".txt", "text").then(function (shard) {
      var start = shard.indexOf(term + " "), end;
      while (start > 0 && shard.charAt(start - 1) !== "\n") { start = shard.indexOf(term + " ", start + 1); }
      if (start < 0) { return days(""); }
      end = shard.indexOf("\n", start);
      var text = shard.slice(start + term.length + 1, end < 0 ? undefined : end);
      if (text !== ">") { return days(text); }
      return get("search/w/" + hex(term) + ".txt", "text").then(days);
    });
  }
  function filter(meta, path) {
    return get(path, "text").then(days);
  }
  function combine(a, b, keep) {
    var out = new Map();
    a.forEach(function (x, day) {
      var y = b.get(day), z = new Uint8Array(x.length), any = 0, i;
      for (i = 0; i < x.length; i++) { z[i] = keep(x[i], y && i < y.length ? y[i] : 0); any |= z[i]; }
      if (any) { out.set(day, z); }
    });
    return out;
  }
  function and(a, b) { return combine(a, b, function (x, y) { return x & y; }); }
  function without(a, b) { return combine(a, b, function (x, y) { return x & ~y; }); }
  function dayName(day) { return new Date(day * 86400000).toISOString().slice(0, 10); }
  function inYear(a, year) {
    var out = new Map();
    a.forEach(function (bits, day) { if (dayName(day).slice(0, 4) === year) { out.set(day, bits); } });
    return out;
  }
  function newestFirst(found) {
    var out = [], order = Array.from(found.keys()).sort(function (x, y) { return y - x; });
    order.forEach(function (day) {
      var bits = found.get(day), i, k;
      for (i = bits.length - 1; i >= 0; i--) {
        if (bits[i]) { for (k = 5; k >= 0; k--) { if (bits[i] & (1 << k)) { out.push(day * SPAN + i * 6 + k); } } }
      }
    });
    return out;
  }

  // ------------------------------------------------------------ items and their pages
  function row(meta, id) {
    var day = Math.floor(id / SPAN), place = id % SPAN;
    return get("search/d/" + dayName(day) + "-" + Math.floor(place / meta.chunk) + ".json", "json").then(function (rows) {
      return rows ? rows[place % meta.chunk] : null;
    });
  }
  function pageText(url) {  // the text the index read: the body and what follows it in <main>, tags as spaces
    return get(url, "text").then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var body = doc.querySelector("[data-portal-body]"), main = doc.querySelector("main") || doc.body, parts = [], node, walker;
      if (!body || !main) { return ""; }
      walker = doc.createTreeWalker(main, NodeFilter.SHOW_TEXT);
      while ((node = walker.nextNode())) {
        if (body.compareDocumentPosition(node) & (Node.DOCUMENT_POSITION_FOLLOWING | Node.DOCUMENT_POSITION_CONTAINED_BY)) { parts.push(node.nodeValue); }
      }
      return parts.join(" ").replace(/\s+/g, " ").trim();
    }, function () { return ""; });
  }
  function contains(text, part) {
    var low = fold(text);
    if (!LATIN.test(part.text)) { return low.indexOf(part.text) >= 0; }
    return new RegExp("(^|[^0-9a-z])" + part.text + "([^0-9a-z]|$)").test(low);
  }

  // ------------------------------------------------------------ showing
  function marked(el, text, parts) {  // text with every part marked, as text nodes and <mark>
    var low = fold(text), at = 0, best, len, i, j, m;
    while (at < text.length) {
      best = -1; len = 0;
      for (i = 0; i < parts.length; i++) {
        j = low.indexOf(parts[i].text, at);
        if (j >= 0 && (best < 0 || j < best || (j === best && parts[i].text.length > len))) { best = j; len = parts[i].text.length; }
      }
      if (best < 0) { break; }
      el.appendChild(document.createTextNode(text.slice(at, best)));
      m = document.createElement("mark");
      m.textContent = text.slice(best, best + len);
      el.appendChild(m);
      at = best + len;
    }
    el.appendChild(document.createTextNode(text.slice(at)));
    return el;
  }
  function snippet(text, parts) {
    var low = fold(text), first = -1, i, j, start, end;
    for (i = 0; i < parts.length; i++) {
      j = low.indexOf(parts[i].text);
      if (j >= 0 && (first < 0 || j < first)) { first = j; }
    }
    start = Math.max(0, first < 0 ? 0 : first - 30);
    end = Math.min(text.length, start + SNIPPET);
    return (start > 0 ? "……" : "") + text.slice(start, end) + (end < text.length ? "……" : "");
  }
  function item(meta, found, hit) {
    var li = document.createElement("li"), a = document.createElement("a"), p = document.createElement("p");
    var span = document.createElement("span"), column = meta.names[hit.row[3]] || hit.row[3];
    a.href = root + hit.row[0];
    marked(a, hit.row[1], found.query.parts);
    p.className = "portal-search__snippet";
    marked(p, snippet(hit.text, found.query.parts), found.query.parts);
    span.className = "portal-search__meta";
    span.textContent = column + " " + hit.row[2];
    li.appendChild(a);
    if (hit.text) { li.appendChild(p); }
    li.appendChild(span);
    return li;
  }

  // ------------------------------------------------------------ searching
  var meta = null, found = null, filters = null;
  function state() {
    var params = new URLSearchParams(window.location.search);
    return {q: params.get("q") || "", c: params.get("c") || "", y: params.get("y") || "",
            p: Math.max(1, parseInt(params.get("p") || "1", 10) || 1)};
  }
  function address(s) {
    var params = new URLSearchParams();
    params.set("q", s.q);
    if (s.c) { params.set("c", s.c); }
    if (s.y) { params.set("y", s.y); }
    if (s.p > 1) { params.set("p", String(s.p)); }
    return "?" + params.toString();
  }
  function load() {
    return get("search/index.json", "json").then(function (m) {
      meta = m;
      meta.names = {};
      m.columns.forEach(function (c) { meta.names[c[0]] = c[1]; });
      if (!filters) { filters = makeFilters(m); }
      return m;
    });
  }
  function makeFilters(m) {
    var wrap = document.createElement("div"), out = {};
    wrap.className = "portal-search__filters";
    [["c", "栏目", "全部栏目", m.columns], ["y", "年份", "全部年份", m.years.map(function (y) { return [y, y + "年"]; })]].forEach(function (f) {
      var label = document.createElement("label"), select = document.createElement("select");
      select.name = f[0];
      select.id = "portal-search-" + f[0];
      label.htmlFor = select.id;
      label.textContent = f[1];
      [["", f[2]]].concat(f[3]).forEach(function (o) {
        var option = document.createElement("option");
        option.value = o[0];
        option.textContent = o[1];
        select.appendChild(option);
      });
      select.addEventListener("change", function () { go({q: input.value, c: out.c.value, y: out.y.value, p: 1}); });
      wrap.appendChild(label);
      wrap.appendChild(document.createTextNode(" "));
      wrap.appendChild(select);
      wrap.appendChild(document.createTextNode(" "));
      out[f[0]] = select;
    });
    form.parentNode.insertBefore(wrap, form.nextSibling);
    return out;
  }
  function candidates(s) {  // {query, ids: title matches then the others, newest first within each, titled}
    var query = parse(s.q);
    var sets = query.terms.map(function (t) { return Promise.all([posting(meta, t), posting(meta, "#" + t)]); });
    if (s.c) { sets.push(filter(meta, "search/f/c-" + hex(s.c) + ".txt").then(function (b) { return [b, null]; })); }
    return Promise.all(sets).then(function (pairs) {
      var all = pairs.map(function (p) { return p[0]; }).reduce(and);
      if (s.y) { all = inYear(all, s.y); }
      var titled = pairs.filter(function (p) { return p[1]; }).map(function (p) { return p[1]; }).reduce(and);
      titled = and(titled, all);
      var first = newestFirst(titled);
      return {key: s.q + "\n" + s.c + "\n" + s.y, query: query, ids: first.concat(newestFirst(without(all, titled))),
              checked: 0, hits: []};
    });
  }
  function confirm(found, want) {  // look at candidates in order until `want` hits or CHECK more pages were read
    var stop = found.checked + CHECK;
    function step() {
      if (found.hits.length >= want || found.checked >= found.ids.length || found.checked >= stop) { return Promise.resolve(); }
      var batch = found.ids.slice(found.checked, Math.min(found.checked + Math.min(PAGE, want - found.hits.length), stop));
      found.checked += batch.length;
      return Promise.all(batch.map(function (id) {
        return row(meta, id).then(function (r) {
          return r ? pageText(r[0]).then(function (text) { return {id: id, row: r, text: text}; }) : null;
        });
      })).then(function (got) {
        got.forEach(function (hit) {
          if (!hit) { return; }
          var text = hit.row[1] + "\n" + hit.text;
          if (found.query.parts.every(function (p) { return !p.check || contains(text, p); })) { found.hits.push(hit); }
        });
        return step();
      });
    }
    return step();
  }
  function show(s) {
    var query = parse(s.q);
    list.textContent = "";
    pager.hidden = true;
    box.setAttribute("data-state", "busy");
    if (!query.parts.length) {
      status.textContent = "请输入至少两个汉字，或完整的英文单词、数字。";
      box.setAttribute("data-state", "done");
      return Promise.resolve();
    }
    status.textContent = "正在搜索……";
    return load().then(function () {
      filters.c.value = s.c;
      filters.y.value = s.y;
      var key = s.q + "\n" + s.c + "\n" + s.y;
      return found && found.key === key ? found : candidates(s);
    }).then(function (f) {
      found = f;
      if (!found.query.approximate) {
        var ids = found.ids.slice((s.p - 1) * PAGE, s.p * PAGE);
        return Promise.all(ids.map(function (id) {
          return row(meta, id).then(function (r) { return r ? pageText(r[0]).then(function (text) { return {id: id, row: r, text: text}; }) : null; });
        })).then(function (hits) { return {hits: hits.filter(Boolean), total: found.ids.length, exact: true}; });
      }
      return confirm(found, s.p * PAGE).then(function () {
        var done = found.checked >= found.ids.length;
        var total = done ? found.hits.length : Math.max(found.hits.length, Math.round(found.ids.length * found.hits.length / Math.max(found.checked, 1)));
        return {hits: found.hits.slice((s.p - 1) * PAGE, s.p * PAGE), total: total, exact: done};
      });
    }).then(function (page) {
      var pages = Math.max(1, Math.ceil(page.total / PAGE));
      page.hits.forEach(function (hit) { list.appendChild(item(meta, found, hit)); });
      if (!page.total && page.exact) {
        status.textContent = "没有找到与“" + s.q + "”相关的信息。";
      } else if (page.exact) {
        status.textContent = "找到 " + page.total + " 条结果" + (pages > 1 ? "，第 " + s.p + "/" + pages + " 页" : "") + "。";
      } else {
        status.textContent = "找到约 " + page.total + " 条结果（估计值：已逐篇核对 " + found.checked + " 篇候选中的 " +
          found.hits.length + " 篇，其余按比例估算）。";
      }
      paging(s, pages, page.exact || found.checked < found.ids.length);
      box.setAttribute("data-state", "done");
    }).catch(function () {
      status.textContent = "搜索暂时不可用，请稍后再试。";
      box.setAttribute("data-state", "done");
    });
  }

  var pager = document.createElement("nav");
  pager.className = "portal-pager portal-search__pager";
  pager.setAttribute("aria-label", "搜索结果分页");
  pager.hidden = true;
  list.parentNode.insertBefore(pager, list.nextSibling);
  function paging(s, pages, more) {
    pager.textContent = "";
    var last = found.query.approximate ? (more ? s.p + 1 : Math.min(pages, s.p)) : pages;
    if (last <= 1) { return; }
    function link(p, text, rel) {
      var a = document.createElement("a");
      a.href = address({q: s.q, c: s.c, y: s.y, p: p});
      a.textContent = text;
      if (rel) { a.rel = rel; }
      a.addEventListener("click", function (e) { e.preventDefault(); go({q: s.q, c: s.c, y: s.y, p: p}); });
      pager.appendChild(a);
      pager.appendChild(document.createTextNode(" "));
    }
    if (s.p > 1) { link(s.p - 1, "上一页", "prev"); }
    [1, s.p - 2, s.p - 1, s.p, s.p + 1, s.p + 2, last].filter(function (p, i, all) { return p >= 1 && p <= last && all.indexOf(p) === i; })
      .sort(function (a, b) { return a - b; }).forEach(function (p) {
        if (p === s.p) {
          var cur = document.createElement("span");
          cur.setAttribute("aria-current", "page");
          cur.textContent = String(p);
          pager.appendChild(cur);
          pager.appendChild(document.createTextNode(" "));
        } else { link(p, String(p)); }
      });
    if (s.p < last) { link(s.p + 1, "下一页", "next"); }
    pager.hidden = false;
  }
  function go(s) {
    window.history.pushState(null, "", address(s));
    input.value = s.q;
    return show(s).then(function () { if (s.p > 1 || s.c || s.y) { status.focus(); } });
  }

  status.setAttribute("tabindex", "-1");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    go({q: input.value, c: filters ? filters.c.value : "", y: filters ? filters.y.value : "", p: 1});
  });
  window.addEventListener("popstate", function () { var s = state(); input.value = s.q; show(s); });
  var first = state();
  input.value = first.q;
  if (first.q) { show(first); } else { load().then(function () { box.setAttribute("data-state", "done"); }, function () { box.setAttribute("data-state", "done"); }); }
})();
