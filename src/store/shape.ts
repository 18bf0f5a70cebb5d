/**
 * Checks a parsed store document and fills in fields that older or partial documents lack, from
 * `emptyStoreData()`. A field of the wrong type makes the whole document invalid, so the caller keeps the
 * file aside and recovers instead of running on state it cannot trust.
 */
import { emptyStoreData, type StoreData, type TriageState } from '../pipeline/ports.js';

export const STORE_VERSION = 1;

export type ShapeCheck =
  | { ok: true; data: StoreData; filledFields: string[] }
  | { ok: false; unsupportedVersion: boolean; problem: string };

const TRIAGE_STATES: readonly TriageState[] = ['open', 'acknowledged', 'escalated', 'resolved'];
const RESOLUTIONS: readonly unknown[] = [null, 'true-positive', 'false-positive', 'expected'];
const OUTCOMES: readonly unknown[] = [null, 'complete', 'incomplete'];

class ShapeProblem extends Error {}
/** A version newer than this code reads. Some keyhunt can read the file, so it is never moved aside. */
class UnsupportedVersion extends ShapeProblem {}

type Json = Record<string, unknown>;

/** Validates a parsed document and returns it with missing fields filled, or the first problem found. */
export function normalizeStoreData(raw: unknown): ShapeCheck {
  const filledFields: string[] = [];
  try {
    const data = normalizeRoot(raw, filledFields);
    return { ok: true, data, filledFields };
  } catch (error) {
    if (error instanceof ShapeProblem) {
      const unsupportedVersion = error instanceof UnsupportedVersion;
      return { ok: false, unsupportedVersion, problem: error.message };
    }
    throw error;
  }
}

function normalizeRoot(raw: unknown, filled: string[]): StoreData {
  if (!isObject(raw)) throw new ShapeProblem(`the document is ${describe(raw)}, not a JSON object`);

  const version = field(raw, 'version', '', isNumber, STORE_VERSION, filled);
  if (version > STORE_VERSION) {
    throw new UnsupportedVersion(
      `version ${version} is not supported (this keyhunt reads version ${STORE_VERSION}); ` +
        'a newer keyhunt probably wrote it',
    );
  }
  if (version !== STORE_VERSION) throw new ShapeProblem(`version ${version} is not a known store version`);

  const findings: Json = {};
  for (const [id, entry] of Object.entries(field(raw, 'findings', '', isObject, {}, filled))) {
    findings[id] = normalizeStoredFinding(id, entry, filled);
  }
  const summaries = field(raw, 'summaries', '', isObject, {}, filled);
  const teams = field(raw, 'teams', '', isObject, {}, filled);
  const normalized: Json = {
    ...raw,
    version: STORE_VERSION,
    findings,
    poll: normalizePoll(field(raw, 'poll', '', isObject, {}, filled), filled),
    summaries: normalizeSummaries(summaries, filled),
    teams: {
      ...teams,
      conversations: field(teams, 'conversations', 'teams.', isObjectOfObjects, {}, filled),
    },
  };
  return normalized as unknown as StoreData;
}

function normalizeSummaries(summaries: Json, filled: string[]): Json {
  checkOptional(summaries, 'deliveries', 'summaries.', isObjectOfObjects);
  checkOptional(summaries, 'pollCountersAtLastSummary', 'summaries.', isObject);
  return { ...summaries, sentDates: field(summaries, 'sentDates', 'summaries.', isStringArray, [], filled) };
}

function normalizeStoredFinding(id: string, entry: unknown, filled: string[]): Json {
  const at = `findings.${id}`;
  if (!isObject(entry)) throw new ShapeProblem(`${at} is ${describe(entry)}, not an object`);
  const finding = entry['finding'];
  if (!isObject(finding)) throw new ShapeProblem(`${at}.finding is ${describe(finding)}, not an object`);
  if (finding['id'] !== id) {
    throw new ShapeProblem(`${at}.finding.id is ${JSON.stringify(finding['id'])}, not "${id}"`);
  }
  for (const name of ['accessKeyId', 'createdAt', 'deletedAt']) {
    if (typeof finding[name] !== 'string') throw new ShapeProblem(`${at}.finding.${name} is not a string`);
  }

  const prefix = `${at}.`;
  const storedAt = field(entry, 'storedAt', prefix, isString, finding['deletedAt'] as string, filled);
  return {
    ...entry,
    state: field(entry, 'state', prefix, isTriageState, 'open', filled),
    resolution: field<string | null>(entry, 'resolution', prefix, isResolution, null, filled),
    history: field(entry, 'history', prefix, isArrayOfObjects, [], filled),
    storedAt,
    updatedAt: field(entry, 'updatedAt', prefix, isString, storedAt, filled),
    slack: field(entry, 'slack', prefix, isObjectOrNull, null, filled),
    teams: field(entry, 'teams', prefix, isObjectOfObjects, {}, filled),
  };
}

