// @ts-check
/**
 * Background traffic of the sample account: console, CLI, Terraform, CI and application calls through one
 * day, with a few errors, so the planted cases sit among records that must not become findings.
 */
import {
  ACCOUNT_ID,
  USER_AGENTS,
  addSeconds,
  apiCall,
  awsService,
  iamId,
  pick,
  randomInt,
} from './make-samples.records.mjs';
import { DAY } from './make-samples.cases.mjs';

/** @typedef {import('./make-samples.records.mjs').Identity} Identity */
/** @typedef {import('./make-samples.cases.mjs').Cast} Cast */
/** @typedef {() => number} Random */
/** @typedef {{ service: string, name: string, request?: Record<string, unknown> }} Call */

const BUCKETS = ['example-reports-prod', 'example-terraform-state', 'example-app-logs'];

const CONSOLE_CALLS = /** @type {Call[]} */ ([
  { service: 'iam', name: 'ListUsers' },
  { service: 'iam', name: 'GetAccountSummary' },
  { service: 'iam', name: 'ListAccessKeys', request: { userName: 'svc-reporting' } },
  { service: 'iam', name: 'ListRoles' },
  { service: 'ec2', name: 'DescribeInstances', request: { maxResults: 50 } },
  { service: 'ec2', name: 'DescribeSecurityGroups' },
  { service: 's3', name: 'ListBuckets', request: { Host: 's3.amazonaws.com' } },
  { service: 'cloudtrail', name: 'LookupEvents', request: { maxResults: 50 } },
  { service: 'cloudtrail', name: 'DescribeTrails' },
]);

const CLI_CALLS = /** @type {Call[]} */ ([
  { service: 'sts', name: 'GetCallerIdentity' },
  { service: 's3', name: 'ListBuckets', request: { Host: 's3.amazonaws.com' } },
  { service: 'ec2', name: 'DescribeInstances' },
  { service: 'ec2', name: 'DescribeVpcs' },
  { service: 'logs', name: 'DescribeLogGroups' },
  { service: 'lambda', name: 'ListFunctions20150331' },
]);

const TERRAFORM_CALLS = /** @type {Call[]} */ ([
  { service: 'iam', name: 'GetUser', request: { userName: 'svc-etl' } },
  { service: 'iam', name: 'GetRole', request: { roleName: 'reporting-app-role' } },
  { service: 'iam', name: 'ListRolePolicies', request: { roleName: 'reporting-app-role' } },
  { service: 'iam', name: 'ListAttachedRolePolicies', request: { roleName: 'reporting-app-role' } },
  { service: 'ec2', name: 'DescribeVpcs' },
  { service: 'ec2', name: 'DescribeSubnets' },
  { service: 'ec2', name: 'DescribeSecurityGroups' },
  { service: 'ec2', name: 'DescribeRouteTables' },
  {
    service: 's3',
    name: 'GetBucketAcl',
    request: { bucketName: 'example-app-logs', Host: 'example-app-logs.s3.amazonaws.com', acl: '' },
  },
  {
    service: 's3',
    name: 'GetBucketVersioning',
    request: { bucketName: 'example-app-logs', Host: 'example-app-logs.s3.amazonaws.com', versioning: '' },
  },
]);

/**
 * Calls spread at random over [start, end], sorted by time, whole seconds.
 * @param {Random} random @param {Identity} identity @param {string} start @param {string} end
 * @param {number} count @param {readonly Call[]} menu
 */
function session(random, identity, start, end, count, menu) {
  const span = (Date.parse(end) - Date.parse(start)) / 1000;
  const offsets = Array.from({ length: count }, () => randomInt(random, 0, span)).sort((a, b) => a - b);
  return offsets.map((offset) => {
    const call = pick(random, menu);
    return apiCall(random, { ...call, time: addSeconds(start, offset), identity });
  });
}

