// Watch / track / mute: the form works without JavaScript (POST, back to the page). Here it is
// posted in the background; the server answers with the sentence saying what the level means
// (or why it was refused), which goes into the status line (announced). The keyboard stays on
// the button and the chosen level stays selected.
for (const form of document.querySelectorAll("form[data-following]")) {
  const said = form.querySelector("#following-said");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      // The server says what the level means (a sentence, drawn there).
      said.textContent =
        (await response.text()) || "That could not be saved. Please try again.";
    } catch {
      form.submit(); // the network failed: the plain form post says what happened
    } finally {
      button.removeAttribute("aria-disabled");
    }
  });
}
