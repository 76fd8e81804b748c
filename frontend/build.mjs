// Bundles the browser side of the group's shared solution (src/solution-editor.js: Yjs,
// y-websocket, y-indexeddb, CodeMirror 6) into one ES module that Django serves as a static file:
// scenarios/static/scenarios/build/solution-editor.js. The output is not committed (.gitignore);
// `make frontend` (part of `make run` and `make test`) runs this after `npm ci`.
//
// The page runs under a Content-Security-Policy without 'unsafe-eval' or 'unsafe-inline': the
// build fails if the bundle contains eval or new Function, so that is found here, not in a browser.
import * as esbuild from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, "..", "scenarios", "static", "scenarios", "build", "solution-editor.js");

await esbuild.build({
  entryPoints: [join(here, "src", "solution-editor.js")],
  outfile,
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
});

const bundle = readFileSync(outfile, "utf8");
const unsafe = [/\beval\s*\(/, /\bnew\s+Function\s*\(/].filter((pattern) => pattern.test(bundle));
if (unsafe.length) {
  console.error(`build.mjs: ${outfile} would need 'unsafe-eval' (${unsafe.join(", ")})`);
  process.exit(1);
}
