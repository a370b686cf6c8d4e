// Least privilege by key prefix, checked with an IAM policy evaluator (@cloud-copilot/iam-simulate)
// on the policies the stack synthesizes: the asset task (Lambda and Fargate) reads raw uploads
// only and writes its run's outputs only; nothing that processes media can read an output prefix.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { resolve, resourcesOf, synthesize } from './support/stack';

const { stack, json } = synthesize();
const bucketArn = resolve({ 'Fn::GetAtt': [stack.getLogicalId(stack.bucket.node.defaultChild as any), 'Arn'] }, json) as string;
const key = (k: string) => `${bucketArn}/${k}`;

// Every policy document attached to a role: its inline AWS::IAM::Policy resources (what CDK's
// addToPolicy produces) and its inline Policies.
function policiesOf(role: { node: { defaultChild?: unknown } }): Array<{ name: string; policy: any }> {
  const roleId = stack.getLogicalId(role.node.defaultChild as any);
  const out: Array<{ name: string; policy: any }> = [];
  for (const [id, p] of resourcesOf(json, 'AWS::IAM::Policy')) {
    if ((p.Properties.Roles ?? []).some((r: any) => r.Ref === roleId)) out.push({ name: id, policy: resolve(p.Properties.PolicyDocument, json) });
  }
  for (const p of json.Resources[roleId].Properties.Policies ?? []) out.push({ name: p.PolicyName, policy: resolve(p.PolicyDocument, json) });
  assert.ok(out.length > 0, `no policy on ${roleId}`);
  return out;
}

async function decide(role: any, action: string, resource: string): Promise<string> {
  const response: any = await runSimulation({
    identityPolicies: policiesOf(role),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: undefined,
    request: {
      principal: 'arn:aws:iam::123456789012:role/toq-media-test',
      action,
      resource: { resource, accountId: '123456789012' },
      contextVariables: {},
    },
  } as any, {});
  if (response.resultType === 'error') throw new Error(`${action} ${resource}: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

const raw = 'listings/28/batches/51/raw/302';
const ownOutput = 'listings/28/batches/51/out/77/302/1080p.mp4';
const ownResult = 'listings/28/batches/51/out/77/302/result.json';
const otherRunOutput = 'listings/28/batches/51/out/76/302/1080p.mp4';

for (const which of ['assetFunction', 'assetTask'] as const) {
  test(`the asset task's role (${which}) reads raw uploads and writes outputs`, async () => {
    const role = stack.roles[which]!;
    assert.equal(await decide(role, 's3:GetObject', key(raw)), 'Allowed');
    assert.equal(await decide(role, 's3:PutObject', key(ownOutput)), 'Allowed');
    assert.equal(await decide(role, 's3:PutObject', key(ownResult)), 'Allowed');
    assert.equal(await decide(role, 's3:AbortMultipartUpload', key(ownOutput)), 'Allowed');
  });

  test(`the asset task's role (${which}) cannot read its own output prefix, another run's, or write raw/`, async () => {
    const role = stack.roles[which]!;
    for (const k of [ownOutput, ownResult, otherRunOutput]) {
      assert.equal(await decide(role, 's3:GetObject', key(k)), 'ExplicitlyDenied', `read ${k}`);
    }
    assert.equal(await decide(role, 's3:PutObject', key(raw)), 'ExplicitlyDenied');
    assert.equal(await decide(role, 's3:DeleteObject', key(raw)), 'ExplicitlyDenied');
    assert.notEqual(await decide(role, 's3:PutObject', key('listings/28/batches/51/manifest.json')), 'Allowed');
    assert.notEqual(await decide(role, 's3:GetObject', key('other/prefix/file')), 'Allowed');
    assert.notEqual(await decide(role, 's3:ListBucket', bucketArn), 'Allowed');
  });
}

test('IAM wildcards match across "/": the Deny statements are what keeps out/ unreadable', async () => {
  // AWS: "*" in a resource ARN matches any combination of characters, "/" included
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
  // So listings/*/batches/*/raw/* also matches a key under out/ that contains "/raw/"; only the
  // explicit Deny on out/ refuses it.
  const sneaky = 'listings/28/batches/51/out/77/raw/302';
  const allowOnly = [{ name: 'allow-raw', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: key('listings/*/batches/*/raw/*') }] } }];
  const response: any = await runSimulation({
    identityPolicies: allowOnly, serviceControlPolicies: [], resourceControlPolicies: [],
    request: { principal: 'arn:aws:iam::123456789012:role/t', action: 's3:GetObject', resource: { resource: key(sneaky), accountId: '123456789012' }, contextVariables: {} },
  } as any, {});
  assert.equal(response.overallResult, 'Allowed', 'the evaluator follows AWS: * spans /');
  assert.equal(await decide(stack.roles.assetFunction!, 's3:GetObject', key(sneaky)), 'ExplicitlyDenied');
});

test('the archive role reads renditions and raw documents, writes only archive.zip and archive.json', async () => {
  const role = stack.roles.archiveFunction!;
  assert.equal(await decide(role, 's3:GetObject', key(ownOutput)), 'Allowed');
  assert.equal(await decide(role, 's3:GetObject', key(raw)), 'Allowed');
  assert.equal(await decide(role, 's3:PutObject', key('listings/28/batches/51/out/77/archive.zip')), 'Allowed');
  assert.equal(await decide(role, 's3:PutObject', key('listings/28/batches/51/out/77/archive.json')), 'Allowed');
  assert.notEqual(await decide(role, 's3:PutObject', key(ownOutput)), 'Allowed');
  assert.equal(await decide(role, 's3:PutObject', key(raw)), 'ExplicitlyDenied');
});

test('the report role reads archive.json only, and the callback secret', async () => {
  const role = stack.roles.report!;
  assert.equal(await decide(role, 's3:GetObject', key('listings/28/batches/51/out/77/archive.json')), 'Allowed');
  for (const k of [ownResult, ownOutput, raw]) assert.notEqual(await decide(role, 's3:GetObject', key(k)), 'Allowed', k);
  const secret = resourcesOf(json, 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('CallbackSecret'))![0];
  assert.equal(await decide(role, 'secretsmanager:GetSecretValue', resolve({ Ref: secret }, json)), 'Allowed');
  const jwt = resourcesOf(json, 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('JwtSecret'))![0];
  assert.notEqual(await decide(role, 'secretsmanager:GetSecretValue', resolve({ Ref: jwt }, json)), 'Allowed');
  assert.equal(await decide(role, 'states:DescribeExecution', 'arn:aws:states:sa-east-1:123456789012:execution:toq-media-batch:job-77-r1'), 'Allowed');
});

test('serve presigns uploads to raw/ and downloads from out/, and never writes out/', async () => {
  const role = stack.roles.serve!;
  assert.equal(await decide(role, 's3:PutObject', key(raw)), 'Allowed');
  assert.equal(await decide(role, 's3:GetObject', key(ownOutput)), 'Allowed');
  assert.equal(await decide(role, 's3:PutObjectTagging', key(raw)), 'Allowed');
  assert.equal(await decide(role, 's3:PutObject', key(ownOutput)), 'ExplicitlyDenied');
  assert.equal(await decide(role, 'states:StartExecution', resolve({ Ref: resourcesOf(json, 'AWS::StepFunctions::StateMachine')[0][0] }, json)), 'Allowed');
});
