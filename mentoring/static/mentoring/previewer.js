// The Markdown preview's button and region, shared by every place text is written: the forms
// (preview.js) and the group's live solution editor (frontend/src/solution-editor.js, which
// esbuild bundles with this file). The server renders the text with the same renderer and
// sanitiser as the saved text (POST body to the preview URL → HTML), so what you see is what is
// saved. No Markdown is rendered here.

/**
 * Put a "Preview" button and a hidden, labelled preview region right after ``after``.
 *
 * ``text()`` and ``csrf()`` are read at each press (the text changes; the token may be renewed);
 * ``post`` (editing a post) lets the post's own attached images show. Returns the button and
 * the region, for the caller to place or hide.
 */
export function addPreview({ after, text, url, csrf, label, heading = 3, post = "" }) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary preview-button";
  button.textContent = "Preview";
  const region = document.createElement("section");
  region.className = "preview";
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-label", label || "Preview of your post");
  region.hidden = true;
  after.after(button, region);
  button.addEventListener("click", async () => {
    // Busy, not disabled: a disabled button drops the keyboard focus to the page's top, and a
    // keyboard user would have to find their way back to the form.
    if (button.getAttribute("aria-disabled") === "true") return;
    const data = new FormData();
    data.append("body", text());
    if (post) data.append("post", post);
    data.append("csrfmiddlewaretoken", csrf());
    button.setAttribute("aria-disabled", "true");
    try {
      const response = await fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      const answer = await response.text();
      region.replaceChildren();
      const title = document.createElement(`h${heading}`);
      title.textContent = "Preview";
      region.append(title);
      if (response.ok) {
        const body = document.createElement("div");
        body.innerHTML = answer; // sanitised by the server, as every post is
        region.append(...body.childNodes);
      } else {
        const error = document.createElement("p");
        error.className = "errorlist";
        error.textContent = answer || "The preview could not be made.";
        region.append(error);
      }
      region.hidden = false;
    } finally {
      button.removeAttribute("aria-disabled");
    }
  });
  return { button, region };
}
