// What the page says of the shared solution's connection: connecting, offline (edits kept in
// this browser), saving, saved (in sync with the group), or ended (no longer editable here).
// The sentences are the server's: the status region holds one [data-when=...] child per state
// and this only shows the one that is true now.
//
// "Saved" means the server has answered after receiving this page's edits. The y-websocket
// protocol has no acknowledgement, so once edits have gone out this page asks for the server's
// state (a sync step 1) and waits for the reply (a sync step 2): the server handles a socket's
// messages in order and stores an update before it reads the next message, so the reply
// confirms everything sent before the question.
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import { messageSync } from "y-websocket";

const SETTLE_MS = 800; // ask once typing pauses, not once per keystroke

export class SyncStatus {
  constructor({ doc, provider, store, region, readOnly }) {
    this.provider = provider;
    this.region = region;
    this.readOnly = readOnly;
    this.hasEnded = false;
    this.edits = 0; // local edits made so far
    this.confirmed = 0; // how many of them the server has confirmed
    this.asked = null; // the edit count when the pending question went out
    this.timer = 0;
    this.everConnected = false;

    doc.on("update", (_update, origin) => {
      if (origin === provider || (store && origin === store)) return; // not typed here
      this.edits += 1;
      this.settle();
      this.show();
    });
    provider.on("status", () => {
      if (provider.wsconnected) this.everConnected = true;
      else this.asked = null; // the question went down with the socket
      this.show();
    });
    provider.on("sync", (synced) => {
      if (!synced) return this.show();
      if (this.asked !== null) {
        this.confirmed = Math.max(this.confirmed, this.asked);
        this.asked = null;
      }
      // After a reconnection the edits made offline went out in answer to the server's own
      // sync step 1: ask again so that the confirmation covers them.
      if (this.confirmed < this.edits) this.settle();
      this.show();
    });
    this.show();
  }

  settle() {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.ask(), SETTLE_MS);
  }

  ask() {
    const { provider } = this;
    const ws = provider.ws;
    if (this.hasEnded || !provider.wsconnected || !provider.synced || !ws) return;
    if (ws.readyState !== ws.OPEN || this.confirmed >= this.edits) return;
    this.asked = this.edits;
    provider.synced = false; // y-websocket sets it again when the reply arrives
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, messageSync);
    syncProtocol.writeSyncStep1(encoder, provider.doc);
    ws.send(encoding.toUint8Array(encoder));
  }

  readOnlyNow() {
    this.readOnly = true;
    this.show();
  }

  ended() {
    this.hasEnded = true;
    window.clearTimeout(this.timer);
    this.show();
  }

  /** The state now: ended, offline, connecting, saving, saved or read-only. */
  get state() {
    const { provider } = this;
    if (this.hasEnded) return "ended";
    if (!provider.wsconnected) return this.everConnected ? "offline" : "connecting";
    if (!provider.synced && this.asked === null) return "connecting";
    if (this.readOnly) return "live";
    return this.confirmed < this.edits ? "saving" : "saved";
  }

  show() {
    const state = this.state;
    if (!this.region || this.region.dataset.state === state) return;
    this.region.dataset.state = state;
    for (const sentence of this.region.querySelectorAll("[data-when]")) {
      sentence.hidden = sentence.dataset.when !== state;
    }
  }
}
