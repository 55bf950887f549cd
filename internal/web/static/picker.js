// wenming: the search-as-you-type picker for long tree selects (units,
// regions). A <select> with many options indented as a tree (the server
// indents each level with U+3000) becomes a search box with a list of
// full paths ("市中区 › 张公桥街道 › 第三网格"); the select stays in the form,
// hidden, and is what is submitted, so the page works the same without
// this script. A multiple select shows its choices as removable chips, no
// ctrl-click needed. Opt out with data-picker="off"; opt in a short list
// with data-picker="on".
(function () {
  "use strict";
  var MIN = 12, SHOW = 60, n = 0;

  // paths names each option by its ancestors: the indentation gives the
  // depth; an ancestor is named without its code in brackets, and a single
  // root (the city) is left out, as the "市中区 › 张公桥街道 › 第三网格".
  function paths(sel) {
    var stack = [], out = [], roots = 0;
    Array.prototype.forEach.call(sel.options, function (o) {
      if (o.value !== "" && o.textContent.charAt(0) !== "\u3000") { roots++; }
    });
    Array.prototype.forEach.call(sel.options, function (o) {
      var text = o.textContent, depth = 0;
      while (text.charAt(depth) === "\u3000") { depth++; }
      var name = text.slice(depth).trim();
      stack.length = depth;
      stack[depth] = name.replace(/\s*\([^()]*\)$/, "");
      var parts = stack.slice(roots === 1 && depth > 0 ? 1 : 0, depth).filter(Boolean);
      parts.push(name);
      out.push({ opt: o, path: o.value === "" ? name : parts.join(" › "), blank: o.value === "" });
    });
    return out;
  }

  function wanted(sel) {
    var mode = sel.getAttribute("data-picker");
    if (mode === "off" || sel.dataset.pickerReady) { return false; }
    if (mode === "on") { return true; }
    if (sel.options.length < MIN) { return false; }
    for (var i = 0; i < sel.options.length; i++) {
      if (sel.options[i].textContent.charAt(0) === "\u3000") { return true; }
    }
    return false;
  }

  function enhance(sel, msg) {
    sel.dataset.pickerReady = "1";
    var id = "pk" + (++n), items = paths(sel), multi = sel.multiple;
    var box = document.createElement("div");
    box.className = "picker";
    var chips = document.createElement("ul");
    chips.className = "picker-chips";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "picker-input";
    input.autocomplete = "off";
    input.placeholder = msg.pickerSearch || "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    if (sel.getAttribute("aria-invalid")) { input.setAttribute("aria-invalid", "true"); }
    if (sel.getAttribute("aria-describedby")) { input.setAttribute("aria-describedby", sel.getAttribute("aria-describedby")); }
    var list = document.createElement("ul");
    list.className = "picker-list";
    list.id = id + "-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    // The select's label now names the search box.
    if (sel.id) {
      var label = document.querySelector("label[for='" + sel.id + "']");
      input.id = sel.id + "-search";
      if (label) { label.htmlFor = input.id; }
    }
    sel.hidden = true;
    sel.setAttribute("aria-hidden", "true");
    sel.tabIndex = -1;
    sel.parentNode.insertBefore(box, sel.nextSibling);
    if (multi) { box.appendChild(chips); }
    box.appendChild(input);
    box.appendChild(list);

    var shown = [], active = -1;
    function chosenText() {
      var o = sel.options[sel.selectedIndex];
      if (!o) { return ""; }
      var it = items[sel.selectedIndex];
      return it && !it.blank ? it.path : "";
    }
    function drawChips() {
      if (!multi) { return; }
      chips.textContent = "";
      items.forEach(function (it) {
        if (!it.opt.selected || it.blank) { return; }
        var li = document.createElement("li");
        li.textContent = it.path + " ";
        var x = document.createElement("button");
        x.type = "button";
        x.className = "link";
        x.textContent = "×";
        x.setAttribute("aria-label", (msg.pickerRemove || "") + " " + it.path);
        x.addEventListener("click", function () {
          it.opt.selected = false;
          sel.dispatchEvent(new Event("change", { bubbles: true }));
          drawChips();
          input.focus();
        });
        li.appendChild(x);
        chips.appendChild(li);
      });
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(i) {
      if (active >= 0 && list.children[active]) { list.children[active].classList.remove("on"); }
      active = i;
      var li = list.children[i];
      if (li) {
        li.classList.add("on");
        input.setAttribute("aria-activedescendant", li.id);
        li.scrollIntoView({ block: "nearest" });
      }
    }
    function open() {
      var q = input.value.trim().toLowerCase();
      if (!multi && q === chosenText().toLowerCase()) { q = ""; }
      var words = q.split(/\s+/).filter(Boolean);
      shown = items.filter(function (it) {
        if (it.opt.disabled) { return false; }
        var p = it.path.toLowerCase();
        return words.every(function (w) { return p.indexOf(w) >= 0; });
      }).slice(0, SHOW);
      list.textContent = "";
      shown.forEach(function (it, i) {
        var li = document.createElement("li");
        li.id = id + "-o" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", it.opt.selected ? "true" : "false");
        li.textContent = it.path;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(it); });
        list.appendChild(li);
      });
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = msg.pickerNone || "";
        list.appendChild(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }
    function choose(it) {
      if (multi) {
        it.opt.selected = !it.opt.selected;
        input.value = "";
        drawChips();
        open();
      } else {
        sel.value = it.opt.value;
        input.value = it.blank ? "" : it.path;
        close();
      }
      sel.dispatchEvent(new Event("change", { bubbles: true }));
    }
    input.addEventListener("input", open);
    input.addEventListener("focus", function () { if (!multi) { input.select(); } });
    input.addEventListener("click", open);
    input.addEventListener("blur", function () {
      close();
      if (!multi) { input.value = chosenText(); }
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden) { open(); }
        var k = shown.length;
        if (k) { mark(e.key === "ArrowDown" ? (active + 1) % k : (active - 1 + k) % k); }
      } else if (e.key === "Enter") {
        if (!list.hidden && shown.length) {
          e.preventDefault();
          choose(shown[active >= 0 ? active : 0]);
        }
      } else if (e.key === "Escape") {
        close();
      }
    });
    // A select reset or changed by another script shows its new choice.
    sel.addEventListener("change", function () {
      if (!multi && document.activeElement !== input) { input.value = chosenText(); }
    });
    input.value = multi ? "" : chosenText();
    drawChips();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var msg = document.body.dataset;
    document.querySelectorAll("select").forEach(function (sel) {
      if (wanted(sel)) { enhance(sel, msg); }
    });
  });
})();
