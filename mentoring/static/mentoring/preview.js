// Markdown preview under every form where text is written (a new thread, a reply, an edit, a
// group's solution, a tutor's feedback, a reflection): the server renders it with the same
// renderer and sanitiser as the saved text (the form's data-preview-url: POST body → HTML), so
// what you see is what is saved. No Markdown is rendered here. data-preview-label names the
// preview region, data-preview-heading its heading's level (3 unless said); data-preview-post
// (editing a post) lets the post's own attached images show.
// Without JavaScript the forms work as before, just without a preview.
for (const form of document.querySelectorAll("form[data-preview-url]")) {
  const textarea = form.querySelector("textarea[name=body]");
  if (!textarea) continue;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary preview-button";
  button.textContent = "Preview";
  const region = document.createElement("section");
  region.className = "preview";
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-label", form.dataset.previewLabel || "Preview of your post");
  region.hidden = true;
  textarea.closest(".field").after(button, region);
  button.addEventListener("click", async () => {
    // Busy, not disabled: a disabled button drops the keyboard focus to the page's top, and a
    // keyboard user would have to find their way back to the form.
    if (button.getAttribute("aria-disabled") === "true") return;
    const data = new FormData();
    data.append("body", textarea.value);
    if (form.dataset.previewPost) data.append("post", form.dataset.previewPost);
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    button.setAttribute("aria-disabled", "true");
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      const text = await response.text();
      region.replaceChildren();
      const heading = document.createElement(`h${form.dataset.previewHeading || 3}`);
      heading.textContent = "Preview";
      region.append(heading);
      if (response.ok) {
        const body = document.createElement("div");
        body.innerHTML = text; // sanitised by the server, as every post is
        region.append(...body.childNodes);
      } else {
        const error = document.createElement("p");
        error.className = "errorlist";
        error.textContent = text || "The preview could not be made.";
        region.append(error);
      }
      region.hidden = false;
    } finally {
      button.removeAttribute("aria-disabled");
    }
  });
}
