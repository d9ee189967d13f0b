/**
 * docs/deployer-policy.json: what whoever runs `serverless deploy` (and `serverless remove`) needs. Every resource
 * type of the packaged template must be covered by the actions CloudFormation calls to create, update and delete
 * it (from each type's documented handler permissions), and the policy grants no wildcard action.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagedStack } from '../support/packaged';

const REPO = join(__dirname, '../..');
type Statement = { Sid: string; Effect: string; Action: string[]; Resource: string | string[] };
const policy = JSON.parse(readFileSync(join(REPO, 'docs/deployer-policy.json'), 'utf8')) as { Version: string; Statement: Statement[] };

/** Per resource type: the actions its create, update and delete handlers call, and a resource they act on. */
const NEEDS: Record<string, { actions: string[]; resource: string }> = {
  'AWS::S3::Bucket': {
    actions: [
      's3:CreateBucket',
      's3:DeleteBucket',
      's3:PutEncryptionConfiguration',
      's3:PutBucketPublicAccessBlock',
      's3:PutBucketVersioning',
      's3:PutBucketTagging',
      's3:PutLifecycleConfiguration',
    ],
    resource: 'arn:aws:s3:::acme-turbo-prod-tfstate',
  },
  'AWS::S3::BucketPolicy': {
    actions: ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'],
    resource: 'arn:aws:s3:::turbo-prod-serverlessdeploymentbucket-1a2b3c',
  },
  'AWS::Logs::LogGroup': {
    actions: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:TagResource'],
    resource: 'arn:aws:logs:eu-west-1:210987654321:log-group:/aws/lambda/turbo-prod-notify',
  },
  'AWS::IAM::Role': {
    actions: [
      'iam:CreateRole',
      'iam:DeleteRole',
      'iam:PutRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:GetRole',
      'iam:TagRole',
      'iam:PassRole',
    ],
    resource: 'arn:aws:iam::210987654321:role/turbo-prod-notify-eu-west-1-lambdaRole',
  },
  'AWS::Lambda::Function': {
    actions: [
      'lambda:CreateFunction',
      'lambda:DeleteFunction',
      'lambda:GetFunction',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:TagResource',
    ],
    resource: 'arn:aws:lambda:eu-west-1:210987654321:function:turbo-prod-notify',
  },
  'AWS::Lambda::Version': {
    actions: ['lambda:PublishVersion', 'lambda:ListVersionsByFunction', 'lambda:DeleteFunction'],
    resource: 'arn:aws:lambda:eu-west-1:210987654321:function:turbo-prod-notify:3',
  },
  'AWS::Lambda::Permission': {
    actions: ['lambda:AddPermission', 'lambda:RemovePermission', 'lambda:GetPolicy'],
    resource: 'arn:aws:lambda:eu-west-1:210987654321:function:turbo-prod-imageWebhook',
  },
  'AWS::StepFunctions::StateMachine': {
    actions: [
      'states:CreateStateMachine',
      'states:UpdateStateMachine',
      'states:DeleteStateMachine',
      'states:DescribeStateMachine',
      'states:TagResource',
    ],
    resource: 'arn:aws:states:eu-west-1:210987654321:stateMachine:turbo-prod-reconcile',
  },
  'AWS::Events::Rule': {
    actions: ['events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:PutTargets', 'events:RemoveTargets'],
    resource: 'arn:aws:events:eu-west-1:210987654321:rule/turbo-prod-ReconcileStateMachineSche-1A2B3C',
  },
  'AWS::ApiGatewayV2::Api': {
    actions: ['apigateway:POST', 'apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE', 'apigateway:TagResource'],
    resource: 'arn:aws:apigateway:eu-west-1::/apis',
  },
  'AWS::ApiGatewayV2::Stage': {
    actions: ['apigateway:POST', 'apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'],
    resource: 'arn:aws:apigateway:eu-west-1::/apis/a1b2c3/stages/$default',
  },
  'AWS::ApiGatewayV2::Integration': {
    actions: ['apigateway:POST', 'apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'],
    resource: 'arn:aws:apigateway:eu-west-1::/apis/a1b2c3/integrations/x1',
  },
  'AWS::ApiGatewayV2::Route': {
    actions: ['apigateway:POST', 'apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'],
    resource: 'arn:aws:apigateway:eu-west-1::/apis/a1b2c3/routes/r1',
  },
  'AWS::CodeBuild::Project': {
    actions: [
      'codebuild:CreateProject',
      'codebuild:UpdateProject',
      'codebuild:DeleteProject',
      'codebuild:BatchGetProjects',
      'iam:PassRole',
    ],
    resource: 'arn:aws:codebuild:eu-west-1:210987654321:project/turbo-terraform',
  },
  'AWS::CloudWatch::Alarm': {
    actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource'],
    resource: 'arn:aws:cloudwatch:eu-west-1:210987654321:alarm:turbo-prod-reconcile-heartbeat',
  },
  'AWS::CloudWatch::Dashboard': {
    actions: ['cloudwatch:PutDashboard', 'cloudwatch:GetDashboard', 'cloudwatch:DeleteDashboards'],
    resource: 'arn:aws:cloudwatch::210987654321:dashboard/turbo-prod',
  },
  'AWS::SNS::Topic': {
    actions: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:TagResource'],
    resource: 'arn:aws:sns:eu-west-1:210987654321:turbo-prod-alerts',
  },
  'AWS::SNS::Subscription': {
    actions: ['sns:Subscribe', 'sns:Unsubscribe', 'sns:GetSubscriptionAttributes'],
    resource: 'arn:aws:sns:eu-west-1:210987654321:turbo-prod-alerts',
  },
  'AWS::SQS::Queue': {
    actions: ['sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:TagQueue'],
    resource: 'arn:aws:sqs:eu-west-1:210987654321:turbo-prod-async-failures',
  },
  'AWS::Lambda::EventInvokeConfig': {
    actions: ['lambda:PutFunctionEventInvokeConfig', 'lambda:UpdateFunctionEventInvokeConfig', 'lambda:DeleteFunctionEventInvokeConfig'],
    resource: 'arn:aws:lambda:eu-west-1:210987654321:function:turbo-prod-slackWork',
  },
  'AWS::DynamoDB::Table': {
    actions: [
      'dynamodb:CreateTable',
      'dynamodb:DeleteTable',
      'dynamodb:DescribeTable',
      'dynamodb:UpdateTable',
      'dynamodb:UpdateContinuousBackups',
      'dynamodb:TagResource',
    ],
    resource: 'arn:aws:dynamodb:eu-west-1:210987654321:table/turbo-prod-environments',
  },
};

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
/** Whether an Allow statement grants `action` (IAM actions are case-insensitive) on `resource`. */
function allows(action: string, resource: string): boolean {
  return policy.Statement.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      statement.Action.some((granted) => glob(granted.toLowerCase()).test(action.toLowerCase())) &&
      [statement.Resource].flat().some((granted) => glob(granted).test(resource)),
  );
}

