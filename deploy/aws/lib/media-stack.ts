// toq-media on AWS (docs/aws/arquitetura.md): the bucket, the batch state machine from the
// repository's ASL file, the task functions and Fargate task definitions from one container image,
// the optional SQS start queue, the EventBridge reporter, secrets, least-privilege roles by key
// prefix, alarms and a dashboard, and `toq-media serve` on ECS behind an ALB.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Size, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';
import { Settings } from './settings';

export const deployDir = path.resolve(__dirname, '..');
export const repoRoot = path.resolve(deployDir, '..', '..');
export const aslFile = path.join(deployDir, 'statemachine', 'media-batch.asl.json');
export const dockerfile = path.join('deploy', 'aws', 'image', 'Dockerfile');
export const kContainerName = 'toq-media';
export const kRetentionTag = { key: 'toq-media-retention', value: 'failed-batch' };

// Key patterns (docs/architecture.md, Object keys). IAM's `*` also matches '/', so the Allow
// statements are paired with explicit Denies: whatever a pattern lets through by accident, the
// Deny on the other prefix takes back.
export const keys = {
  raw: 'listings/*/batches/*/raw/*',
  out: 'listings/*/batches/*/out/*',
  archiveZip: 'listings/*/batches/*/out/*/archive.zip',
  archiveJson: 'listings/*/batches/*/out/*/archive.json',
};

// The lines of the Dockerfile's ignore file (BuildKit reads <Dockerfile>.dockerignore), shared with
// the asset hash so what CDK uploads is what the build sees.
function dockerIgnore(): string[] {
  return fs.readFileSync(path.join(repoRoot, `${dockerfile}.dockerignore`), 'utf8')
    .split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
}

