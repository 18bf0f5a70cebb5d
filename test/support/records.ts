/**
 * Builders for CloudTrail records in the shapes real trails deliver, for detection tests.
 */
export const ACCOUNT = '111122223333';

export type Identity = Record<string, unknown>;

export function iamUser(
  userName: string,
  principalId = `AIDA${userName.toUpperCase().padEnd(12, 'X')}`,
): Identity {
  return {
    type: 'IAMUser',
    principalId,
    arn: `arn:aws:iam::${ACCOUNT}:user/${userName}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLESESSION01',
    userName,
  };
}

export function rootUser(): Identity {
  return { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT };
}

export function assumedRole(role: string, session: string): Identity {
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEROLEID:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLEROLEKEY01',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEROLEID',
        arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
        accountId: ACCOUNT,
        userName: role,
      },
    },
  };
}

interface KeyRecordOptions {
  eventId: string;
  time: string;
  identity: Identity;
  accessKeyId: string;
  /** The user named in the request; omit for a caller acting on its own key. */
  userName?: string;
  errorCode?: string;
  sourceIPAddress?: string;
  userAgent?: string;
}

function baseRecord(name: string, options: KeyRecordOptions): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: options.identity,
    eventTime: options.time,
    eventSource: 'iam.amazonaws.com',
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: options.sourceIPAddress ?? '203.0.113.10',
    userAgent: options.userAgent ?? 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2',
    eventID: options.eventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  };
}

export function createKeyRecord(options: KeyRecordOptions): Record<string, unknown> {
  const record = baseRecord('CreateAccessKey', options);
  record.requestParameters = options.userName ? { userName: options.userName } : null;
  if (options.errorCode) {
    record.errorCode = options.errorCode;
    record.errorMessage = 'The request failed.';
    record.responseElements = null;
    return record;
  }
  const accessKey: Record<string, unknown> = {
    accessKeyId: options.accessKeyId,
    status: 'Active',
    createDate: 'Jul 10, 2023 12:24:29 PM',
  };
  const owner = options.userName ?? (options.identity.userName as string | undefined);
  if (owner) accessKey.userName = owner;
  record.responseElements = { accessKey };
  return record;
}

export function deleteKeyRecord(options: KeyRecordOptions): Record<string, unknown> {
  const record = baseRecord('DeleteAccessKey', options);
  record.requestParameters = options.userName
    ? { accessKeyId: options.accessKeyId, userName: options.userName }
    : { accessKeyId: options.accessKeyId };
  record.responseElements = null;
  if (options.errorCode) {
    record.errorCode = options.errorCode;
    record.errorMessage = 'The request failed.';
  }
  return record;
}

export function useRecord(
  accessKeyId: string,
  eventId: string,
  time: string,
  eventName: string,
  sourceIPAddress: string,
): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: { ...iamUser('alice'), accessKeyId },
    eventTime: time,
    eventSource: eventName === 'ListBuckets' ? 's3.amazonaws.com' : 'sts.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress,
    userAgent: 'Boto3/1.34.0 Python/3.12.1 Linux/6.1 Botocore/1.34.0',
    eventID: eventId,
    readOnly: true,
    recipientAccountId: ACCOUNT,
  };
}
