// The group's solution, written together live: a CodeMirror 6 Markdown editor bound to the
// Y.Text named "solution" of the group's Yjs document, synced over the stock y-websocket protocol
// (/ws/groups/<id>/solution), kept in IndexedDB while the socket is down, with who is in the
// document now and their cursors.
//
// The server draws everything else: the text before this script runs (and without JavaScript),
// the status sentences (this script only shows the one that is true now), the version history.
// Nothing here formats dates or builds markup from what arrives; names are set as text.
//
// The page's contract, on [data-solution-editor]:
//   data-ws-base       "/ws/groups/<id>" (the provider adds "/solution")
//   data-display-name  the name the group sees for the person at this page
//   data-read-only     "true" for tutors, and for everyone once the solution is submitted/closed
//   data-store         the IndexedDB name for edits kept in this browser (absent: none kept)
//   data-labelledby    the id of the editor's label
// and inside it [data-editor-mount], [data-editor-fallback] (hidden once the document is here,
// when the [data-editor-reveal] elements show), [data-editor-status] (with one [data-when=...]
// child per state) and [data-editor-presence] (a list). The fallback's form (writers only) says
// where the server previews the text (data-preview-url, data-preview-label, its CSRF token): the
// editor gets the same Preview button and region as the forms (mentoring/previewer.js).
import * as Y from "yjs";
import { WebsocketProvider, messageAuth } from "y-websocket";
import * as authProtocol from "y-protocols/auth";
import { IndexeddbPersistence } from "y-indexeddb";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import { Compartment, EditorState } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  keymap,
  placeholder,
} from "@codemirror/view";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { markdown } from "@codemirror/lang-markdown";
import { syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";

import { addPreview } from "../../mentoring/static/mentoring/previewer.js";
import { presence, presenceTheme, showPresent } from "./presence.js";
import { SyncStatus } from "./status.js";

// The page's stylesheet does not reach into the editor's shadow root: its looks are here.
const editorTheme = EditorView.theme({
  "&": { minHeight: "12rem", maxHeight: "70vh", backgroundColor: "#ffffff", color: "#1a1a1a" },
  "&.cm-focused": { outline: "none" }, // the mount shows focus (scenarios.css, :focus-within)
  ".cm-scroller": {
    overflow: "auto",
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    lineHeight: "1.6",
  },
  ".cm-content": { padding: "1.4em 0 1em" }, // room above the first line for a peer's name
  ".cm-line": { padding: "0 .75rem" },
});

function start(root) {
  const mount = root.querySelector("[data-editor-mount]");
  const fallback = root.querySelector("[data-editor-fallback]");
  const statusRegion = root.querySelector("[data-editor-status]");
  const presentList = root.querySelector("[data-editor-presence]");
  const readOnly = root.dataset.readOnly === "true";

  const doc = new Y.Doc();
  const ytext = doc.getText("solution");

  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const provider = new WebsocketProvider(
    `${scheme}//${window.location.host}${root.dataset.wsBase}`,
    "solution",
    doc,
  );
  const awareness = provider.awareness;
  const announce = () => awareness.setLocalState({ user: { name: root.dataset.displayName || "" } });
  announce();

  // Edits made here are kept in this browser until the server has them: typed offline, they
  // survive a reload and merge on reconnect. Tutors (read-only) keep nothing.
  const store = !readOnly && root.dataset.store ? new IndexeddbPersistence(root.dataset.store, doc) : null;

  const editable = new Compartment();
  const lockedState = (locked) => [EditorState.readOnly.of(locked)];
  const undoManager = new Y.UndoManager(ytext);
  // The editor lives in a shadow root of the mount: CodeMirror's styles then go into a
  // constructed stylesheet of that root, which the Content-Security-Policy (no inline styles)
  // allows; in the document itself they would be a <style> element, which it refuses.
  const shadow = mount.attachShadow({ mode: "open" });
  const label = document.getElementById(root.dataset.labelledby || "")?.textContent.trim() || "";
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        keymap.of([...yUndoManagerKeymap, ...defaultKeymap, indentWithTab]),
        drawSelection(),
        highlightActiveLine(),
        EditorView.lineWrapping,
        markdown(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        placeholder(root.dataset.placeholder || ""),
        editable.of(lockedState(readOnly)),
        // The label's id does not reach into the shadow root: its words do.
        EditorView.contentAttributes.of({ "aria-label": label }),
        editorTheme,
        yCollab(ytext, null, { undoManager }),
        presence(awareness),
        presenceTheme,
      ],
    }),
  });

  // Preview what the group has written now, rendered by the server as the forms' previews are.
  // The button shows with the editor; the fallback form keeps its own until then.
  const form = fallback?.querySelector("form[data-preview-url]");
  if (form && !readOnly) {
    const { button } = addPreview({
      after: mount,
      text: () => ytext.toString(),
      url: form.dataset.previewUrl,
      csrf: () => form.querySelector("[name=csrfmiddlewaretoken]").value,
      label: form.dataset.previewLabel,
      heading: form.dataset.previewHeading || 3,
    });
    button.hidden = mount.hidden;
    button.dataset.editorReveal = "";
  }

  const status = new SyncStatus({ doc, provider, store, region: statusRegion, readOnly });

  // The server's text is on the page until the shared document has arrived, from the server or
  // from this browser's store; the editor then takes its place.
  const reveal = () => {
    if (!mount.hidden) return;
    for (const element of root.querySelectorAll("[data-editor-reveal]")) element.hidden = false;
    if (fallback) fallback.hidden = true;
    root.dataset.editorReady = "true";
  };
  provider.on("sync", (synced) => synced && reveal());
  store?.whenSynced.then(() => ytext.length > 0 && reveal());

  // Someone arrived: tell them who is here now rather than at the next renewal (15 s), as the
  // server relays presence and does not replay it to newcomers.
  awareness.on("change", ({ added }, origin) => {
    if (origin === provider && added.some((id) => id !== awareness.clientID)) {
      awareness.setLocalState(awareness.getLocalState());
    }
    if (presentList) showPresent(presentList, awareness);
  });
  if (presentList) showPresent(presentList, awareness);

  // The server says "read-only" (y-protocols' auth message) to tutors, and to everyone once the
  // solution is submitted or the release closes: the editor stops taking input.
  const lock = () => view.dispatch({ effects: editable.reconfigure(lockedState(true)) });
  provider.messageHandlers[messageAuth] = (_encoder, decoder) => {
    authProtocol.readAuthMessage(decoder, doc, () => {
      lock();
      status.readOnlyNow();
    });
  };

  // The server closes with a 44xx code when this person may no longer open the document
  // (removed from the group, signed out: 4403) or sent what it refuses (4400, 4413): y-websocket
  // does not reconnect after those, and the editor stops taking input.
  provider.on("closed", () => {
    lock();
    status.ended();
  });

  // The browser knows it is offline before the socket times out: say so now, and reconnect
  // (sending what was typed meanwhile) as soon as the network is back.
  window.addEventListener("offline", () => provider.disconnect());
  window.addEventListener("online", () => status.hasEnded || provider.connect());
  if (!navigator.onLine) provider.disconnect();

  // Leaving the page leaves the list at once; coming back to it (the back button) rejoins.
  window.addEventListener("pagehide", () => awareness.setLocalState(null));
  window.addEventListener("pageshow", (event) => event.persisted && announce());

  // For the tests and the curious: the shared state of this page, read-only by convention.
  root.solutionEditor = { doc, ytext, provider, view, status };
}

for (const root of document.querySelectorAll("[data-solution-editor]")) {
  start(root);
}
