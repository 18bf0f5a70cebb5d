/**
 * Translation of AWS SDK failures of LookupEvents into keyhunt's terms: whether a failure is worth retrying,
 * and a message that names the cause and the fix. This is the one place that reads SDK error shapes.
 */
import { KeyhuntError } from '../errors.js';
import type { LookupFailure } from '../pipeline/ports.js';

export type LookupErrorKind =
  'throttling' | 'transient' | 'denied' | 'no-credentials' | 'invalid-request' | 'other';

/** Stable codes of LookupFailure and LookupEventsError. */
export const LOOKUP_FAILURE_CODES = {
  throttling: 'LOOKUP_THROTTLED',
  transient: 'LOOKUP_UNAVAILABLE',
  denied: 'LOOKUP_DENIED',
  'no-credentials': 'LOOKUP_NO_CREDENTIALS',
  'invalid-request': 'LOOKUP_INVALID_REQUEST',
  other: 'LOOKUP_FAILED',
} as const satisfies Record<LookupErrorKind, string>;

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const DENIED_NAMES = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
]);
const INVALID_REQUEST_NAMES = new Set([
  'InvalidLookupAttributesException',
  'InvalidTimeRangeException',
  'InvalidMaxResultsException',
  'InvalidNextTokenException',
  'InvalidEventCategoryException',
  'OperationNotPermittedException',
  'UnsupportedOperationException',
]);
/** Node socket error codes that mean the request may not have reached AWS, or its response was lost. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const TRANSIENT_STATUS_CODES = new Set([500, 502, 503, 504]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Decides what kind of failure a LookupEvents error is, from its name, HTTP status and socket code. */
export function classifyLookupError(error: unknown): LookupErrorKind {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : null;

  if (THROTTLING_NAMES.has(name) || status === 429) return 'throttling';
  if (DENIED_NAMES.has(name) || status === 403) return 'denied';
  if (name === 'CredentialsProviderError') return 'no-credentials';
  if (INVALID_REQUEST_NAMES.has(name)) return 'invalid-request';
  if (status !== null && TRANSIENT_STATUS_CODES.has(status)) return 'transient';
  if (name === 'TimeoutError' || (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code))) {
    return 'transient';
  }
  // The SDK attaches $metadata to every error that went through its retry step. Without an HTTP status, no
  // response arrived, which is a network failure. Under Jest's module sandbox the SDK wraps such socket
  // errors into a plain Error that keeps only this shape.
  if (shape.$metadata !== undefined && status === null) return 'transient';
  return 'other';
}

export function isRetryable(kind: LookupErrorKind): boolean {
  return kind === 'throttling' || kind === 'transient';
}

function errorText(error: unknown): string {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  return `${name}: ${message}`;
}

/** Describes a LookupEvents failure after `attempts` tries, with the fix for the common causes. */
export function describeLookupFailure(
  error: unknown,
  kind: LookupErrorKind,
  attempts: number,
): LookupFailure {
  const cause = errorText(error);
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const messages: Record<LookupErrorKind, string> = {
    throttling:
      `LookupEvents was still throttled after ${tries} (${cause}). Every caller in the account and Region ` +
      'shares 2 requests per second: lower KEYHUNT_MAX_RPS or find the other caller. The next poll reads ' +
      'the same window again.',
    transient: `LookupEvents failed after ${tries} (${cause}). The next poll reads the same window again.`,
    denied:
      `LookupEvents was denied (${cause}). Give the credentials keyhunt runs with the cloudtrail:LookupEvents ` +
      'permission (manifests/iam-policy.json) and check that they have not expired.',
    'no-credentials':
      `No AWS credentials were found (${cause}). Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and ` +
      'AWS_SECRET_ACCESS_KEY, or run keyhunt with an IAM role.',
    'invalid-request': `LookupEvents rejected the request (${cause}). This is a keyhunt bug; please report it.`,
    other: `LookupEvents failed (${cause}).`,
  };
  return { code: LOOKUP_FAILURE_CODES[kind], message: messages[kind] };
}

/** Code of the LookupFailure of a read stopped by its AbortSignal. */
export const LOOKUP_ABORTED = 'LOOKUP_ABORTED';

/** Describes a read that its AbortSignal stopped before it finished. */
export function abortedLookupFailure(): LookupFailure {
  return {
    code: LOOKUP_ABORTED,
    message: 'The LookupEvents read was stopped before it finished, so its events are incomplete.',
  };
}

/** A LookupEvents failure as an error, for callers that throw instead of reporting an incomplete read. */
export class LookupEventsError extends KeyhuntError {
  constructor(failure: LookupFailure, options: { cause?: unknown } = {}) {
    super(failure.code, failure.message, options);
  }
}
