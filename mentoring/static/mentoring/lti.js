// LTI: a form marked data-autosubmit (the deep-linking response to the platform) posts itself;
// its button stays for browsers without scripts.
"use strict";
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
