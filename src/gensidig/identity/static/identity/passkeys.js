// Naming a new passkey (see identity/_passkey_add.html). django-otp-webauthn's script makes
// the passkey when the button is pressed and announces it with an
// `otp_webauthn.register_complete` event carrying its id; this sends that id with the name
// typed beside the button, and the server saves the name (and shows recovery codes after
// a first passkey). Enter in the name field presses the button instead of posting a form
// that has no passkey yet.
(function () {
  "use strict";

  var form = document.getElementById("passkey-name-form");
  if (!form) return;

  document.addEventListener("otp_webauthn.register_complete", function (event) {
    var id = event.detail && event.detail.id;
    if (!id) return;
    form.elements.passkey.value = String(id);
    form.submit();
  });

  form.addEventListener("submit", function (event) {
    if (form.elements.passkey.value) return;
    event.preventDefault();
    var button = document.getElementById("passkey-register-button");
    if (button && !button.disabled) button.click();
  });
})();
