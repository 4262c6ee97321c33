/* Site search over the static index under search/ (written by site_build/search.py).
   Words: full-width forms folded, lower-cased; two-character pairs inside runs of Chinese
   characters, whole runs of Latin letters and digits. A word's line is in shard crc32(word) % shards.
   Results whose title holds every word of the query come first ("#word" lines), then the others, newest first
   within each; the query is marked in the titles; everything is inserted as text, never as HTML. */
(function () {
  "use strict";
  var box = document.getElementById("portal-search");
  if (!box) { return; }
  var root = box.getAttribute("data-root") || "./";
  var input = box.querySelector("input[name=q]");
  var status = box.querySelector(".portal-search__status");
  var list = box.querySelector(".portal-search__results");
  var more = box.querySelector(".portal-search__more");
  var PAGE = 10, MAX_WORDS = 10;
  var RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+/g;

  var TABLE = (function () {
    var t = [], c, n, k;
    for (n = 0; n < 256; n++) {
      c = n;
      for (k = 0; k < 8; k++) { c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1; }
      t[n] = c >>> 0;
    }
    return t;
  })();
  function crc32(text) {
    var bytes = new TextEncoder().encode(text), c = 0xFFFFFFFF, i;
    for (i = 0; i < bytes.length; i++) { c = TABLE[(c ^ bytes[i]) & 0xFF] ^ (c >>> 8); }
    return (c ^ 0xFFFFFFFF) >>> 0;
  }

  function fold(text) {  // full-width ASCII and the ideographic space, as site_build/search.py folds them
    return text.replace(/[\uff01-\uff5e]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); })
      .replace(/\u3000/g, " ");
  }

  function words(query) {
    var runs = fold(query).toLowerCase().match(RUN) || [], all = [], step, i, j, run, pairs;
    for (i = 0; i < runs.length; i++) {
      run = runs[i];
      if (/^[0-9a-z]+$/.test(run)) { if (run.length <= 32) { all.push(run); } continue; }
      pairs = [];
      for (j = 0; j + 1 < run.length; j++) { pairs.push(run.slice(j, j + 2)); }
      all.push.apply(all, pairs);
    }
    all = all.filter(function (w, k) { return all.indexOf(w) === k; });
    if (all.length > MAX_WORDS) {  // fewer downloads: every other pair still covers the query
      step = Math.ceil(all.length / MAX_WORDS);
      all = all.filter(function (w, k) { return k % step === 0 || k === all.length - 1; });
    }
    return all;
  }

  function getJSON(path) {
    return fetch(root + path).then(function (r) { return r.ok ? r.json() : null; });
  }
  function getText(path) {
    return fetch(root + path).then(function (r) { return r.ok ? r.text() : ""; });
  }
  function lookup(shard, word) {  // the ids on the line "word id,gap,gap,..." of a shard
    var lines = shard.split("\n"), out = [], total = 0, i, j, gaps;
    for (i = 0; i < lines.length; i++) {
      if (lines[i].slice(0, word.length + 1) === word + " ") {
        gaps = lines[i].slice(word.length + 1).split(",");
        for (j = 0; j < gaps.length; j++) { total += parseInt(gaps[j], 10); out.push(total); }
        break;
      }
    }
    return out;
  }
  function intersect(lists) {
    lists.sort(function (a, b) { return a.length - b.length; });
    return lists.reduce(function (acc, l) {
      var set = new Set(l);
      return acc.filter(function (d) { return set.has(d); });
    });
  }

  var meta = null, found = [], shown = 0, chunks = {}, phrase = "";
  function highlight(el, text, query) {  // the query's runs marked in the title, built as text nodes (never HTML)
    var runs = (fold(query).toLowerCase().match(RUN) || []).filter(function (r) { return r.length >= 2; });
    var low = fold(text).toLowerCase(), at = 0, best, i, k, mark;
    while (at < text.length) {
      best = -1; k = 0;
      for (i = 0; i < runs.length; i++) {
        var j = low.indexOf(runs[i], at);
        if (j >= 0 && (best < 0 || j < best)) { best = j; k = runs[i].length; }
      }
      if (best < 0) { break; }
      el.appendChild(document.createTextNode(text.slice(at, best)));
      mark = document.createElement("mark");
      mark.textContent = text.slice(best, best + k);
      el.appendChild(mark);
      at = best + k;
    }
    el.appendChild(document.createTextNode(text.slice(at)));
  }
  function chunk(n) {
    if (!chunks[n]) { chunks[n] = getJSON("search/d/" + n + ".json"); }
    return chunks[n];
  }
  function showMore() {
    var ids = found.slice(shown, shown + PAGE);
    shown += ids.length;
    return Promise.all(ids.map(function (id) {
      return chunk(Math.floor(id / meta.chunk)).then(function (rows) { return rows[id % meta.chunk]; });
    })).then(function (rows) {
      rows.forEach(function (row) {
        var li = document.createElement("li"), a = document.createElement("a"), span = document.createElement("span");
        a.href = root + row[0];
        highlight(a, row[1], phrase);
        span.className = "portal-search__meta";
        span.textContent = row[3] + " " + row[2];
        li.appendChild(a);
        li.appendChild(span);
        list.appendChild(li);
      });
      more.hidden = shown >= found.length;
    });
  }

  function search(query) {
    var ws = words(query);
    phrase = query;
    list.textContent = "";
    more.hidden = true;
    if (!ws.length) { status.textContent = "请输入至少两个汉字，或完整的英文单词、数字。"; return Promise.resolve(); }
    status.textContent = "正在搜索……";
    return getJSON("search/index.json").then(function (m) {
      meta = m;
      return Promise.all(ws.map(function (w) {
        var shard = (crc32(w) % m.shards).toString(16);
        if (shard.length < 2) { shard = "0" + shard; }
        return getText("search/t/" + shard + ".txt").then(function (s) { return [lookup(s, w), lookup(s, "#" + w)]; });
      }));
    }).then(function (pairs) {
      var newest = function (a, b) { return b - a; };
      var all = intersect(pairs.map(function (p) { return p[0]; }));
      var titled = intersect(pairs.map(function (p) { return p[1]; })).sort(newest), first = new Set(titled);
      // items with the whole query in their title first, then the others; newest first within each
      found = titled.concat(all.filter(function (d) { return !first.has(d); }).sort(newest));
      shown = 0;
      status.textContent = found.length ? "找到 " + found.length + " 条结果" : "没有找到与“" + query + "”相关的信息。";
      return showMore();
    }).then(function () {
      box.setAttribute("data-state", "done");
    }, function () {
      status.textContent = "搜索暂时不可用，请稍后再试。";
    });
  }

  more.addEventListener("click", function () { showMore(); });
  var query = new URLSearchParams(window.location.search).get("q") || "";
  if (query) { input.value = query; search(query); } else { box.setAttribute("data-state", "done"); }
})();