/** @param {Random} random @param {Identity} identity @param {string} time */
function consoleLogin(random, identity, time) {
  return apiCall(random, {
    time,
    identity,
    service: 'signin',
    name: 'ConsoleLogin',
    eventType: 'AwsConsoleSignIn',
    readOnly: false,
    userAgent: USER_AGENTS.browser,
    response: { ConsoleLogin: 'Success' },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home',
      MobileVersion: 'No',
      MFAUsed: 'Yes',
    },
  });
}

/** @param {Random} random */
function failedConsoleLogin(random) {
  const unknownUser = {
    userIdentity: {
      type: 'IAMUser',
      principalId: ACCOUNT_ID,
      accountId: ACCOUNT_ID,
      accessKeyId: '',
      userName: 'HIDDEN_DUE_TO_SECURITY_REASONS',
    },
    ip: '203.0.113.200',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0',
  };
  return apiCall(random, {
    time: `${DAY}T03:14:55Z`,
    identity: unknownUser,
    service: 'signin',
    name: 'ConsoleLogin',
    eventType: 'AwsConsoleSignIn',
    readOnly: false,
    error: { code: null, message: 'Failed authentication' },
    response: { ConsoleLogin: 'Failure' },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home',
      MobileVersion: 'No',
      MFAUsed: 'No',
    },
  });
}

/**
 * Builds three Terraform runs (a plan's reads and one refresh error) and carol rotating her own key: she
 * creates a new one and deletes the old one, whose creation is not in the samples.
 * @param {Random} random @param {Cast} cast
 */
function terraformRuns(random, cast) {
  const { carol } = cast;
  const records = [
    ...session(random, carol, '2024-03-11T08:36:02Z', '2024-03-11T08:45:40Z', 14, TERRAFORM_CALLS),
    ...session(random, carol, `${DAY}T10:40:11Z`, `${DAY}T10:48:30Z`, 28, TERRAFORM_CALLS),
    ...session(random, carol, `${DAY}T16:08:15Z`, `${DAY}T16:18:02Z`, 24, TERRAFORM_CALLS),
  ];
  records.push(
    apiCall(random, {
      time: `${DAY}T10:41:37Z`,
      identity: carol,
      service: 'iam',
      name: 'GetRole',
      request: { roleName: 'reporting-app-role-old' },
      error: {
        code: 'NoSuchEntityException',
        message: 'The role with name reporting-app-role-old cannot be found.',
      },
    }),
  );
  const newKey = iamId(random, 'AKIA');
  records.push(
    apiCall(random, {
      time: `${DAY}T10:46:20Z`,
      identity: carol,
      service: 'iam',
      name: 'CreateAccessKey',
      userAgent: USER_AGENTS.cli,
      response: {
        accessKey: {
          accessKeyId: newKey,
          status: 'Active',
          userName: 'carol',
          createDate: 'Mar 12, 2024 10:46:20 AM',
        },
      },
    }),
  );
  records.push(
    apiCall(random, {
      time: `${DAY}T10:47:05Z`,
      identity: { ...carol, userIdentity: { ...carol.userIdentity, accessKeyId: newKey } },
      service: 'iam',
      name: 'DeleteAccessKey',
      userAgent: USER_AGENTS.cli,
      request: { accessKeyId: /** @type {string} */ (carol.userIdentity.accessKeyId) },
    }),
  );
  return records;
}

/** Builds a CI job's calls every 30 minutes from 07:00 to 19:00, one of them throttled. @param {Random} random @param {Cast} cast */
function ciJobs(random, cast) {
  const records = [];
  for (let minutes = 7 * 60; minutes <= 19 * 60; minutes += 30) {
    const start = addSeconds(`${DAY}T00:00:00Z`, minutes * 60 + randomInt(random, 0, 90));
    records.push(
      apiCall(random, { time: start, identity: cast.ciRunner, service: 'sts', name: 'GetCallerIdentity' }),
    );
    records.push(
      apiCall(random, {
        time: addSeconds(start, 4),
        identity: cast.ciRunner,
        service: 'ecr',
        name: 'GetAuthorizationToken',
        readOnly: true,
      }),
    );
    const throttled = minutes === 13 * 60;
    records.push(
      apiCall(random, {
        time: addSeconds(start, randomInt(random, 20, 200)),
        identity: cast.ciRunner,
        service: 'ec2',
        name: 'DescribeInstances',
        ...(throttled
          ? { error: { code: 'Client.RequestLimitExceeded', message: 'Request limit exceeded.' } }
          : {}),
      }),
    );
  }
  return records;
}

