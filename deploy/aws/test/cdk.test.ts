// The CDK app (lib/media-stack.ts), synthesized offline: every resource and property issue 15
// names, the state machine deployed byte for byte from the repository's ASL file, and every
// TOQ_MEDIA_* variable it sets being a configuration key toq-media knows.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { aslPath, placeholders, substitute } from './support/asl';
import { repoRoot } from './support/contract';
import { logicalId, resolve, resourcesOf, synthesize } from './support/stack';

const custom = {
  corsAllowedOrigins: 'https://app.toq.example,https://admin.toq.example',
  assetFunctionMemoryMiB: 4096,
  assetFunctionEphemeralStorageMiB: 8192,
  assetFunctionTimeoutSeconds: 840,
  assetFunctionReservedConcurrency: 25,
  lambdaMaxVideoSeconds: 240,
  maxConcurrency: 12,
  rawFailedRetentionDays: 45,
  abortIncompleteMultipartDays: 2,
  executionP95AlarmSeconds: 600,
  fargateAssetCpu: 2048,
  fargateAssetMemoryMiB: 8192,
  mysqlHost: 'db.toq.internal',
};
const { template, json } = synthesize(custom);
const sqsVariant = synthesize({ startViaSqs: true, startMaxReceiveCount: 4 });

const fnByCommand = (j: typeof json, task: string) => logicalId(j, 'AWS::Lambda::Function', (r) => JSON.stringify(r.Properties.ImageConfig?.Command) === JSON.stringify(['lambda', task]));

test('bucket: public access blocked, encrypted, TLS only, versioned', () => {
  template.hasResourceProperties('AWS::S3::Bucket', {
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    VersioningConfiguration: { Status: 'Enabled' },
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
  });
});

test('bucket: CORS for the upload origins, exposing ETag', () => {
  template.hasResourceProperties('AWS::S3::Bucket', {
    CorsConfiguration: { CorsRules: [Match.objectLike({
      AllowedOrigins: ['https://app.toq.example', 'https://admin.toq.example'],
      AllowedMethods: Match.arrayWith(['PUT', 'GET', 'HEAD']),
      ExposedHeaders: ['ETag'],
    })] },
  });
});

test('bucket: lifecycle aborts incomplete multipart uploads and expires raw uploads of failed batches', () => {
  template.hasResourceProperties('AWS::S3::Bucket', {
    LifecycleConfiguration: { Rules: Match.arrayWith([
      Match.objectLike({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } }),
      Match.objectLike({ Status: 'Enabled', ExpirationInDays: 45, TagFilters: [{ Key: 'toq-media-retention', Value: 'failed-batch' }] }),
    ]) },
  });
});

test('state machine: STANDARD, logging ALL with execution data, X-Ray tracing', () => {
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    StateMachineType: 'STANDARD',
    StateMachineName: 'toq-media-batch',
    LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }] },
    TracingConfiguration: { Enabled: true },
  });
});

test('state machine: the deployed definition is the repository\'s ASL file byte for byte, after substitutions', () => {
  const [, machine] = resourcesOf(json, 'AWS::StepFunctions::StateMachine')[0];
  const file = fs.readFileSync(aslPath, 'utf8');
  assert.equal(typeof machine.Properties.DefinitionString, 'string', 'the definition is a literal, not rebuilt by CDK');
  assert.equal(machine.Properties.DefinitionString, file);
  const subs = machine.Properties.DefinitionSubstitutions;
  assert.deepEqual(Object.keys(subs).sort(), placeholders(file));
  // Each placeholder names the resource it should.
  assert.deepEqual(subs.AssetFunctionArn, { 'Fn::GetAtt': [fnByCommand(json, 'asset'), 'Arn'] });
  assert.deepEqual(subs.ArchiveFunctionArn, { 'Fn::GetAtt': [fnByCommand(json, 'archive'), 'Arn'] });
  assert.deepEqual(subs.ReportFunctionArn, { 'Fn::GetAtt': [fnByCommand(json, 'report'), 'Arn'] });
  const taskDef = (task: string) => logicalId(json, 'AWS::ECS::TaskDefinition', (r) => JSON.stringify(r.Properties.ContainerDefinitions[0].Command) === JSON.stringify(['task', task]));
  assert.deepEqual(subs.AssetTaskDefinitionArn, { Ref: taskDef('asset') });
  assert.deepEqual(subs.ArchiveTaskDefinitionArn, { Ref: taskDef('archive') });
  assert.equal(subs.TaskContainerName, 'toq-media');
  // What CloudFormation will hand to Step Functions: valid JSON naming the real resources.
  const deployed = JSON.parse(substitute(file, resolve(subs, json)));
  const lambdaState = deployed.States.ProcessAssets.ItemProcessor.States.ProcessAssetOnLambda;
  assert.equal(lambdaState.Parameters.FunctionName, `arn:aws:lambda:sa-east-1:123456789012:function:${fnByCommand(json, 'asset')}`);
  const subnets = resolve(subs.TaskSubnetIds, json).split(',');
  assert.equal(subnets.length, 2, 'one private subnet per AZ');
});

