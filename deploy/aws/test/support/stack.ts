// The CDK app's stack synthesized in-process (no AWS call, no Docker), with chosen context.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MediaStack } from '../../lib/media-stack';
import { readSettings } from '../../lib/settings';

export function synthesize(context: Record<string, unknown> = {}) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'toq-cdk-'));
  const app = new App({ outdir, context: Object.fromEntries(Object.entries(context).map(([k, v]) => [`toq-media:${k}`, v])) });
  const settings = readSettings(app.node);
  const stack = new MediaStack(app, settings.stackName, settings, { env: { account: '123456789012', region: 'sa-east-1' } });
  const template = Template.fromStack(stack);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { stack, template, json: template.toJSON() as { Resources: Record<string, any> } };
}

// The logical id of the only resource of `type` whose properties contain `match` (a JSON fragment).
export function logicalId(json: { Resources: Record<string, any> }, type: string, match: (r: any) => boolean = () => true): string {
  const found = Object.entries(json.Resources).filter(([, r]) => r.Type === type && match(r));
  if (found.length !== 1) throw new Error(`${found.length} resources of ${type} match`);
  return found[0][0];
}

export function resourcesOf(json: { Resources: Record<string, any> }, type: string): Array<[string, any]> {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

// CloudFormation intrinsics resolved to plain strings, with made-up but consistent values, so a
// policy or a definition can be read as AWS will see it after deployment.
export function resolve(value: any, json: { Resources: Record<string, any> }): any {
  if (Array.isArray(value)) return value.map((v) => resolve(v, json));
  if (value && typeof value === 'object') {
    if ('Ref' in value) {
      const ref = value.Ref as string;
      const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'sa-east-1', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com' };
      if (pseudo[ref]) return pseudo[ref];
      return physicalName(ref, json);
    }
    if ('Fn::GetAtt' in value) {
      const [id, attr] = value['Fn::GetAtt'] as [string, string];
      return attribute(id, attr, json);
    }
    if ('Fn::Join' in value) {
      const [sep, parts] = value['Fn::Join'];
      return resolve(parts, json).join(sep);
    }
    if ('Fn::Select' in value) {
      const [i, list] = value['Fn::Select'];
      return resolve(list, json)[Number(i)];
    }
    if ('Fn::Split' in value) {
      const [sep, text] = value['Fn::Split'];
      return String(resolve(text, json)).split(sep);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, json)]));
  }
  return value;
}

function physicalName(id: string, json: { Resources: Record<string, any> }): string {
  const r = json.Resources[id];
  if (!r) return id;
  switch (r.Type) {
    case 'AWS::S3::Bucket': return `bucket-${id.toLowerCase()}`.slice(0, 63);
    case 'AWS::StepFunctions::StateMachine': return `arn:aws:states:sa-east-1:123456789012:stateMachine:${r.Properties.StateMachineName ?? id}`;
    case 'AWS::ECS::TaskDefinition': return `arn:aws:ecs:sa-east-1:123456789012:task-definition/${id}:1`;
    case 'AWS::SecretsManager::Secret': return `arn:aws:secretsmanager:sa-east-1:123456789012:secret:${id}-AbCdEf`;
    case 'AWS::SQS::Queue': return `https://sqs.sa-east-1.amazonaws.com/123456789012/${id}`;
    case 'AWS::EC2::Subnet': return `subnet-${id.toLowerCase()}`;
    default: return id;
  }
}

function attribute(id: string, attr: string, json: { Resources: Record<string, any> }): string {
  const r = json.Resources[id];
  const type = r?.Type;
  if (attr === 'Arn') {
    switch (type) {
      case 'AWS::S3::Bucket': return `arn:aws:s3:::${physicalName(id, json)}`;
      case 'AWS::Lambda::Function': return `arn:aws:lambda:sa-east-1:123456789012:function:${id}`;
      case 'AWS::IAM::Role': return `arn:aws:iam::123456789012:role/${id}`;
      case 'AWS::ECS::Cluster': return `arn:aws:ecs:sa-east-1:123456789012:cluster/${id}`;
      case 'AWS::SQS::Queue': return `arn:aws:sqs:sa-east-1:123456789012:${id}`;
      default: return `arn:aws:unknown:sa-east-1:123456789012:${id}`;
    }
  }
  if (attr === 'GroupId') return `sg-${id.toLowerCase()}`;
  if (attr === 'DNSName') return `${id.toLowerCase()}.sa-east-1.elb.amazonaws.com`;
  return `${id}.${attr}`;
}
