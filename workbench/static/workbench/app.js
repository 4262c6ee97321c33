// Live preview and findings: the form is posted (unsaved) to the draft's preview URL after each pause in typing;
// the server renders the page with the site's own code and runs every check. No HTML is built from user text here:
// the preview HTML is the sanitised page the site would publish; findings are inserted as text.
(function () {
  "use strict";
  var form = document.getElementById("item-form");
  if (!form) { return; }
  var url = form.getAttribute("data-preview");
  var body = form.querySelector("textarea[name=body]");
  var timer = null;
  var seq = 0;

  function item(f) {
    var li = document.createElement("li");
    li.className = "sev-" + f.severity;
    var where;
    if (f.body_line) {
      where = document.createElement("button");
      where.type = "button";
      where.className = "goto";
      where.setAttribute("data-line", String(f.body_line));
      where.textContent = "正文第 " + f.body_line + " 行";
    } else {
      where = document.createElement("span");
      where.textContent = f.field ? "字段 " + f.field : f.path;
    }
    li.appendChild(where);
    li.appendChild(document.createTextNode("：" + f.rule + " [" + f.level + "] " + f.message));
    return li;
  }

  function show(data) {
    var list = document.getElementById("findings");
    list.textContent = "";
    var all = (data.form_errors || []).map(function (e) {
      return {severity: "error", level: "错误", rule: "FORM", message: e.message, field: e.field, body_line: 0, path: ""};
    }).concat(data.findings || []);
    if (!all.length) {
      var ok = document.createElement("li");
      ok.className = "ok";
      ok.textContent = "没有发现问题。";
      list.appendChild(ok);
    }
    all.forEach(function (f) { list.appendChild(item(f)); });
    document.getElementById("error-count").textContent = "（" + all.filter(function (f) { return f.severity === "error"; }).length + " 个错误）";
    document.querySelectorAll("ul.found").forEach(function (ul) { ul.textContent = ""; });
    all.forEach(function (f) {
      if (!f.field) { return; }
      var ul = document.querySelector('ul.found[data-field="' + f.field + '"]');
      if (ul) { var li = document.createElement("li"); li.className = "sev-" + f.severity; li.textContent = f.rule + " [" + f.level + "] " + f.message; ul.appendChild(li); }
    });
    if (typeof data.html === "string") {
      var preview = document.getElementById("preview");
      var doc = new DOMParser().parseFromString(data.html, "text/html");
      preview.replaceChildren.apply(preview, Array.prototype.slice.call(doc.body.childNodes));
    }
    form.setAttribute("data-checked", String(seq));
  }

  function refresh() {
    var mine = ++seq;
    var data = new FormData(form);
    data.delete("password");
    fetch(url, {method: "POST", body: data, credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d && mine === seq) { show(d); } })
      .catch(function () { /* the next pause tries again */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement) || !target.classList.contains("goto") || !body) { return; }
    var line = parseInt(target.getAttribute("data-line"), 10);
    var lines = body.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    body.focus();
    body.setSelectionRange(start, start + (lines[line - 1] || "").length);
  });
}());