function normalizePoll(poll: Json, filled: string[]): Json {
  const health = field(poll, 'health', 'poll.', isObject, {}, filled);
  const normalizedHealth: Json = { ...health };
  for (const [name, fallback] of Object.entries(emptyStoreData().poll.health)) {
    normalizedHealth[name] =
      typeof fallback === 'number'
        ? field(health, name, 'poll.health.', isNumber, fallback, filled)
        : field(health, name, 'poll.health.', isStringOrNull, fallback, filled);
  }
  if (!isOutcome(normalizedHealth['lastOutcome'])) {
    throw new ShapeProblem('poll.health.lastOutcome is not "complete", "incomplete" or null');
  }

  return {
    ...poll,
    cursor: field(poll, 'cursor', 'poll.', isStringOrNull, null, filled),
    pendingCreates: field(poll, 'pendingCreates', 'poll.', isObjectOfTimedEvents, {}, filled),
    pendingDeletes: field(poll, 'pendingDeletes', 'poll.', isObjectOfTimedEvents, {}, filled),
    seenEventIds: field(poll, 'seenEventIds', 'poll.', isObjectOfNumbers, {}, filled),
    recentKeyEvents: field(poll, 'recentKeyEvents', 'poll.', isArrayOfTimedEvents, [], filled),
    health: normalizedHealth,
  };
}

/**
 * Returns `container[name]` when it passes `check`, the default when it is absent (and records the field as
 * filled), and throws a ShapeProblem when it has the wrong type.
 */
function field<T>(
  container: Json,
  name: string,
  prefix: string,
  check: (value: unknown) => value is T,
  fallback: T,
  filled: string[],
): T {
  const value = container[name];
  if (value === undefined) {
    filled.push(prefix + name);
    return fallback;
  }
  if (!check(value)) throw new ShapeProblem(`${prefix}${name} has the wrong type (${describe(value)})`);
  return value;
}

/** Throws a ShapeProblem when an optional field is present with the wrong type. An absent one stays absent. */
function checkOptional(
  container: Json,
  name: string,
  prefix: string,
  check: (value: unknown) => boolean,
): void {
  const value = container[name];
  if (value !== undefined && !check(value)) {
    throw new ShapeProblem(`${prefix}${name} has the wrong type (${describe(value)})`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
function isString(value: unknown): value is string {
  return typeof value === 'string';
}
function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}
function isObjectOrNull(value: unknown): value is Json | null {
  return value === null || isObject(value);
}
function isTriageState(value: unknown): value is TriageState {
  return TRIAGE_STATES.includes(value as TriageState);
}
function isResolution(value: unknown): value is string | null {
  return RESOLUTIONS.includes(value);
}
function isOutcome(value: unknown): value is string | null {
  return OUTCOMES.includes(value);
}
function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}
function isArrayOfObjects(value: unknown): value is Json[] {
  return Array.isArray(value) && value.every(isObject);
}
function isObjectOfObjects(value: unknown): value is Record<string, Json> {
  return isObject(value) && Object.values(value).every(isObject);
}
function isObjectOfNumbers(value: unknown): value is Record<string, number> {
  return isObject(value) && Object.values(value).every(isNumber);
}
/** Key events must at least carry their epoch-ms `time`, which pruning and pairing read. */
function isTimedEvent(value: unknown): value is Json {
  return isObject(value) && isNumber(value['time']);
}
function isObjectOfTimedEvents(value: unknown): value is Record<string, Json> {
  return isObject(value) && Object.values(value).every(isTimedEvent);
}
function isArrayOfTimedEvents(value: unknown): value is Json[] {
  return Array.isArray(value) && value.every(isTimedEvent);
}
