// The pt-BR guide's TypeScript example (docs/media_processing_guide.md, the ```ts block after
// `<!-- typecheck: PATH -->`) compiled against the client as if it were the file PATH of web/, with
// the kit's own compiler options: a renamed method, option or event of the client breaks it here.
// The block is served to the compiler from memory; nothing is written to the tree.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import ts from "typescript";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const guide = join(web, "../docs/media_processing_guide.md");

/** Every block marked `<!-- typecheck: PATH -->`: its path (relative to web/) and its text. */
function markedBlocks(markdown: string): { path: string; text: string }[] {
  const blocks: { path: string; text: string }[] = [];
  const re = /^<!-- typecheck: (web\/\S+\.ts) -->\n```ts\n([\s\S]*?)\n```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    blocks.push({ path: m[1]!.slice("web/".length), text: m[2]! });
  }
  return blocks;
}

function diagnostics(file: string, text: string): string[] {
  const config = ts.readConfigFile(join(web, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, web);
  const host = ts.createCompilerHost(parsed.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, text, language, true) : getSourceFile.call(host, name, language, ...rest);
  const program = ts.createProgram([file], parsed.options, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => {
      const where = d.start === undefined ? "" : `:${d.file!.getLineAndCharacterOfPosition(d.start).line + 1}`;
      return `${file}${where}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
}

test("the guide's TypeScript example compiles against the client", () => {
  const blocks = markedBlocks(readFileSync(guide, "utf8"));
  assert.ok(blocks.length > 0, "no ```ts block after <!-- typecheck: web/...ts --> in the guide");
  for (const block of blocks) {
    assert.deepEqual(diagnostics(join(web, block.path), block.text), []);
  }
});

test("a wrong name in the example is caught", () => {
  const [block] = markedBlocks(readFileSync(guide, "utf8"));
  const broken = block!.text.replace("onProgress:", "onProgres:");
  assert.notEqual(broken, block!.text);
  assert.ok(diagnostics(join(web, block!.path), broken).length > 0);
});
