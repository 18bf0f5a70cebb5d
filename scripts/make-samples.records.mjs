// @ts-check
/**
 * CloudTrail records for keyhunt's bundled samples: the identities of one small example account and a
 * builder for records in the shape CloudTrail writes them. Everything random comes from a seeded generator,
 * so the same seed gives byte-identical records.
 */

export const ACCOUNT_ID = '111122223333';
export const REGION = 'us-east-1';

/**
 * Mulberry32: a small seeded generator, so the samples do not change between runs.
 * @param {number} seed @returns {Random} a function returning numbers in [0, 1)
 */
export function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @typedef {() => number} Random */

/** @param {Random} random @param {number} min @param {number} max integer in [min, max] */
export function randomInt(random, min, max) {
  return min + Math.floor(random() * (max - min + 1));
}

/** @template T @param {Random} random @param {readonly T[]} items @returns {T} */
export function pick(random, items) {
  return /** @type {T} */ (items[Math.floor(random() * items.length)]);
}

/** @param {Random} random @param {number} length @param {string} alphabet */
export function randomText(random, length, alphabet) {
  let text = '';
  for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = '0123456789abcdef';

/** @param {Random} random a version 4 UUID, as CloudTrail uses for eventID */
export function uuid(random) {
  const hex = randomText(random, 32, HEX);
  const variant = HEX[8 + Math.floor(random() * 4)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** @param {Random} random @param {'AIDA' | 'AROA' | 'AKIA' | 'ASIA'} prefix an IAM unique id or key id */
export function iamId(random, prefix) {
  const length = prefix === 'AKIA' || prefix === 'ASIA' ? 16 : 17;
  return prefix + randomText(random, length, UPPER_DIGITS);
}

export const USER_AGENTS = {
  browser:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Safari/605.1.15',
  console: 'console.amazonaws.com',
  cli: 'aws-cli/2.15.30 Python/3.11.8 Darwin/23.3.0 exe/x86_64 prompt/off',
  boto3:
    'Boto3/1.34.64 md/Botocore#1.34.64 ua/2.0 os/linux#6.5.0-1016-aws md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.64',
  terraform:
    'APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.6 md/GOOS#linux md/GOARCH#amd64 api/iam#1.31.1',
  goSdk: 'aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.6 md/GOOS#linux md/GOARCH#amd64 api/sts#1.28.1',
};

/**
 * @typedef {object} Identity
 * @property {Record<string, unknown>} userIdentity
 * @property {string} ip sourceIPAddress
 * @property {string} userAgent
 */

/**
 * Builds an IAM user identity. `sessionCreated` marks a console session, whose calls use a temporary ASIA key
 * and carry a sessionContext.
 * @param {Random} random @param {string} userName @param {{ ip: string, userAgent: string, sessionCreated?: string }} options
 * @returns {Identity}
 */
export function iamUser(random, userName, options) {
  const userIdentity = {
    type: 'IAMUser',
    principalId: iamId(random, 'AIDA'),
    arn: `arn:aws:iam::${ACCOUNT_ID}:user/${userName}`,
    accountId: ACCOUNT_ID,
    accessKeyId: iamId(random, options.sessionCreated ? 'ASIA' : 'AKIA'),
    userName,
    ...(options.sessionCreated ? { sessionContext: consoleSession(options.sessionCreated) } : {}),
  };
  return { userIdentity, ip: options.ip, userAgent: options.userAgent };
}

/** @param {Random} random @param {{ ip: string, userAgent: string, sessionCreated: string }} options @returns {Identity} */
export function rootUser(random, options) {
  const userIdentity = {
    type: 'Root',
    principalId: ACCOUNT_ID,
    arn: `arn:aws:iam::${ACCOUNT_ID}:root`,
    accountId: ACCOUNT_ID,
    accessKeyId: iamId(random, 'ASIA'),
    sessionContext: consoleSession(options.sessionCreated),
  };
  return { userIdentity, ip: options.ip, userAgent: options.userAgent };
}

/**
 * Builds a role session identity, such as an IAM Identity Center user or an EC2 instance profile.
 * @param {Random} random @param {string} roleName @param {string} roleArn @param {string} sessionName
 * @param {{ ip: string, userAgent: string, sessionCreated: string }} options @returns {Identity}
 */
export function assumedRole(random, roleName, roleArn, sessionName, options) {
  const rolePrincipal = iamId(random, 'AROA');
  const userIdentity = {
    type: 'AssumedRole',
    principalId: `${rolePrincipal}:${sessionName}`,
    arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/${sessionName}`,
    accountId: ACCOUNT_ID,
    accessKeyId: iamId(random, 'ASIA'),
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: rolePrincipal,
        arn: roleArn,
        accountId: ACCOUNT_ID,
        userName: roleName,
      },
      webIdFederationData: {},
      attributes: { creationDate: options.sessionCreated, mfaAuthenticated: 'false' },
    },
  };
  return { userIdentity, ip: options.ip, userAgent: options.userAgent };
}

/** @param {string} service such as `config.amazonaws.com` @returns {Identity} */
export function awsService(service) {
  return { userIdentity: { type: 'AWSService', invokedBy: service }, ip: service, userAgent: service };
}

/** @param {string} created */
function consoleSession(created) {
  return {
    sessionIssuer: {},
    webIdFederationData: {},
    attributes: { creationDate: created, mfaAuthenticated: 'true' },
  };
}

/**
 * @typedef {object} CallOptions
 * @property {string} time ISO 8601 eventTime
 * @property {Identity} identity
 * @property {string} service such as `s3`, which gives eventSource `s3.amazonaws.com`
 * @property {string} name eventName
 * @property {Record<string, unknown> | null} [request] requestParameters
 * @property {Record<string, unknown> | null} [response] responseElements
 * @property {{ code: string | null, message: string }} [error] code null for failures CloudTrail records with an errorMessage only
 * @property {boolean} [readOnly] defaults to whether the name starts with Get, List or Describe
 * @property {string} [ip] overrides the identity's sourceIPAddress
 * @property {string} [userAgent] overrides the identity's userAgent
 * @property {string} [eventType] defaults to AwsApiCall
 * @property {Record<string, unknown>} [additionalEventData]
 */

/**
 * Builds one record with CloudTrail's field order (records in real files are not sorted by key).
 * @param {Random} random @param {CallOptions} call @returns {Record<string, unknown>}
 */
export function apiCall(random, call) {
  const eventSource = `${call.service}.amazonaws.com`;
  const readOnly = call.readOnly ?? /^(Get|List|Describe|Lookup)/.test(call.name);
  /** @type {Record<string, unknown>} */
  const record = {
    eventVersion: '1.09',
    userIdentity: call.identity.userIdentity,
    eventTime: call.time,
    eventSource,
    eventName: call.name,
    awsRegion: REGION,
    sourceIPAddress: call.ip ?? call.identity.ip,
    userAgent: call.userAgent ?? call.identity.userAgent,
  };
  if (call.error) {
    if (call.error.code !== null) record.errorCode = call.error.code;
    record.errorMessage = call.error.message;
  }
  record.requestParameters = call.request ?? null;
  record.responseElements = call.response ?? null;
  if (call.additionalEventData) record.additionalEventData = call.additionalEventData;
  record.requestID = call.service === 's3' ? randomText(random, 16, UPPER_DIGITS) : uuid(random);
  record.eventID = uuid(random);
  record.readOnly = readOnly;
  record.eventType = call.eventType ?? 'AwsApiCall';
  record.managementEvent = true;
  record.recipientAccountId = ACCOUNT_ID;
  record.eventCategory = 'Management';
  if (call.identity.userIdentity.type !== 'AWSService') {
    const host = call.service === 'signin' ? 'signin.aws.amazon.com' : eventSource;
    record.tlsDetails = {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: host,
    };
  }
  return record;
}

/**
 * `responseElements.accessKey.createDate` as IAM writes it, such as `Mar 12, 2024 9:14:07 AM`.
 * @param {string} iso
 */
export function iamCreateDate(iso) {
  const date = new Date(iso);
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const hours = date.getUTCHours();
  const clock = `${hours % 12 || 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${month} ${date.getUTCDate()}, ${date.getUTCFullYear()} ${clock} ${hours < 12 ? 'AM' : 'PM'}`;
}

/** @param {number} value */
function pad(value) {
  return String(value).padStart(2, '0');
}

/** @param {string} iso @param {number} seconds */
export function addSeconds(iso, seconds) {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString().replace('.000Z', 'Z');
}
