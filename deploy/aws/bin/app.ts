// The CDK app: `cdk synth` / `cdk deploy` (docs/aws/implantacao.md). Account and region come from
// the environment that deploys it; nothing here looks anything up, so synth runs offline.
import { App } from 'aws-cdk-lib';
import { MediaStack } from '../lib/media-stack';
import { readSettings } from '../lib/settings';

const app = new App();
const settings = readSettings(app.node);
new MediaStack(app, settings.stackName, settings, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'toq-media: listing media processing (S3, Step Functions, Lambda, Fargate, serve on ECS)',
});
app.synth();
