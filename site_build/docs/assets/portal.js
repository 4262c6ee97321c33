/* The site's only script on reader pages (the search page adds portal-search.js): the top navigation's
   menus (keyboard and touch), the 长者模式 tools kept across pages in localStorage, the item's print and
   font-size buttons, a notice before leaving the site, and the 一键置灰 mourning dates. Everything works
   from the keyboard; without JavaScript the menus are open lists and the tools stay hidden. */
(function () {
  "use strict";
  var doc = document.documentElement, KEY = "portal-a11y";
  doc.classList.add("js");

  function today() {
    var d = new Date(), m = ("0" + (d.getMonth() + 1)).slice(-2), day = ("0" + d.getDate()).slice(-2);
    return [m + "-" + day, d.getFullYear() + "-" + m + "-" + day];
  }
  var days = (doc.getAttribute("data-mourning") || "").split(",").filter(Boolean), now = today();
  if (days.indexOf(now[0]) >= 0 || days.indexOf(now[1]) >= 0) { doc.classList.add("portal-gray"); }

  var state = { scale: 1, contrast: false, cursor: false, speak: false, elder: false, body: 1 };
  try { Object.assign(state, JSON.parse(localStorage.getItem(KEY) || "{}")); } catch (e) { /* keep defaults */ }
  function save() { try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ } }
  function apply() {
    doc.style.setProperty("--scale", String(state.scale));
    doc.style.setProperty("--body-scale", String(state.body));
    doc.classList.toggle("portal-contrast", !!state.contrast);
    doc.classList.toggle("portal-cursor", !!state.cursor);
    doc.classList.toggle("portal-elder", !!state.elder);
  }
  apply();

  function speak(text) {
    if (!window.speechSynthesis || !text) { return; }
    window.speechSynthesis.cancel();
    var u = new SpeechSynthesisUtterance(text.slice(0, 500));
    u.lang = "zh-CN";
    window.speechSynthesis.speak(u);
  }
  var READ = "a, button, h1, h2, h3, p, li, th, td, label, input";
  function onPoint(event) {
    if (!state.speak) { return; }
    var el = event.target.closest && event.target.closest(READ);
    if (!el) { return; }
    var text = el.getAttribute("aria-label") || el.innerText || el.value || el.getAttribute("placeholder") || "";
    speak(text.trim());
  }

  function pressed() {
    document.querySelectorAll("[data-a11y]").forEach(function (b) {
      var k = b.getAttribute("data-a11y");
      if (b.hasAttribute("aria-pressed")) { b.setAttribute("aria-pressed", String(!!state[k])); }
    });
  }
  var STEPS = [1, 1.15, 1.3, 1.5];
  function step(by) {
    var i = STEPS.indexOf(state.scale); if (i < 0) { i = 0; }
    state.scale = STEPS[Math.max(0, Math.min(STEPS.length - 1, i + by))];
  }
  var actions = {
    elder: function () { state.elder = !state.elder; state.scale = state.elder ? 1.3 : 1; state.cursor = state.elder; },
    bigger: function () { step(1); }, smaller: function () { step(-1); },
    contrast: function () { state.contrast = !state.contrast; },
    cursor: function () { state.cursor = !state.cursor; },
    speak: function () { state.speak = !state.speak; if (!state.speak && window.speechSynthesis) { window.speechSynthesis.cancel(); } else { speak("指读已开启"); } },
    reset: function () { state = { scale: 1, contrast: false, cursor: false, speak: false, elder: false, body: 1 }; }
  };

  function closeMenus(except) {
    document.querySelectorAll(".portal-nav__top[aria-expanded]").forEach(function (b) {
      if (b !== except) { b.setAttribute("aria-expanded", "false"); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var tools = document.querySelector("[data-portal-a11y]");
    if (tools) { tools.hidden = false; }
    pressed();
    document.querySelectorAll("[data-a11y]").forEach(function (b) {
      b.addEventListener("click", function () { actions[b.getAttribute("data-a11y")](); save(); apply(); pressed(); });
    });

    var toggle = document.querySelector(".portal-nav__toggle"), menu = document.getElementById("portal-menu");
    if (toggle && menu) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", String(open));
        menu.classList.toggle("portal-nav__menu--open", open);
        if (open) { var first = menu.querySelector(".portal-nav__top"); if (first) { first.focus(); } }
      });
    }
    document.querySelectorAll(".portal-nav__top[aria-expanded]").forEach(function (b) {
      b.addEventListener("click", function () {
        var open = b.getAttribute("aria-expanded") !== "true";
        closeMenus(b);
        b.setAttribute("aria-expanded", String(open));
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var open = document.querySelector(".portal-nav__top[aria-expanded=true]");
      if (open) { closeMenus(null); open.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest || !event.target.closest(".portal-nav")) { closeMenus(null); }
    });
    document.addEventListener("focusin", function (event) {
      document.querySelectorAll(".portal-nav__top[aria-expanded=true]").forEach(function (b) {
        if (!b.parentNode.contains(event.target)) { b.setAttribute("aria-expanded", "false"); }
      });
      onPoint(event);
    });
    document.addEventListener("mouseover", onPoint);

    var itemTools = document.querySelector("[data-portal-tools]");
    if (itemTools) {
      itemTools.hidden = false;
      var sizes = itemTools.querySelectorAll("[data-size]");
      var mark = function () {
        sizes.forEach(function (b) { b.setAttribute("aria-pressed", String(Number(b.getAttribute("data-size")) === state.body)); });
      };
      sizes.forEach(function (b) {
        b.addEventListener("click", function () { state.body = Number(b.getAttribute("data-size")); save(); apply(); mark(); });
      });
      mark();
      var print = itemTools.querySelector("[data-print]");
      if (print) { print.addEventListener("click", function () { window.print(); }); }
    }

    document.addEventListener("click", function (event) {  // a notice before a link leaves the site
      var a = event.target.closest && event.target.closest("a[href]");
      if (!a || event.defaultPrevented || (a.protocol !== "http:" && a.protocol !== "https:")) { return; }
      if (a.host === location.host) { return; }
      if (!window.confirm("您访问的链接即将离开本站，前往：\n" + a.href + "\n该网站内容由对方负责。是否继续？")) {
        event.preventDefault();
      }
    });
  });
})();