export class MediaStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly stateMachine: sfn.StateMachine;
  readonly roles: Record<'assetFunction' | 'assetTask' | 'archiveFunction' | 'archiveTask' | 'report' | 'serve' | 'starter', iam.Role | undefined>;

  constructor(scope: Construct, id: string, readonly settings: Settings, props: StackProps = {}) {
    super(scope, id, props);
    const s = settings;
    const stateMachineName = `${s.stackName}-batch`;
    const logRetention = s.logRetentionDays as logs.RetentionDays;

    // ---- network: private subnets for the Fargate tasks and serve, S3 through a gateway endpoint ----
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: s.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: s.natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });

    // ---- the bucket: raw uploads and every run's outputs ----
    this.bucket = new s3.Bucket(this, 'Media', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      cors: [{
        allowedOrigins: s.corsAllowedOrigins.length > 0 ? s.corsAllowedOrigins : ['https://localhost'],
        allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
        allowedHeaders: ['*'],
        exposedHeaders: ['ETag'],
        maxAge: 3600,
      }],
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(s.abortIncompleteMultipartDays) },
        // serve tags a batch's raw objects when the batch ends FAILED and untags them when a retry
        // makes it READY (docs/aws-pipeline.md, Retention); days count from the upload.
        { id: 'expire-raw-uploads-of-failed-batches', tagFilters: { [kRetentionTag.key]: kRetentionTag.value }, expiration: Duration.days(s.rawFailedRetentionDays) },
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(30) },
      ],
    });
    const objects = (pattern: string) => this.bucket.arnForObjects(pattern);

    // ---- secrets ----
    const callbackSecret = new secretsmanager.Secret(this, 'CallbackSecret', {
      description: 'toq-media pipeline secret: signs the callback (Standard Webhooks) from the report task to serve',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      description: 'toq-media auth.jwtSecret: HS256 secret shared with the platform',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const dbSecret = s.mysqlSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'DbSecret', s.mysqlSecretArn)
      : new secretsmanager.Secret(this, 'DbSecret', {
        description: 'toq-media MySQL credentials ({"username", "password"})',
        generateSecretString: { secretStringTemplate: JSON.stringify({ username: s.mysqlUser }), generateStringKey: 'password', excludePunctuation: true, passwordLength: 40 },
      });

    // ---- one image for every task and for serve ----
    const image = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: repoRoot,
      file: dockerfile,
      exclude: dockerIgnore(),
      platform: ecrAssets.Platform.LINUX_AMD64,
    });

    // ---- roles, by key prefix ----
    const lambdaRole = (name: string) => {
      const role = new iam.Role(this, `${name}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'));
      return role;
    };
    const taskRole = (name: string) => new iam.Role(this, `${name}Role`, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const assetStorage = (role: iam.Role) => {
      role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadRawUploads', actions: ['s3:GetObject'], resources: [objects(keys.raw)] }));
      role.addToPolicy(new iam.PolicyStatement({ sid: 'WriteRunOutputs', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [objects(keys.out)] }));
      role.addToPolicy(new iam.PolicyStatement({ sid: 'NeverReadOutputs', effect: iam.Effect.DENY, actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [objects(keys.out)] }));
      role.addToPolicy(new iam.PolicyStatement({ sid: 'NeverWriteRawUploads', effect: iam.Effect.DENY, actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'], resources: [objects(keys.raw)] }));
    };
    const archiveStorage = (role: iam.Role) => {
      role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadDocumentsAndRenditions', actions: ['s3:GetObject'], resources: [objects(keys.raw), objects(keys.out)] }));
      role.addToPolicy(new iam.PolicyStatement({ sid: 'WriteTheArchive', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [objects(keys.archiveZip), objects(keys.archiveJson)] }));
      role.addToPolicy(new iam.PolicyStatement({ sid: 'NeverWriteRawUploads', effect: iam.Effect.DENY, actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'], resources: [objects(keys.raw)] }));
    };
    const assetFunctionRole = lambdaRole('AssetFunction');
    assetStorage(assetFunctionRole);
    const assetTaskRole = taskRole('AssetTask');
    assetStorage(assetTaskRole);
    const archiveFunctionRole = lambdaRole('ArchiveFunction');
    archiveStorage(archiveFunctionRole);
    const archiveTaskRole = taskRole('ArchiveTask');
    archiveStorage(archiveTaskRole);
    const reportRole = lambdaRole('Report');
    reportRole.addToPolicy(new iam.PolicyStatement({ sid: 'ReadArchiveDocument', actions: ['s3:GetObject'], resources: [objects(keys.archiveJson)] }));
    callbackSecret.grantRead(reportRole);
    // The execution ARN is built from the fixed state machine name: referring to the state machine
    // itself would make a cycle (it invokes this function).
    reportRole.addToPolicy(new iam.PolicyStatement({
      sid: 'DescribeOwnExecutions', actions: ['states:DescribeExecution'],
      resources: [this.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));

    // ---- the task functions ----
    const functionEnvironment = {
      TOQ_MEDIA_DATA_DIR: '/tmp/toq-media',
      TOQ_MEDIA_LOG_FORMAT: 'json',
      TOQ_MEDIA_STORAGE_DRIVER: 's3',
      TOQ_MEDIA_STORAGE_S3_BUCKET: this.bucket.bucketName,
      TOQ_MEDIA_STORAGE_S3_REGION: this.region,
    };
    const fn = (name: string, task: string, role: iam.Role, options: Partial<lambda.DockerImageFunctionProps>) => new lambda.DockerImageFunction(this, `${name}Function`, {
      code: lambda.DockerImageCode.fromEcr(image.repository, { tagOrDigest: image.imageTag, cmd: ['lambda', task] }),
      architecture: lambda.Architecture.X86_64,
      role,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: new logs.LogGroup(this, `${name}Logs`, { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      ...options,
      environment: { ...functionEnvironment, ...(options.environment ?? {}) },
    });
    const assetFunction = fn('Asset', 'asset', assetFunctionRole, {
      memorySize: s.assetFunctionMemoryMiB,
      ephemeralStorageSize: Size.mebibytes(s.assetFunctionEphemeralStorageMiB),
      timeout: Duration.seconds(s.assetFunctionTimeoutSeconds),
      reservedConcurrentExecutions: s.assetFunctionReservedConcurrency,
      environment: { TOQ_MEDIA_AWS_LAMBDA_MAX_VIDEO_SECONDS: String(s.lambdaMaxVideoSeconds) },
    });
    const archiveFunction = fn('Archive', 'archive', archiveFunctionRole, {
      memorySize: s.archiveFunctionMemoryMiB,
      timeout: Duration.seconds(900),
    });

    // ---- Fargate: long videos and large ZIPs, same image ----
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', { vpc, allowAllOutbound: true, description: 'toq-media Fargate tasks: outbound only' });
    const taskLogs = new logs.LogGroup(this, 'TaskLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const taskDefinition = (name: string, task: string, role: iam.Role, cpu: number, memoryLimitMiB: number) => {
      const def = new ecs.FargateTaskDefinition(this, `${name}TaskDefinition`, {
        cpu, memoryLimitMiB, taskRole: role, ephemeralStorageGiB: s.fargateEphemeralStorageGiB,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      def.addContainer(kContainerName, {
        image: ecs.ContainerImage.fromDockerImageAsset(image),
        command: ['task', task],
        essential: true,
        environment: { ...functionEnvironment, TOQ_MEDIA_DATA_DIR: '/var/tmp/toq-media' },
        logging: ecs.LogDrivers.awsLogs({ logGroup: taskLogs, streamPrefix: task }),
      });
      return def;
    };
    const assetTask = taskDefinition('Asset', 'asset', assetTaskRole, s.fargateAssetCpu, s.fargateAssetMemoryMiB);
    const archiveTask = taskDefinition('Archive', 'archive', archiveTaskRole, s.fargateArchiveCpu, s.fargateArchiveMemoryMiB);

    // ---- serve behind an ALB ----
    const certificate = s.certificateArn ? acm.Certificate.fromCertificateArn(this, 'Certificate', s.certificateArn) : undefined;
    const serve = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Serve', {
      cluster,
      desiredCount: s.serveDesiredCount,
      cpu: s.serveCpu,
      memoryLimitMiB: s.serveMemoryMiB,
      publicLoadBalancer: true,
      taskSubnets: { subnets: vpc.privateSubnets },
      certificate,
      protocol: certificate ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      redirectHTTP: certificate ? true : undefined,
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      taskImageOptions: {
        image: ecs.ContainerImage.fromDockerImageAsset(image),
        containerName: kContainerName,
        containerPort: 8080,
        command: ['serve'],
        logDriver: ecs.LogDrivers.awsLogs({ streamPrefix: 'serve', logGroup: new logs.LogGroup(this, 'ServeLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY }) }),
        environment: {},
        secrets: {
          TOQ_MEDIA_AUTH_JWT_SECRET: ecs.Secret.fromSecretsManager(jwtSecret),
          TOQ_MEDIA_AWS_CALLBACK_SECRET: ecs.Secret.fromSecretsManager(callbackSecret),
          TOQ_MEDIA_DATABASE_MYSQL_PASSWORD: ecs.Secret.fromSecretsManager(dbSecret, 'password'),
        },
      },
    });
    serve.targetGroup.configureHealthCheck({ path: '/readyz', healthyHttpCodes: '200', interval: Duration.seconds(15), healthyThresholdCount: 2, unhealthyThresholdCount: 3 });
    const serveRole = serve.taskDefinition.taskRole as iam.Role;
    serveRole.addToPolicy(new iam.PolicyStatement({ sid: 'PresignUploadsAndCompleteThem', actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObjectTagging', 's3:DeleteObjectTagging'], resources: [objects(keys.raw)] }));
    serveRole.addToPolicy(new iam.PolicyStatement({ sid: 'PresignDownloadsAndReadResults', actions: ['s3:GetObject'], resources: [objects(keys.out)] }));
    serveRole.addToPolicy(new iam.PolicyStatement({ sid: 'HeadMissingObjectsAs404', actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['listings/*'] } } }));
    serveRole.addToPolicy(new iam.PolicyStatement({ sid: 'NeverWriteOutputs', effect: iam.Effect.DENY, actions: ['s3:PutObject', 's3:DeleteObject'], resources: [objects(keys.out)] }));

    // ---- the report function (the state machine's last task and the EventBridge reporter) ----
    const callbackUrl = s.callbackUrl
      ?? `${certificate ? 'https' : 'http'}://${serve.loadBalancer.loadBalancerDnsName}/api/v2/listings/media/callback`;
    const reportFunction = fn('Report', 'report', reportRole, {
      memorySize: 512,
      timeout: Duration.seconds(60),
      environment: { TOQ_MEDIA_AWS_CALLBACK_URL: callbackUrl, TOQ_MEDIA_AWS_CALLBACK_SECRET_ARN: callbackSecret.secretArn },
    });

    // ---- the state machine, from the repository's ASL file as is ----
    const machineLogs = new logs.LogGroup(this, 'StateMachineLogs', { logGroupName: `/aws/vendedlogs/states/${stateMachineName}`, retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(fs.readFileSync(aslFile, 'utf8')),
      definitionSubstitutions: {
        AssetFunctionArn: assetFunction.functionArn,
        ArchiveFunctionArn: archiveFunction.functionArn,
        ReportFunctionArn: reportFunction.functionArn,
        ClusterArn: cluster.clusterArn,
        AssetTaskDefinitionArn: assetTask.taskDefinitionArn,
        ArchiveTaskDefinitionArn: archiveTask.taskDefinitionArn,
        TaskContainerName: kContainerName,
        TaskSubnetIds: vpc.privateSubnets.map((n) => n.subnetId).join(','),
        TaskSecurityGroupId: taskSecurityGroup.securityGroupId,
      },
      logs: { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    const machineRole = this.stateMachine.role;
    for (const f of [assetFunction, archiveFunction, reportFunction]) f.grantInvoke(machineRole);
    machineRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'RunTasks', actions: ['ecs:RunTask'], resources: [assetTask.taskDefinitionArn, archiveTask.taskDefinitionArn], conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } } }));
    machineRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WatchTasks', actions: ['ecs:StopTask', 'ecs:DescribeTasks'], resources: ['*'], conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } } }));
    machineRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'PassTaskRoles', actions: ['iam:PassRole'], resources: [assetTaskRole.roleArn, archiveTaskRole.roleArn, assetTask.obtainExecutionRole().roleArn, archiveTask.obtainExecutionRole().roleArn] }));
    // ecs:runTask.sync watches the task through this managed rule
    // (https://docs.aws.amazon.com/step-functions/latest/dg/ecs-iam.html).
    machineRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SyncEcsRule', actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], resources: [this.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForECSTaskRule' })] }));

    serveRole.addToPolicy(new iam.PolicyStatement({ sid: 'StartAndWatchExecutions', actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }));
    serveRole.addToPolicy(new iam.PolicyStatement({ sid: 'DescribeExecutions', actions: ['states:DescribeExecution'], resources: [this.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }));

    // ---- optional: SQS in front, drained by the starter (named StartExecution, never Pipes) ----
    let startQueue: sqs.Queue | undefined;
    let startDlq: sqs.Queue | undefined;
    let starterRole: iam.Role | undefined;
    if (s.startViaSqs) {
      startDlq = new sqs.Queue(this, 'StartDeadLetters', { retentionPeriod: Duration.days(14), encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
      startQueue = new sqs.Queue(this, 'StartQueue', {
        visibilityTimeout: Duration.seconds(6 * 60),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: startDlq, maxReceiveCount: s.startMaxReceiveCount },
      });
      starterRole = lambdaRole('Starter');
      starterRole.addToPolicy(new iam.PolicyStatement({ sid: 'StartNamedExecutions', actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }));
      const starter = fn('Starter', 'starter', starterRole, {
        memorySize: 256, timeout: Duration.seconds(60),
        environment: { TOQ_MEDIA_AWS_STATE_MACHINE_ARN: this.stateMachine.stateMachineArn },
      });
      starter.addEventSource(new lambdaEvents.SqsEventSource(startQueue, { batchSize: 10, reportBatchItemFailures: true }));
      startQueue.grantSendMessages(serveRole);
      // serve's /metrics shows the DLQ's depth (media_start_dlq_messages).
      startDlq.grant(serveRole, 'sqs:GetQueueAttributes');
    }

    serve.taskDefinition.defaultContainer!.addEnvironment('TOQ_MEDIA_SERVER_LISTEN', '0.0.0.0:8080');
    const serveEnvironment: Record<string, string> = {
      TOQ_MEDIA_DATA_DIR: '/tmp/toq-media',
      TOQ_MEDIA_LOG_FORMAT: 'json',
      TOQ_MEDIA_DATABASE_DRIVER: 'mysql',
      TOQ_MEDIA_DATABASE_MYSQL_HOST: s.mysqlHost,
      TOQ_MEDIA_DATABASE_MYSQL_PORT: String(s.mysqlPort),
      TOQ_MEDIA_DATABASE_MYSQL_USER: s.mysqlUser,
      TOQ_MEDIA_DATABASE_MYSQL_DATABASE: s.mysqlDatabase,
      TOQ_MEDIA_STORAGE_DRIVER: 's3',
      TOQ_MEDIA_STORAGE_S3_BUCKET: this.bucket.bucketName,
      TOQ_MEDIA_STORAGE_S3_REGION: this.region,
      TOQ_MEDIA_PROCESSING_MODE: 'aws',
      TOQ_MEDIA_AWS_STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
      TOQ_MEDIA_AWS_START_VIA: s.startViaSqs ? 'sqs' : 'direct',
      TOQ_MEDIA_AWS_MAX_CONCURRENCY: String(s.maxConcurrency),
      TOQ_MEDIA_AWS_ARCHIVE_LAMBDA_MAX_BYTES: String(s.archiveLambdaMaxBytes),
      TOQ_MEDIA_AWS_RELAY: 'true',
      TOQ_MEDIA_CORS_ALLOWED_ORIGINS: s.corsAllowedOrigins.join(','),
    };
    if (startQueue) serveEnvironment.TOQ_MEDIA_AWS_START_QUEUE_URL = startQueue.queueUrl;
    if (startDlq) serveEnvironment.TOQ_MEDIA_AWS_START_DEAD_LETTER_QUEUE_URL = startDlq.queueUrl;
    for (const [k, v] of Object.entries(serveEnvironment)) serve.taskDefinition.defaultContainer!.addEnvironment(k, v);

    // ---- the reporter for executions that end without reporting ----
    const reportDlq = new sqs.Queue(this, 'ReportDeadLetters', { retentionPeriod: Duration.days(14), encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
    new events.Rule(this, 'ExecutionEndedBadly', {
      description: 'toq-media: report FAILED, TIMED_OUT and ABORTED batch executions to serve',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      targets: [new targets.LambdaFunction(reportFunction, { retryAttempts: 8, maxEventAge: Duration.hours(2), deadLetterQueue: reportDlq })],
    });

    // ---- alarms and the dashboard ----
    const topic = new sns.Topic(this, 'Alarms', { displayName: 'toq-media alarms' });
    if (s.alarmEmail) topic.addSubscription(new snsSubscriptions.EmailSubscription(s.alarmEmail));
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string, op = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD) => {
      const a = new cloudwatch.Alarm(this, name, { metric, threshold, evaluationPeriods: 1, comparisonOperator: op, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, alarmDescription: description });
      a.addAlarmAction(new cwActions.SnsAction(topic));
      return a;
    };
    const five = Duration.minutes(5);
    const alarms: cloudwatch.Alarm[] = [
      alarm('ExecutionsFailedAlarm', this.stateMachine.metricFailed({ period: five, statistic: 'Sum' }), 0, 'A batch execution FAILED (runbook: "um lote fica em PROCESSING" / "o ZIP não existe")'),
      alarm('ExecutionsTimedOutAlarm', this.stateMachine.metricTimedOut({ period: five, statistic: 'Sum' }), 0, 'A batch execution TIMED_OUT'),
      alarm('ExecutionTimeP95Alarm', this.stateMachine.metric('ExecutionTime', { period: Duration.minutes(15), statistic: 'p95' }), s.executionP95AlarmSeconds * 1000, `p95 batch duration above ${s.executionP95AlarmSeconds} s`),
      alarm('ReportDeadLettersAlarm', reportDlq.metricApproximateNumberOfMessagesVisible({ period: five, statistic: 'Maximum' }), 0, 'An execution that ended badly could not be reported to serve'),
    ];
    if (startDlq) alarms.push(alarm('StartDeadLettersAlarm', startDlq.metricApproximateNumberOfMessagesVisible({ period: five, statistic: 'Maximum' }), 0, 'A batch could not be started (runbook: "um lote fica em RECEIVED")'));
    for (const [name, f] of Object.entries({ Asset: assetFunction, Archive: archiveFunction, Report: reportFunction })) {
      alarms.push(alarm(`${name}FunctionErrorsAlarm`, f.metricErrors({ period: five, statistic: 'Sum' }), 0, `The ${name.toLowerCase()} function failed (typed errors included: see the execution history)`));
      alarms.push(alarm(`${name}FunctionThrottlesAlarm`, f.metricThrottles({ period: five, statistic: 'Sum' }), 0, `The ${name.toLowerCase()} function was throttled (reserved concurrency / account limit)`));
    }
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${s.stackName}-media` });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Executions', left: [this.stateMachine.metricStarted(), this.stateMachine.metricSucceeded(), this.stateMachine.metricFailed(), this.stateMachine.metricTimedOut()] }),
      new cloudwatch.GraphWidget({ title: 'Execution time (p50, p95)', left: [this.stateMachine.metric('ExecutionTime', { statistic: 'p50' }), this.stateMachine.metric('ExecutionTime', { statistic: 'p95' })] }),
      new cloudwatch.GraphWidget({ title: 'Asset function', left: [assetFunction.metricInvocations(), assetFunction.metricErrors(), assetFunction.metricThrottles()], right: [assetFunction.metricDuration({ statistic: 'p95' })] }),
    );
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 }));

    this.roles = { assetFunction: assetFunctionRole, assetTask: assetTaskRole, archiveFunction: archiveFunctionRole, archiveTask: archiveTaskRole, report: reportRole, serve: serveRole, starter: starterRole };

    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ApiUrl', { value: `${certificate ? 'https' : 'http'}://${serve.loadBalancer.loadBalancerDnsName}` });
    new CfnOutput(this, 'CallbackUrl', { value: callbackUrl });
    if (startQueue) new CfnOutput(this, 'StartQueueUrl', { value: startQueue.queueUrl });
  }
}
