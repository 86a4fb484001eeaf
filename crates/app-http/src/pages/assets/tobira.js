// tobira: show/hide toggles for password fields, and forms that move on by themselves.
// Progressive enhancement only: without this script the fields work as plain password fields,
// the toggles stay hidden, and a moving-on form waits for its button.
(function () {
  "use strict";
  function wire(button) {
    var input = document.getElementById(button.getAttribute("aria-controls"));
    if (!input) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? button.dataset.hide : button.dataset.show;
      button.setAttribute("aria-pressed", show ? "true" : "false");
      input.focus();
    });
  }
  function init() {
    var buttons = document.querySelectorAll("button.toggle[aria-controls]");
    for (var i = 0; i < buttons.length; i++) { wire(buttons[i]); }
    // A form that only carries an answer on from this origin (AD sign-in) moves on by itself.
    var onward = document.querySelector("form[data-autosubmit]");
    if (onward) { onward.submit(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
