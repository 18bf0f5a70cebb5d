// @ts-check
/**
 * The people of the sample account and the planted access key cases. samples/README.md lists the findings
 * these cases must give; change both together.
 */
import {
  ACCOUNT_ID,
  USER_AGENTS,
  addSeconds,
  apiCall,
  assumedRole,
  iamCreateDate,
  iamUser,
  rootUser,
} from './make-samples.records.mjs';

/** @typedef {import('./make-samples.records.mjs').Identity} Identity */
/** @typedef {() => number} Random */

export const DAY = '2024-03-12';

/** @param {Random} random */
export function createCast(random) {
  const ssoRole = 'AWSReservedSSO_AdministratorAccess_5d3c1f2a7b9e0c44';
  return {
    alice: iamUser(random, 'alice', {
      ip: '198.51.100.10',
      userAgent: USER_AGENTS.console,
      sessionCreated: `${DAY}T08:52:10Z`,
    }),
    bob: iamUser(random, 'bob', { ip: '198.51.100.14', userAgent: USER_AGENTS.cli }),
    carol: iamUser(random, 'carol', { ip: '192.0.2.40', userAgent: USER_AGENTS.terraform }),
    ciRunner: iamUser(random, 'ci-runner', { ip: '192.0.2.41', userAgent: USER_AGENTS.boto3 }),
    svcReporting: iamUser(random, 'svc-reporting', { ip: '192.0.2.50', userAgent: USER_AGENTS.boto3 }),
    root: rootUser(random, {
      ip: '198.51.100.77',
      userAgent: USER_AGENTS.console,
      sessionCreated: `${DAY}T10:02:11Z`,
    }),
    erin: assumedRole(
      random,
      ssoRole,
      `arn:aws:iam::${ACCOUNT_ID}:role/aws-reserved/sso.amazonaws.com/${ssoRole}`,
      'erin@example.com',
      { ip: '198.51.100.31', userAgent: USER_AGENTS.cli, sessionCreated: `${DAY}T11:20:04Z` },
    ),
    instance: assumedRole(
      random,
      'reporting-app-role',
      `arn:aws:iam::${ACCOUNT_ID}:role/reporting-app-role`,
      'i-0a1b2c3d4e5f67890',
      { ip: '192.0.2.60', userAgent: USER_AGENTS.goSdk, sessionCreated: `${DAY}T06:00:12Z` },
    ),
  };
}

/** @typedef {ReturnType<typeof createCast>} Cast */

/**
 * Builds a successful CreateAccessKey record. `forUser` is the user named in the request, or null when the
 * caller creates a key for itself. Then the response names the caller, except for root, whose key has no
 * user name.
 * @param {Random} random @param {string} time @param {Identity} caller @param {string} keyId @param {string | null} forUser
 */
function createKey(random, time, caller, keyId, forUser) {
  const owner = forUser ?? /** @type {string | undefined} */ (caller.userIdentity.userName);
  const accessKey = {
    accessKeyId: keyId,
    status: 'Active',
    ...(owner ? { userName: owner } : {}),
    createDate: iamCreateDate(time),
  };
  return apiCall(random, {
    time,
    identity: caller,
    service: 'iam',
    name: 'CreateAccessKey',
    request: forUser ? { userName: forUser } : null,
    response: { accessKey },
  });
}

/**
 * Builds a DeleteAccessKey record. With `forUser` null the caller deletes its own key, so the request names
 * no user.
 * @param {Random} random @param {string} time @param {Identity} caller @param {string} keyId @param {string | null} forUser
 * @param {{ code: string, message: string }} [error]
 */
function deleteKey(random, time, caller, keyId, forUser, error) {
  return apiCall(random, {
    time,
    identity: caller,
    service: 'iam',
    name: 'DeleteAccessKey',
    request: forUser ? { userName: forUser, accessKeyId: keyId } : { accessKeyId: keyId },
    error,
  });
}