/** Builds an application's hourly report job and an instance role's secret reads, all day. @param {Random} random @param {Cast} cast */
function applicationTraffic(random, cast) {
  const records = [];
  const ec2 = awsService('ec2.amazonaws.com');
  for (let hour = 0; hour < 24; hour += 1) {
    const start = addSeconds(`${DAY}T00:00:00Z`, hour * 3600 + randomInt(random, 60, 400));
    const bucket = pick(random, BUCKETS);
    records.push(
      apiCall(random, {
        time: start,
        identity: cast.svcReporting,
        service: 's3',
        name: 'ListBuckets',
        request: { Host: 's3.amazonaws.com' },
      }),
    );
    records.push(
      apiCall(random, {
        time: addSeconds(start, 2),
        identity: cast.svcReporting,
        service: 's3',
        name: 'GetBucketLocation',
        request: { bucketName: bucket, Host: `${bucket}.s3.amazonaws.com`, location: '' },
      }),
    );
    const secretTime = addSeconds(start, randomInt(random, 600, 1800));
    records.push(
      apiCall(random, {
        time: secretTime,
        identity: cast.instance,
        service: 'secretsmanager',
        name: 'GetSecretValue',
        request: { secretId: 'reporting/db' },
      }),
    );
    records.push(
      apiCall(random, {
        time: addSeconds(secretTime, 1),
        identity: cast.instance,
        service: 'kms',
        name: 'Decrypt',
        request: { encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      }),
    );
    if (hour % 6 === 0) {
      const roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/reporting-app-role`;
      const request = { roleArn, roleSessionName: 'i-0a1b2c3d4e5f67890' };
      records.push(
        apiCall(random, {
          time: addSeconds(start, -40),
          identity: ec2,
          service: 'sts',
          name: 'AssumeRole',
          readOnly: true,
          request,
        }),
      );
    }
  }
  return records;
}

/**
 * Builds all background records, unsorted.
 * @param {Random} random @param {Cast} cast
 */
export function backgroundRecords(random, cast) {
  const { alice, bob, erin } = cast;
  const bobDenied = {
    code: 'Client.UnauthorizedOperation',
    message: `You are not authorized to perform this operation. User: ${bob.userIdentity.arn} is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:${ACCOUNT_ID}:instance/* because no identity-based policy allows the ec2:RunInstances action.`,
  };
  return [
    failedConsoleLogin(random),
    consoleLogin(random, alice, `${DAY}T08:52:10Z`),
    ...session(random, alice, `${DAY}T08:53:00Z`, `${DAY}T17:30:00Z`, 58, CONSOLE_CALLS),
    ...session(random, bob, `${DAY}T09:30:00Z`, `${DAY}T17:10:00Z`, 46, CLI_CALLS),
    apiCall(random, {
      time: `${DAY}T11:02:19Z`,
      identity: bob,
      service: 'ec2',
      name: 'RunInstances',
      error: bobDenied,
    }),
    ...session(random, erin, `${DAY}T11:20:30Z`, `${DAY}T13:50:00Z`, 16, [
      ...CONSOLE_CALLS.slice(0, 4),
      ...CLI_CALLS.slice(0, 3),
    ]),
    ...terraformRuns(random, cast),
    ...ciJobs(random, cast),
    ...applicationTraffic(random, cast),
  ];
}