test('Lambda: one container image, memory, ephemeral storage, timeout and reserved concurrency from context', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    PackageType: 'Image',
    ImageConfig: { Command: ['lambda', 'asset'] },
    MemorySize: 4096,
    EphemeralStorage: { Size: 8192 },
    Timeout: 840,
    ReservedConcurrentExecutions: 25,
    TracingConfig: { Mode: 'Active' },
    Environment: { Variables: Match.objectLike({ TOQ_MEDIA_AWS_LAMBDA_MAX_VIDEO_SECONDS: '240', TOQ_MEDIA_STORAGE_DRIVER: 's3' }) },
  });
  const images = new Set(resourcesOf(json, 'AWS::Lambda::Function').map(([, r]) => JSON.stringify(r.Properties.Code.ImageUri)));
  assert.equal(images.size, 1, 'every function runs the same image');
  for (const task of ['archive', 'report']) fnByCommand(json, task);
  template.hasResourceProperties('AWS::Lambda::Function', {
    ImageConfig: { Command: ['lambda', 'report'] },
    Environment: { Variables: Match.objectLike({ TOQ_MEDIA_AWS_CALLBACK_URL: Match.anyValue(), TOQ_MEDIA_AWS_CALLBACK_SECRET_ARN: { Ref: Match.stringLikeRegexp('CallbackSecret') } }) },
  });
});

test('context values out of range fail at synth time', () => {
  assert.throws(() => synthesize({ maxConcurrency: 41 }), /maxConcurrency/);
  assert.throws(() => synthesize({ assetFunctionMemoryMiB: 20000 }), /assetFunctionMemoryMiB/);
  assert.throws(() => synthesize({ lambdaMaxVideoSeconds: 900, assetFunctionTimeoutSeconds: 900 }), /lambdaMaxVideoSeconds/);
});

test('ECS: a cluster and Fargate task definitions for the asset and archive tasks, same image', () => {
  template.resourceCountIs('AWS::ECS::Cluster', 1);
  template.hasResourceProperties('AWS::ECS::TaskDefinition', {
    RequiresCompatibilities: ['FARGATE'], Cpu: '2048', Memory: '8192', EphemeralStorage: { SizeInGiB: 100 },
    ContainerDefinitions: [Match.objectLike({ Name: 'toq-media', Command: ['task', 'asset'], Essential: true })],
  });
  template.hasResourceProperties('AWS::ECS::TaskDefinition', {
    RequiresCompatibilities: ['FARGATE'],
    ContainerDefinitions: [Match.objectLike({ Name: 'toq-media', Command: ['task', 'archive'] })],
  });
  const images = new Set(resourcesOf(json, 'AWS::ECS::TaskDefinition').map(([, r]) => JSON.stringify(r.Properties.ContainerDefinitions[0].Image)));
  assert.equal(images.size, 1, 'the tasks and serve run the same image');
});

test('serve on ECS behind an ALB: health check on /readyz, MySQL password from a secret, the relay on', () => {
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/readyz', Port: 80, Protocol: 'HTTP' });
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
  template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE', DesiredCount: 2 });
  const serveDef = logicalId(json, 'AWS::ECS::TaskDefinition', (r) => JSON.stringify(r.Properties.ContainerDefinitions[0].Command) === '["serve"]');
  const container = json.Resources[serveDef].Properties.ContainerDefinitions[0];
  const env = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
  assert.equal(env.TOQ_MEDIA_PROCESSING_MODE, 'aws');
  assert.equal(env.TOQ_MEDIA_AWS_RELAY, 'true');
  assert.equal(env.TOQ_MEDIA_DATABASE_DRIVER, 'mysql');
  assert.equal(env.TOQ_MEDIA_DATABASE_MYSQL_HOST, 'db.toq.internal');
  assert.equal(env.TOQ_MEDIA_AWS_MAX_CONCURRENCY, '12');
  assert.equal(env.TOQ_MEDIA_AWS_START_VIA, 'direct');
  assert.equal(env.TOQ_MEDIA_SERVER_LISTEN, '0.0.0.0:8080');
  const secrets = Object.fromEntries(container.Secrets.map((s: any) => [s.Name, JSON.stringify(s.ValueFrom)]));
  assert.match(secrets.TOQ_MEDIA_DATABASE_MYSQL_PASSWORD, /DbSecret.*:password::/);
  assert.match(secrets.TOQ_MEDIA_AUTH_JWT_SECRET, /JwtSecret/);
  assert.match(secrets.TOQ_MEDIA_AWS_CALLBACK_SECRET, /CallbackSecret/);
  assert.equal(Object.values(env).some((v) => /password|secret/i.test(JSON.stringify(v))), false, 'no secret in plain environment');
});

test('secrets: callback, JWT and database password in Secrets Manager, generated', () => {
  template.resourceCountIs('AWS::SecretsManager::Secret', 3);
  for (const name of ['CallbackSecret', 'JwtSecret']) {
    const [, secret] = resourcesOf(json, 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith(name))!;
    assert.ok(secret.Properties.GenerateSecretString.PasswordLength >= 32, name);
  }
  template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }) });
});

