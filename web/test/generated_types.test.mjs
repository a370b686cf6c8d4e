// client/schema.d.ts is generated from docs/openapi.yaml by openapi-typescript (`npm run generate`)
// and checked in, so the client's types are reviewable; this test regenerates it and fails when
// the checked-in copy differs, i.e. when the document changed and the client was not regenerated.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");

test("client/schema.d.ts is what openapi-typescript makes of docs/openapi.yaml", () => {
  const dir = mkdtempSync(join(tmpdir(), "toq-schema-"));
  try {
    const fresh = join(dir, "schema.d.ts");
    execFileSync(process.execPath, [join(web, "node_modules/openapi-typescript/bin/cli.js"),
                                    join(web, "../docs/openapi.yaml"), "-o", fresh], { stdio: "pipe" });
    const generated = readFileSync(fresh, "utf8");
    const checkedIn = readFileSync(join(web, "client/schema.d.ts"), "utf8");
    assert.ok(generated.includes("createUploadBatch"), "the generator produced no operations");
    assert.equal(checkedIn, generated,
                 "client/schema.d.ts is stale: run `npm run generate` in web/ and commit the result");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
