// A stock y-websocket client against Staffroom's solution socket (issue 22), run by
// tests/coediting/test_stock_client.py: `new WebsocketProvider(base, "solution", doc)` with
// nothing of ours but a session cookie, the npm-installed y-websocket, yjs and ws from
// frontend/node_modules (`make frontend`).
//
//   node stock_client.mjs BASE COOKIE [--append TEXT] [--expect TEXT] [--timeout MS]
//
// BASE is "ws://HOST:PORT/ws/groups/<id>". Syncs, then appends TEXT to the Y.Text "solution"
// and waits until the server has answered after it (a sync step 1 sent after the update is
// answered only once the update was stored), or waits until the text contains --expect.
// Prints one JSON line: {"text", "synced", "closed": {code, reason} | null, "readOnly"}.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "..", "frontend", "package.json"));
const Y = require("yjs");
const { WebsocketProvider, messageSync, messageAuth } = require("y-websocket");
const WebSocket = require("ws");
const encoding = require("lib0/encoding");
const syncProtocol = require("y-protocols/sync");
const authProtocol = require("y-protocols/auth");

const [base, cookie, ...rest] = process.argv.slice(2);
const options = {};
for (let i = 0; i < rest.length; i += 2) options[rest[i].replace(/^--/, "")] = rest[i + 1];
const timeout = Number(options.timeout || 10000);
const origin = base.replace(/^ws/, "http").replace(/\/ws\/.*$/, "");

class CookieWebSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols, { headers: { Cookie: cookie, Origin: origin } });
  }
}

const doc = new Y.Doc();
const ytext = doc.getText("solution");
const provider = new WebsocketProvider(base, "solution", doc, {
  WebSocketPolyfill: CookieWebSocket,
  disableBc: true,
});
let closed = null;
let readOnly = false;
provider.messageHandlers[messageAuth] = (_encoder, decoder) => {
  authProtocol.readAuthMessage(decoder, doc, () => {
    readOnly = true;
  });
};

function report(extra = {}) {
  process.stdout.write(
    `${JSON.stringify({ text: ytext.toString(), synced: provider.synced, closed, readOnly, ...extra })}\n`,
  );
  provider.destroy();
  process.exit(0);
}

const giveUp = setTimeout(() => report({ timedOut: true }), timeout);
const whenClosed = new Promise((resolve) => {
  provider.on("closed", (event) => {
    closed = { code: event.code, reason: event.reason };
    resolve();
  });
});
const synced = () =>
  new Promise((resolve) => {
    if (provider.synced) return resolve();
    const on = (state) => state && (provider.off("sync", on), resolve());
    provider.on("sync", on);
  });

async function main() {
  await Promise.race([synced(), whenClosed]);
  if (closed) return report();
  if (options.append !== undefined) {
    ytext.insert(ytext.length, options.append);
    // Ask for the server's state after the update went out: the reply comes once it is stored.
    provider.synced = false;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, messageSync);
    syncProtocol.writeSyncStep1(encoder, doc);
    provider.ws.send(encoding.toUint8Array(encoder));
    await Promise.race([synced(), whenClosed]);
  }
  if (options.expect !== undefined) {
    await Promise.race([
      new Promise((resolve) => {
        const check = () => ytext.toString().includes(options.expect) && resolve();
        ytext.observe(check);
        check();
      }),
      whenClosed,
    ]);
  }
  // A moment for anything the server sends on the heels of the sync (a read-only notice).
  await new Promise((resolve) => setTimeout(resolve, Number(options.linger || 200)));
  clearTimeout(giveUp);
  report();
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(2);
});
