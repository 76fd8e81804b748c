// LTI pages (mentoring/lti): no inline scripts, so each page marks what it needs.
// - form[data-autosubmit]: the deep-linking response posts itself to the platform.
// - [data-lti-cookie-check]: inside the platform's iframe, go on to the platform's login only
//   if this browser kept the check cookie; otherwise show "open in a new window".
// - [data-lti-session-check]: after a launch, the same for the session (a check cookie set
//   like it); the fallback is the one-time hand-off to a window of Staffroom's own.
// - [data-lti-storage-login] / form[data-lti-storage-launch]: LTI client-side storage
//   (postMessage lti.put_data / lti.get_data to the platform's frame) instead of a cookie.
"use strict";

document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());

function showFallback(root) {
  const fallback = root.querySelector("[data-lti-fallback]");
  if (fallback) fallback.hidden = false;
}

document.querySelectorAll("[data-lti-cookie-check]").forEach((root) => {
  if (document.cookie.split("; ").includes("lti_cookie_check=1")) {
    window.location.assign(root.dataset.authUrl);
  } else {
    showFallback(root);
  }
});

document.querySelectorAll("[data-lti-session-check]").forEach((root) => {
  if (document.cookie.split("; ").includes("lti_session_check=1")) {
    window.location.assign(root.dataset.url);
  } else {
    showFallback(root);
  }
});

function storageFrame(target) {
  const parent = window.parent;
  if (!target || target === "_parent") return parent;
  try {
    return parent.frames[target] || parent;
  } catch (error) {
    return parent;
  }
}

function ask(root, message) {
  // One postMessage to the platform's storage frame; resolves with the response's value.
  return new Promise((resolve, reject) => {
    const id = `${message.subject}-${Math.random().toString(36).slice(2)}`;
    const timer = window.setTimeout(() => reject(new Error("no answer")), 3000);
    function listen(event) {
      const data = event.data || {};
      if (event.origin !== root.dataset.origin || data.message_id !== id) return;
      window.removeEventListener("message", listen);
      window.clearTimeout(timer);
      if (data.error) reject(new Error(data.error.message || "refused"));
      else resolve(data.value);
    }
    window.addEventListener("message", listen);
    storageFrame(root.dataset.target).postMessage({ ...message, message_id: id }, root.dataset.origin);
  });
}

document.querySelectorAll("[data-lti-storage-login]").forEach((root) => {
  const { state, nonce } = root.dataset;
  Promise.all([
    ask(root, { subject: "lti.put_data", key: `state_${state}`, value: state }),
    ask(root, { subject: "lti.put_data", key: `nonce_${nonce}`, value: nonce }),
  ])
    .then(() => window.location.assign(root.dataset.authUrl))
    .catch(() => showFallback(root));
});

document.querySelectorAll("form[data-lti-storage-launch]").forEach((form) => {
  const { state } = form.dataset;
  ask(form, { subject: "lti.get_data", key: `state_${state}` })
    .then((value) => {
      if (value === state) form.submit();
      else showFallback(form);
    })
    .catch(() => showFallback(form));
});

// Dynamic registration done: the platform's admin page closes its dialog.
if (document.querySelector("[data-lti-registered]") && window.parent !== window) {
  window.parent.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
}
