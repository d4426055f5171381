/* The site's only script besides htmx. The Content-Security-Policy allows no inline script, so
   behaviour that used to sit in onclick/onsubmit attributes is wired here by event delegation:

   <button data-print>                      prints the page
   <button data-confirm="问题？">            asks before the click goes ahead (e.g. a submit button)
   <form data-confirm="问题？">              asks before the form is submitted
   <button data-menu-toggle>                opens and closes the menus of the phone header
   <fieldset data-multipick="field">        a multi-pick: the option chosen in the picker inside
                                            (core/_picker.html) joins the list [data-picked] as a hidden
                                            input "field" with a 移除 button [data-unpick]; the list fires
                                            "change" when it changes. Without this script the same
                                            buttons submit the form (pick=..., unpick=...) and the page
                                            answers with the list changed.

   htmx requests use hx-confirm instead (htmx asks itself). A refused roll call (form.rollcall) shows
   its reason in place of the buttons. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var toggle = target.closest("[data-menu-toggle]");
    if (toggle) {  // the phone header's 菜单 button opens and closes the menus
      var bar = toggle.closest(".topbar");
      var open = bar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    var printer = target.closest("[data-print]");
    if (printer) {
      event.preventDefault();
      window.print();
      return;
    }
    var asker = target.closest("button[data-confirm], input[data-confirm], a[data-confirm]");
    if (asker && !window.confirm(asker.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function pickedChanged(box) {
    var list = box.querySelector("[data-picked]");
    var none = box.querySelector("[data-picked-none]");
    if (none) none.hidden = list.children.length > 0;
    list.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var remove = target && target.closest("[data-multipick] [data-unpick]");
    if (!remove) return;
    event.preventDefault();
    var box = remove.closest("[data-multipick]");
    remove.closest("li").remove();
    pickedChanged(box);
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement)) return;
    var box = select.closest("[data-multipick]");
    if (!box || !select.closest(".picker") || !select.value) return;
    var field = box.getAttribute("data-multipick");
    var list = box.querySelector("[data-picked]");
    var option = select.options[select.selectedIndex];
    var known = Array.prototype.some.call(list.querySelectorAll("input[type=hidden]"), function (input) {
      return input.value === select.value;
    });
    if (!known) {
      var item = document.createElement("li");
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = field;
      input.value = select.value;
      var text = document.createElement("span");
      text.textContent = option.textContent;
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "btn secondary";
      button.name = "unpick";
      button.value = select.value;
      button.formNoValidate = true;
      button.setAttribute("aria-label", "移除" + option.textContent);
      button.setAttribute("data-unpick", "");
      button.textContent = "移除";
      item.append(input, text, " ", button);
      list.appendChild(item);
    }
    select.value = "";  // the picker is free for the next one
    pickedChanged(box);
  });

  function hideAddButtons() {  // with this script a choice joins the list at once
    document.querySelectorAll("[data-multipick] [data-picked-add]").forEach(function (button) {
      button.hidden = true;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", hideAddButtons);
  else hideAddButtons();

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm") &&
        !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A roll call refused (409: the day's roll call was taken by someone else; 422: not a day to call)
  // answers with the reason, shown in place of the buttons like a recorded one.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var form = event.detail.elt instanceof Element ? event.detail.elt.closest("form.rollcall") : null;
    if (form && (status === 409 || status === 422)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
