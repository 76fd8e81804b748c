// Who is in the shared solution now, and where: this page's cursor and selection go out in the
// Yjs awareness state; everyone else's are drawn in the editor, labelled with the name the group
// sees for them (each page announces its own, from the server's data-display-name).
//
// Drawn with classes only (a palette of eight, chosen from the peer's Yjs client id, so every
// page gives a person the same colour): y-codemirror.next's own remote cursors set style
// attributes, which the page's Content-Security-Policy (no 'unsafe-inline' styles) refuses, and
// would put a colour chosen by a peer into the page's CSS. Names are set as text, never markup.
import * as Y from "yjs";
import { Annotation } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType } from "@codemirror/view";
import { ySyncFacet } from "y-codemirror.next";

const PALETTE = 8;
const NAME_LIMIT = 60;
const refresh = Annotation.define();

/** The palette entry for a Yjs client id: the same on every page. */
export function colourOf(clientId) {
  return Math.abs(Number(clientId) || 0) % PALETTE;
}

/** The name a peer's page announced, as plain text of a sensible length. */
export function nameOf(state) {
  const name = state?.user?.name;
  return typeof name === "string" ? name.trim().slice(0, NAME_LIMIT) : "";
}

class PeerCaret extends WidgetType {
  constructor(colour, name) {
    super();
    this.colour = colour;
    this.name = name;
  }

  eq(other) {
    return other.colour === this.colour && other.name === this.name;
  }

  toDOM() {
    const caret = document.createElement("span");
    caret.className = `cm-peer-caret cm-peer-${this.colour}`;
    caret.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "cm-peer-name";
    label.textContent = this.name;
    caret.append("\u2060", label, "\u2060");
    return caret;
  }

  ignoreEvent() {
    return true;
  }
}

function absolute(json, ydoc, ytext) {
  try {
    const position = Y.createAbsolutePositionFromRelativePosition(
      Y.createRelativePositionFromJSON(json),
      ydoc,
    );
    return position && position.type === ytext ? position.index : null;
  } catch {
    return null; // a peer's garbage: draw nothing for it
  }
}

/** The CodeMirror extension: publish this page's cursor, draw the others'. */
export function presence(awareness) {
  return ViewPlugin.fromClass(
    class {
      constructor(view) {
        this.decorations = Decoration.none;
        this.listener = ({ added, updated, removed }) => {
          const changed = [...added, ...updated, ...removed];
          if (changed.some((id) => id !== awareness.clientID)) {
            view.dispatch({ annotations: refresh.of(true) });
          }
        };
        awareness.on("change", this.listener);
      }

      destroy() {
        awareness.off("change", this.listener);
      }

      update(update) {
        this.publish(update);
        this.decorations = this.draw(update.view);
      }

      publish(update) {
        const local = awareness.getLocalState();
        if (local == null) return;
        const ytext = this.ytext(update.view);
        const focused = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus();
        if (!focused) return; // a blurred page keeps showing where it was
        const { anchor, head } = update.state.selection.main;
        const cursor = {
          anchor: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(ytext, anchor)),
          head: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(ytext, head)),
        };
        if (JSON.stringify(cursor) !== JSON.stringify(local.cursor ?? null)) {
          awareness.setLocalStateField("cursor", cursor);
        }
      }

      ytext(view) {
        return view.state.facet(ySyncFacet).ytext; // the Y.Text yCollab bound the view to
      }

      draw(view) {
        const ytext = this.ytext(view);
        const ydoc = ytext.doc;
        const length = view.state.doc.length;
        const ranges = [];
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === awareness.clientID || !state?.cursor) return;
          const anchor = absolute(state.cursor.anchor, ydoc, ytext);
          const head = absolute(state.cursor.head, ydoc, ytext);
          if (anchor == null || head == null || anchor > length || head > length) return;
          const colour = colourOf(clientId);
          const from = Math.min(anchor, head);
          const to = Math.max(anchor, head);
          if (from < to) {
            ranges.push(
              Decoration.mark({ class: `cm-peer-selection cm-peer-${colour}` }).range(from, to),
            );
          }
          ranges.push(
            Decoration.widget({
              widget: new PeerCaret(colour, nameOf(state)),
              side: head > anchor ? -1 : 1,
            }).range(head),
          );
        });
        return Decoration.set(ranges, true);
      }
    },
    { decorations: (plugin) => plugin.decorations },
  );
}

/** The people in the document now, one item each (several tabs are one person). */
export function showPresent(list, awareness) {
  const names = new Map();
  awareness.getStates().forEach((state, clientId) => {
    const name = nameOf(state);
    if (!name) return;
    const self = clientId === awareness.clientID;
    names.set(name, (names.get(name) ?? false) || self);
  });
  const items = [];
  for (const [name, self] of names) {
    const item = document.createElement("li");
    item.textContent = self ? `${name} (you)` : name;
    if (self) item.dataset.self = "true";
    items.push(item);
  }
  list.replaceChildren(...items);
}

const PEER_COLOURS = [
  ["#1d4f91", "rgba(29, 79, 145, 0.22)"],
  ["#a02c1a", "rgba(160, 44, 26, 0.2)"],
  ["#22692a", "rgba(34, 105, 42, 0.22)"],
  ["#6b3594", "rgba(107, 53, 148, 0.2)"],
  ["#8a4b00", "rgba(138, 75, 0, 0.2)"],
  ["#005f66", "rgba(0, 95, 102, 0.22)"],
  ["#9c1f55", "rgba(156, 31, 85, 0.2)"],
  ["#454545", "rgba(69, 69, 69, 0.2)"],
];

const theme = {
  ".cm-peer-caret": {
    position: "relative",
    borderLeft: "2px solid",
    marginLeft: "-1px",
    marginRight: "-1px",
  },
  ".cm-peer-name": {
    position: "absolute",
    bottom: "100%",
    left: "-2px",
    padding: "0 3px",
    fontSize: "0.75em",
    lineHeight: "1.3",
    whiteSpace: "nowrap",
    color: "#ffffff",
    borderRadius: "2px 2px 2px 0",
    pointerEvents: "none",
    userSelect: "none",
    zIndex: "10",
  },
};
PEER_COLOURS.forEach(([strong, light], index) => {
  theme[`.cm-peer-caret.cm-peer-${index}`] = { borderLeftColor: strong };
  theme[`.cm-peer-caret.cm-peer-${index} .cm-peer-name`] = { backgroundColor: strong };
  theme[`.cm-peer-selection.cm-peer-${index}`] = { backgroundColor: light };
});

export const presenceTheme = EditorView.baseTheme(theme);