test('optional SQS start queue: DLQ after N receives, the starter reports batch item failures', () => {
  const t = sqsVariant.template;
  const j = sqsVariant.json;
  assert.equal(resourcesOf(json, 'AWS::Lambda::EventSourceMapping').length, 0, 'no queue unless asked for');
  t.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 4 } });
  t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
  const starter = fnByCommand(j, 'starter');
  assert.deepEqual(j.Resources[starter].Properties.Environment.Variables.TOQ_MEDIA_AWS_STATE_MACHINE_ARN, { Ref: logicalId(j, 'AWS::StepFunctions::StateMachine') });
  const serveDef = logicalId(j, 'AWS::ECS::TaskDefinition', (r) => JSON.stringify(r.Properties.ContainerDefinitions[0].Command) === '["serve"]');
  const env = Object.fromEntries(j.Resources[serveDef].Properties.ContainerDefinitions[0].Environment.map((e: any) => [e.Name, e.Value]));
  assert.equal(env.TOQ_MEDIA_AWS_START_VIA, 'sqs');
  assert.ok(env.TOQ_MEDIA_AWS_START_QUEUE_URL);
  // serve reads the DLQ's depth for /metrics: its URL, and GetQueueAttributes on it only.
  assert.match(String(env.TOQ_MEDIA_AWS_START_DEAD_LETTER_QUEUE_URL?.Ref), /^StartDeadLetters/);
  t.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sqs:GetQueueAttributes', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('StartDeadLetters'), 'Arn'] } })]) } });
  t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('StartDeadLetters'), 'QueueName'] } }] });
});

test('EventBridge: FAILED, TIMED_OUT and ABORTED executions of this state machine invoke the reporter', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: logicalId(json, 'AWS::StepFunctions::StateMachine') }] },
    },
    Targets: [Match.objectLike({
      Arn: { 'Fn::GetAtt': [fnByCommand(json, 'report'), 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
      DeadLetterConfig: { Arn: Match.anyValue() },
    })],
  });
});

test('alarms: DLQ depth, executions failed, p95 duration over 10 minutes, Lambda errors and throttles; a dashboard', () => {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/States', MetricName: 'ExecutionsFailed', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/States', MetricName: 'ExecutionTime', ExtendedStatistic: 'p95', Threshold: 600000, ComparisonOperator: 'GreaterThanThreshold' });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 });
  for (const task of ['asset', 'archive', 'report']) {
    for (const metric of ['Errors', 'Throttles']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: metric, Threshold: 0, Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnByCommand(json, task) } }] });
    }
  }
  for (const [, alarm] of resourcesOf(json, 'AWS::CloudWatch::Alarm')) assert.equal(alarm.Properties.AlarmActions?.length, 1, 'every alarm notifies');
  template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
});

// Config keys toq-media knows: every key of docs/config.example.yaml, and the aws.* keys that
// docs/aws-pipeline.md defines; each maps to TOQ_MEDIA_ + its path in upper snake case.
function knownVariables(): Set<string> {
  const env = (key: string) => `TOQ_MEDIA_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase()}`;
  const names = new Set<string>();
  const stack: Array<{ indent: number; key: string }> = [];
  for (const line of fs.readFileSync(path.join(repoRoot, 'docs', 'config.example.yaml'), 'utf8').split('\n')) {
    const m = /^( *)([A-Za-z][A-Za-z0-9]*):/.exec(line);
    if (!m) continue;
    while (stack.length > 0 && stack.at(-1)!.indent >= m[1].length) stack.pop();
    stack.push({ indent: m[1].length, key: m[2] });
    names.add(env(stack.map((s) => s.key).join('.')));
  }
  const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'aws-pipeline.md'), 'utf8');
  for (const m of doc.matchAll(/^\| `(aws\.[A-Za-z.]+)` \| `(TOQ_MEDIA_[A-Z_]+)` \|/gm)) {
    assert.equal(env(m[1]), m[2], `docs/aws-pipeline.md: ${m[1]} should be ${env(m[1])}`);
    names.add(m[2]);
  }
  return names;
}

test('every TOQ_MEDIA_* variable the stack sets is a configuration key toq-media defines', () => {
  const known = knownVariables();
  assert.ok(known.has('TOQ_MEDIA_AWS_STATE_MACHINE_ARN'), 'the aws.* keys of docs/aws-pipeline.md were read');
  for (const j of [json, sqsVariant.json]) {
    const used = new Set<string>();
    for (const [, f] of resourcesOf(j, 'AWS::Lambda::Function')) for (const k of Object.keys(f.Properties.Environment?.Variables ?? {})) used.add(k);
    for (const [, d] of resourcesOf(j, 'AWS::ECS::TaskDefinition')) {
      for (const c of d.Properties.ContainerDefinitions) for (const e of [...(c.Environment ?? []), ...(c.Secrets ?? [])]) used.add(e.Name);
    }
    const unknown = [...used].filter((k) => k.startsWith('TOQ_MEDIA_') && !known.has(k));
    assert.deepEqual(unknown, []);
  }
});
