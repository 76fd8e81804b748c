// Watch / track / mute: the form works without JavaScript (POST, back to the page). Here it is
// posted in the background; the server answers with the control, whose sentence goes into the
// status line (announced) and whose level stays selected. The keyboard stays on the button.
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
      const text = await response.text();
      if (!response.ok) {
        said.textContent = text || "That could not be saved. Please try again.";
        return;
      }
      const fresh = new DOMParser().parseFromString(text, "text/html");
      const freshSaid = fresh.querySelector("#following-said");
      if (freshSaid) {
        said.textContent = freshSaid.textContent;
        said.dataset.level = freshSaid.dataset.level;
      }
    } catch {
      form.submit(); // the network failed: the plain form post says what happened
    } finally {
      button.removeAttribute("aria-disabled");
    }
  });
}
