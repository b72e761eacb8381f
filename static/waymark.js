// Waymark's page behaviour, kept out of the markup: the Content-Security-Policy forbids inline
// scripts and style attributes. Sizes worked out on the server travel in data attributes and are
// set through the CSSOM, which the policy allows; htmx.onLoad runs for the page and each swap.
(function () {
  "use strict";

  var STYLES = {
    "data-bar-percent": function (el, value) { el.style.width = value + "%"; },
    "data-grid-column": function (el, value) { el.style.gridColumn = value; },
    "data-grid-row": function (el, value) { el.style.gridRow = value; },
    "data-timeline-days": function (el, value) { el.style.setProperty("--days", value); },
  };

  function applyStyles(root) {
    Object.keys(STYLES).forEach(function (name) {
      var found = Array.prototype.slice.call(root.querySelectorAll("[" + name + "]"));
      if (root.hasAttribute && root.hasAttribute(name)) found.push(root);
      found.forEach(function (el) { STYLES[name](el, el.getAttribute(name)); });
    });
  }
  // [data-focus-on-load]: a panel swapped in (the journey map's cell editor) takes the focus,
  // so keyboard users carry on where they are: on the first field it refused, else its first.
  // htmx runs this a moment after the swap: a field the user has already clicked keeps the focus.
  function focusPanel(root) {
    var panel = root.querySelector("[data-focus-on-load]");
    if (!panel || panel.contains(document.activeElement)) return;
    var field = panel.querySelector("[aria-invalid=true]") ||
      panel.querySelector("textarea, input:not([type=hidden]), select, button");
    if (field) field.focus();
  }
  if (window.htmx) {
    htmx.onLoad(applyStyles);
    htmx.onLoad(focusPanel);
  } else applyStyles(document.body);  // a page without htmx (print): deferred, so the DOM is in

  // <select data-submit-on-change>: choosing an option submits its form.
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-submit-on-change]")) event.target.form.requestSubmit();
    // <input type=checkbox data-select-all="ids">: ticks or clears every box named "ids" on the
    // page (a bulk action's rows); a row ticked by hand updates it and the count.
    var all = event.target.getAttribute && event.target.getAttribute("data-select-all");
    if (all) boxes(all).forEach(function (box) { box.checked = event.target.checked; });
    var name = all || (event.target.type === "checkbox" && event.target.name);
    if (name) countTicked(name);
  });
  function boxes(name) {
    return Array.prototype.slice.call(
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]'));
  }
  function countTicked(name) {
    var ticked = boxes(name).filter(function (box) { return box.checked; }).length;
    document.querySelectorAll('[data-select-all="' + name + '"]').forEach(function (all) {
      all.checked = ticked > 0 && ticked === boxes(name).length;
      all.indeterminate = ticked > 0 && ticked < boxes(name).length;
    });
    document.querySelectorAll('[data-bulk-count="' + name + '"]').forEach(function (el) {
      el.textContent = ticked ? ticked + " ticked" : "";
    });
  }
  // Escape in a [data-escape-cancels] panel presses its Cancel button.
  document.addEventListener("keydown", function (event) {
    var panel = event.key === "Escape" && event.target.closest("[data-escape-cancels]");
    var cancel = panel && panel.querySelector("[data-cancel]");
    if (cancel) cancel.click();
  });
  // "/" or Ctrl+K (⌘K) focuses the search box in the bar, unless the person is typing in a
  // field (where "/" is a character); below the lg breakpoint the box sits in the collapsed
  // menu, which opens first.
  document.addEventListener("keydown", function (event) {
    var slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey;
    var ctrlK = (event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K");
    if (!slash && !ctrlK) return;
    var target = event.target;
    var typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (typing) return;
    var box = document.querySelector("[data-search-shortcut]");
    if (!box) return;
    event.preventDefault();
    var menu = box.closest(".collapse");
    if (menu && !menu.classList.contains("show") && window.bootstrap && !box.offsetParent) {
      menu.addEventListener("shown.bs.collapse", function () { box.focus(); box.select(); },
                            { once: true });
      window.bootstrap.Collapse.getOrCreateInstance(menu).show();
      return;
    }
    box.focus();
    box.select();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
    if (event.target.matches("[data-select-on-click]")) event.target.select();
  });
})();
