/* The site's only script besides htmx. The Content-Security-Policy allows no inline script, so
   behaviour that used to sit in onclick/onsubmit attributes is wired here by event delegation:

   <button data-print>                      prints the page
   <button data-confirm="问题？">            asks before the click goes ahead (e.g. a submit button)
   <form data-confirm="问题？">              asks before the form is submitted
   <button data-menu-toggle>                opens and closes the menus of the phone header

   htmx requests use hx-confirm instead (htmx asks itself). */
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

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm") &&
        !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
