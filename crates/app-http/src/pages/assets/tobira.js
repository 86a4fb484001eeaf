// tobira: show/hide toggles for password fields, forms that move on by themselves, and files
// read into a text field. Progressive enhancement only: without this script the fields work as
// plain password fields, the toggles and file choosers stay hidden (the document can still be
// pasted), and a moving-on form waits for its button.
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
  // "Forgot password" carries the address typed so far.
  function carry() {
    var link = document.getElementById("forgot-link");
    var email = document.getElementById("email");
    if (!link || !email) { return; }
    email.addEventListener("input", function () {
      var v = email.value.trim();
      link.href = "/password/forgot" + (v ? "?email=" + encodeURIComponent(v) : "");
    });
  }
  // A metadata file chosen is read into its form's text field; the file itself is not sent.
  function upload(input) {
    var field = input.form && input.form.elements.namedItem(input.dataset.fills);
    var box = input.closest(".upload");
    if (!field || !box || !window.FileReader) { return; }
    box.hidden = false;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      var reader = new FileReader();
      reader.onload = function () { field.value = reader.result; };
      reader.readAsText(file);
    });
  }
  function init() {
    var buttons = document.querySelectorAll("button.toggle[aria-controls]");
    for (var i = 0; i < buttons.length; i++) { wire(buttons[i]); }
    carry();
    var files = document.querySelectorAll("input[type=file][data-fills]");
    for (var j = 0; j < files.length; j++) { upload(files[j]); }
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