describe('docs/deployer-policy.json', () => {
  const types = [...new Set(Object.values(packagedStack().template.Resources).map((resource) => resource.Type))].sort();

  it('knows every resource type of the packaged template', () => {
    expect(types.filter((type) => !NEEDS[type])).toEqual([]);
  });

  it.each(Object.keys(NEEDS))('grants what CloudFormation calls to create, update and delete %s', (type) => {
    const { actions, resource } = NEEDS[type]!;
    const passRoleOnTurboRole = (action: string) =>
      action === 'iam:PassRole' ? 'arn:aws:iam::210987654321:role/turbo-prod-job' : resource;
    expect(actions.filter((action) => !allows(action, passRoleOnTurboRole(action)))).toEqual([]);
  });

  it('lets the deployer run the stack itself: change sets on turbo-* stacks, and the secrets under /turbo', () => {
    for (const action of [
      'cloudformation:CreateChangeSet',
      'cloudformation:ExecuteChangeSet',
      'cloudformation:DescribeStackEvents',
      'cloudformation:DeleteStack',
    ]) {
      expect([action, allows(action, 'arn:aws:cloudformation:eu-west-1:210987654321:stack/turbo-prod/1a2b')]).toEqual([action, true]);
    }
    expect(allows('cloudformation:DeleteStack', 'arn:aws:cloudformation:eu-west-1:210987654321:stack/payroll-prod/1a2b')).toBe(false);
    expect(allows('ssm:PutParameter', 'arn:aws:ssm:eu-west-1:210987654321:parameter/turbo/slack/bot-token')).toBe(true);
    expect(allows('iam:CreateRole', 'arn:aws:iam::210987654321:role/admin')).toBe(false);
  });

  it('grants no wildcard action and is valid policy JSON', () => {
    expect(policy.Version).toBe('2012-10-17');
    const actions = policy.Statement.flatMap((statement) => statement.Action);
    expect(actions.filter((action) => action === '*' || action.endsWith(':*'))).toEqual([]);
    expect(new Set(policy.Statement.map((statement) => statement.Sid)).size).toBe(policy.Statement.length);
  });
});

describe("README's Deploying", () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const deploying = readme.slice(readme.indexOf('## Deploying'), readme.indexOf('## Replaying a failed run'));

  it('is one ordered sequence: the stack (which creates the state bucket) before the network', () => {
    const steps = [...deploying.matchAll(/^(\d)\. \*\*([^*]+)\*\*/gm)].map((match) => [Number(match[1]), match[2]]);
    expect(steps.map(([number]) => number)).toEqual([1, 2, 3, 4, 5, 6]);
    const stack = deploying.indexOf('npx serverless deploy');
    expect(stack).toBeGreaterThan(0);
    expect(deploying.indexOf('terraform apply')).toBeGreaterThan(stack);
    expect(readFileSync(join(REPO, 'infra-tf/README.md'), 'utf8')).toContain("step 5 of the README's *Deploying*, after the stack");
  });

  it('lists every SSM parameter the image pipeline reads', () => {
    const buildspec = readFileSync(join(REPO, 'buildspecs/images.yml'), 'utf8');
    const names = [...buildspec.matchAll(/^\s+\w+: (\/turbo\/[\w/-]+)$/gm)].map((match) => match[1]!);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(deploying).toContain(`\`${name}\``);
  });

  it('names the prerequisites and the uninstall order: clusters, then the network, then the stack', () => {
    expect(deploying).toMatch(/AWS CLI/);
    expect(deploying).toMatch(/Terraform ≥ 1\.11/);
    const uninstall = deploying.slice(deploying.indexOf('**Uninstalling**'));
    const order = ['turbo down', 'terraform destroy', 'serverless remove'].map((step) => uninstall.indexOf(step));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
