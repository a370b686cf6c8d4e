#!/usr/bin/env node
// npm test: type-check, then every test/*.test.ts on node's test runner (through tsx). Runs on the
// Node 22 that package.json installs (aws-local-stepfunctions needs it); artifacts (the synthesized
// template) go to $TOQ_AWS_ARTIFACT_DIR, or build/ under this directory.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(here, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`deploy/aws tests need Node >= 22 (got ${process.version}); run them with npm test, which puts node_modules/.bin/node first`);
  process.exit(1);
}
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: here, env, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const only = process.argv.slice(2);
const files = fs.readdirSync(path.join(here, 'test')).filter((f) => f.endsWith('.test.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort().map((f) => path.join('test', f));
if (only.length === 0) run(path.join(bin, 'tsc'), ['--noEmit', '-p', '.']);
run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]);
