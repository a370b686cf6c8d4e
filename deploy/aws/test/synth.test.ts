// `cdk synth` with the pinned CLI, offline, as the platform team runs it. The cloud assembly and
// the template are kept as test artifacts: $TOQ_AWS_ARTIFACT_DIR (CTest sets it inside the build
// tree), or build/ here.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deployDir } from './support/contract';
import { aslText } from './support/asl';

const artifacts = process.env.TOQ_AWS_ARTIFACT_DIR ?? path.join(deployDir, 'build');

test('cdk synth runs offline with the pinned CLI and writes the template', () => {
  const out = path.join(artifacts, 'cdk.out');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const cli = path.join(deployDir, 'node_modules', '.bin', 'cdk');
  const r = spawnSync(cli, ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', out], {
    cwd: deployDir,
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    timeout: 180_000,
  });
  assert.equal(r.status, 0, `cdk synth failed:\n${r.stdout}\n${r.stderr}`);
  const templatePath = path.join(out, 'toq-media.template.json');
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
  const machines = Object.values<any>(template.Resources).filter((res) => res.Type === 'AWS::StepFunctions::StateMachine');
  assert.equal(machines.length, 1);
  assert.equal(machines[0].Properties.DefinitionString, aslText());
  const version = JSON.parse(fs.readFileSync(path.join(deployDir, 'node_modules', 'aws-cdk', 'package.json'), 'utf8')).version;
  assert.equal(version, JSON.parse(fs.readFileSync(path.join(deployDir, 'package.json'), 'utf8')).devDependencies['aws-cdk'], 'the CLI is the pinned one');
  fs.copyFileSync(templatePath, path.join(artifacts, 'toq-media.template.json'));
  console.log(`# template: ${path.join(artifacts, 'toq-media.template.json')} (${fs.statSync(templatePath).size} bytes)`);
});
