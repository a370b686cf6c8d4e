// What the platform team chooses per account: every knob of the stack, read from CDK context
// (cdk.json, or `cdk synth -c toq-media:<name>=<value>`), with defaults and range checks so a typo
// fails at synth time instead of at 3 a.m.
import type { Node } from 'constructs';

export interface Settings {
  stackName: string;
  corsAllowedOrigins: string[];
  assetFunctionMemoryMiB: number;
  assetFunctionEphemeralStorageMiB: number;
  assetFunctionTimeoutSeconds: number;
  assetFunctionReservedConcurrency: number;
  archiveFunctionMemoryMiB: number;
  lambdaMaxVideoSeconds: number;
  maxConcurrency: number;
  archiveLambdaMaxBytes: number;
  fargateAssetCpu: number;
  fargateAssetMemoryMiB: number;
  fargateArchiveCpu: number;
  fargateArchiveMemoryMiB: number;
  fargateEphemeralStorageGiB: number;
  startViaSqs: boolean;
  startMaxReceiveCount: number;
  rawFailedRetentionDays: number;
  abortIncompleteMultipartDays: number;
  executionP95AlarmSeconds: number;
  serveDesiredCount: number;
  serveCpu: number;
  serveMemoryMiB: number;
  mysqlHost: string;
  mysqlPort: number;
  mysqlDatabase: string;
  mysqlUser: string;
  mysqlSecretArn?: string;
  certificateArn?: string;
  callbackUrl?: string;
  alarmEmail?: string;
  natGateways: number;
  logRetentionDays: number;
}

const kPrefix = 'toq-media:';

export const defaults: Settings = {
  stackName: 'toq-media',
  corsAllowedOrigins: [],
  assetFunctionMemoryMiB: 3008,
  assetFunctionEphemeralStorageMiB: 10240,
  assetFunctionTimeoutSeconds: 900,
  assetFunctionReservedConcurrency: 40,
  archiveFunctionMemoryMiB: 1024,
  lambdaMaxVideoSeconds: 300,
  maxConcurrency: 10,
  archiveLambdaMaxBytes: 4 * 1024 ** 3,
  fargateAssetCpu: 4096,
  fargateAssetMemoryMiB: 16384,
  fargateArchiveCpu: 1024,
  fargateArchiveMemoryMiB: 4096,
  fargateEphemeralStorageGiB: 100,
  startViaSqs: false,
  startMaxReceiveCount: 5,
  rawFailedRetentionDays: 30,
  abortIncompleteMultipartDays: 1,
  executionP95AlarmSeconds: 600,
  serveDesiredCount: 2,
  serveCpu: 1024,
  serveMemoryMiB: 2048,
  mysqlHost: 'mysql.internal.example',
  mysqlPort: 3306,
  mysqlDatabase: 'toq_media',
  mysqlUser: 'toq_media',
  natGateways: 1,
  logRetentionDays: 90,
};

function integer(name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`context ${kPrefix}${name}: ${JSON.stringify(value)} is not an integer in [${min}, ${max}]`);
  }
  return n;
}

function bool(name: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${kPrefix}${name}: ${JSON.stringify(value)} is not true or false`);
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return String(value).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

// Integer ranges: AWS's own limits (Lambda memory 128..10240 MiB, ephemeral storage 512..10240
// MiB, timeout up to 900 s; Step Functions Map concurrency; Fargate task sizes) or ours.
const ranges: Partial<Record<keyof Settings, [number, number]>> = {
  assetFunctionMemoryMiB: [1024, 10240],
  assetFunctionEphemeralStorageMiB: [512, 10240],
  assetFunctionTimeoutSeconds: [60, 900],
  assetFunctionReservedConcurrency: [1, 1000],
  archiveFunctionMemoryMiB: [256, 10240],
  lambdaMaxVideoSeconds: [0, 1800],
  maxConcurrency: [1, 40],
  archiveLambdaMaxBytes: [0, 5 * 1024 ** 4],
  fargateAssetCpu: [256, 16384],
  fargateAssetMemoryMiB: [512, 122880],
  fargateArchiveCpu: [256, 16384],
  fargateArchiveMemoryMiB: [512, 122880],
  fargateEphemeralStorageGiB: [21, 200],
  startMaxReceiveCount: [1, 1000],
  rawFailedRetentionDays: [1, 3650],
  abortIncompleteMultipartDays: [1, 365],
  executionP95AlarmSeconds: [60, 21600],
  serveDesiredCount: [1, 100],
  serveCpu: [256, 16384],
  serveMemoryMiB: [512, 122880],
  mysqlPort: [1, 65535],
  natGateways: [0, 3],
  logRetentionDays: [1, 3653],
};

export function readSettings(node: Node): Settings {
  const s: Settings = { ...defaults, corsAllowedOrigins: [...defaults.corsAllowedOrigins] };
  const record = s as unknown as Record<string, unknown>;
  for (const key of Object.keys(defaults).concat(['mysqlSecretArn', 'certificateArn', 'callbackUrl', 'alarmEmail'])) {
    const value = node.tryGetContext(`${kPrefix}${key}`);
    if (value === undefined || value === null || value === '') continue;
    const range = ranges[key as keyof Settings];
    if (range) record[key] = integer(key, value, range[0], range[1]);
    else if (key === 'startViaSqs') record[key] = bool(key, value);
    else if (key === 'corsAllowedOrigins') record[key] = list(value);
    else record[key] = String(value);
  }
  if (s.lambdaMaxVideoSeconds >= s.assetFunctionTimeoutSeconds) {
    throw new Error(`context ${kPrefix}lambdaMaxVideoSeconds (${s.lambdaMaxVideoSeconds}) must stay below the asset function's timeout (${s.assetFunctionTimeoutSeconds} s)`);
  }
  if (s.callbackUrl !== undefined && !/^https?:\/\/[^/]+\/api\/v2\/listings\/media\/callback$/.test(s.callbackUrl)) {
    throw new Error(`context ${kPrefix}callbackUrl must end in /api/v2/listings/media/callback`);
  }
  return s;
}
