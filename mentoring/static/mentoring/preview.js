// Markdown preview under every form where text is written (a new thread, a reply, an edit, a
// group's solution, a tutor's feedback, a reflection): the server renders it (previewer.js). The
// form's data-preview-url is where; data-preview-label names the preview region,
// data-preview-heading its heading's level (3 unless said); data-preview-post (editing a post)
// lets the post's own attached images show. The group's live solution editor previews through
// its fallback form's attributes with the same helper.
// Without JavaScript the forms work as before, just without a preview.
import { addPreview } from "./previewer.js";

for (const form of document.querySelectorAll("form[data-preview-url]")) {
  const textarea = form.querySelector("textarea[name=body]");
  if (!textarea) continue;
  addPreview({
    after: textarea.closest(".field"),
    text: () => textarea.value,
    url: form.dataset.previewUrl,
    csrf: () => form.querySelector("[name=csrfmiddlewaretoken]").value,
    label: form.dataset.previewLabel,
    heading: form.dataset.previewHeading || 3,
    post: form.dataset.previewPost,
  });
}