/** @param {Identity} identity @param {string} action @param {string} resource */
function accessDenied(identity, action, resource) {
  const arn = /** @type {string} */ (identity.userIdentity.arn);
  return {
    code: 'AccessDenied',
    message: `User: ${arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
  };
}

/**
 * Builds the records of the planted cases, in the order samples/README.md lists them.
 * @param {Random} random @param {Cast} cast
 * @returns {{ records: Record<string, unknown>[], duplicateEventId: string }}
 */
export function plantedRecords(random, cast) {
  const { alice, bob, carol, ciRunner, root, erin } = cast;
  const userArn = (/** @type {string} */ name) => `arn:aws:iam::${ACCOUNT_ID}:user/${name}`;
  const records = [];

  // 1. An administrator creates a key for another user and deletes it 38 minutes later.
  records.push(createKey(random, `${DAY}T09:14:07Z`, alice, 'AKIASAMPLEOTHERUSER1', 'svc-reporting'));
  records.push(deleteKey(random, `${DAY}T09:52:40Z`, alice, 'AKIASAMPLEOTHERUSER1', 'svc-reporting'));

  // 2. Root signs in, creates a key for itself (no user name anywhere) and deletes it.
  records.push(
    apiCall(random, {
      time: `${DAY}T10:02:11Z`,
      identity: root,
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
    }),
  );
  records.push(createKey(random, `${DAY}T10:05:30Z`, root, 'AKIASAMPLEROOTKEY001', null));
  records.push(deleteKey(random, `${DAY}T10:21:02Z`, root, 'AKIASAMPLEROOTKEY001', null));

  // 3. An IAM Identity Center session (an assumed role) creates a key for a user and deletes it 2 hours later.
  records.push(createKey(random, `${DAY}T11:31:18Z`, erin, 'AKIASAMPLEROLEMADE01', 'backup-agent'));
  records.push(deleteKey(random, `${DAY}T13:45:51Z`, erin, 'AKIASAMPLEROLEMADE01', 'backup-agent'));

  // 4. A user fails to create a key for someone else, creates one for himself, the key is used from an
  //    address the user never used, and the user deletes it 25 minutes later.
  const denied = accessDenied(bob, 'iam:CreateAccessKey', userArn('alice'));
  records.push(
    apiCall(random, {
      time: `${DAY}T14:19:31Z`,
      identity: bob,
      service: 'iam',
      name: 'CreateAccessKey',
      request: { userName: 'alice' },
      error: denied,
    }),
  );
  records.push(createKey(random, `${DAY}T14:20:05Z`, bob, 'AKIASAMPLEUSEDKEY001', null));
  const stolen = {
    userIdentity: { ...bob.userIdentity, accessKeyId: 'AKIASAMPLEUSEDKEY001' },
    ip: '203.0.113.77',
    userAgent: USER_AGENTS.boto3,
  };
  records.push(
    apiCall(random, {
      time: `${DAY}T14:23:40Z`,
      identity: stolen,
      service: 'sts',
      name: 'GetCallerIdentity',
    }),
  );
  records.push(
    apiCall(random, {
      time: `${DAY}T14:24:02Z`,
      identity: stolen,
      service: 's3',
      name: 'ListBuckets',
      request: { Host: 's3.amazonaws.com' },
    }),
  );
  records.push(
    apiCall(random, {
      time: `${DAY}T14:25:17Z`,
      identity: stolen,
      service: 'iam',
      name: 'ListUsers',
      error: accessDenied(bob, 'iam:ListUsers', `arn:aws:iam::${ACCOUNT_ID}:user/`),
    }),
  );
  records.push(deleteKey(random, `${DAY}T14:44:52Z`, bob, 'AKIASAMPLEUSEDKEY001', null));

  // 5. A key deleted 30 hours after creation: longer than the 24h default threshold, so no finding.
  records.push(createKey(random, '2024-03-11T08:40:12Z', carol, 'AKIASAMPLE30HOURS001', 'svc-legacy'));
  records.push(
    deleteKey(
      random,
      addSeconds('2024-03-11T08:40:12Z', 30 * 3600),
      alice,
      'AKIASAMPLE30HOURS001',
      'svc-legacy',
    ),
  );

  // 6. A CI user creates a key for itself, fails to delete it (no permission), and an administrator deletes it.
  records.push(createKey(random, `${DAY}T15:02:44Z`, ciRunner, 'AKIASAMPLERETRYDEL01', null));
  const deleteDenied = accessDenied(ciRunner, 'iam:DeleteAccessKey', userArn('ci-runner'));
  records.push(deleteKey(random, `${DAY}T15:40:10Z`, ciRunner, 'AKIASAMPLERETRYDEL01', null, deleteDenied));
  records.push(deleteKey(random, `${DAY}T15:47:29Z`, alice, 'AKIASAMPLERETRYDEL01', 'ci-runner'));

  // 7. Terraform creates and destroys a key; CloudTrail delivers the create record twice (same eventID).
  const duplicated = createKey(random, `${DAY}T16:10:03Z`, carol, 'AKIASAMPLEDUPLICATE1', 'svc-etl');
  records.push(duplicated);
  records.push(deleteKey(random, `${DAY}T16:16:41Z`, carol, 'AKIASAMPLEDUPLICATE1', 'svc-etl'));

  return { records, duplicateEventId: /** @type {string} */ (duplicated.eventID) };
}
