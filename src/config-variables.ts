/**
 * Typed readers for environment variables. Each reader returns a value (the default when the variable is
 * unset or empty) and records a problem instead of throwing, so the loader can report every problem at once.
 */
import { formatDuration, parseDuration } from './duration.js';
import type { ConfigProblem } from './config.js';
import { describeCronFieldErrors } from './schedule/cron-fields.js';

/** Variables whose values are never shown in errors or logs. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'MicrosoftAppPassword',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
]);

/** Longer values are cut in messages so that a pasted file does not flood the terminal. */
const MAX_SHOWN_VALUE_LENGTH = 80;

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The shape parseDuration reads; a value of this shape that it rejects is too large to count in ms. */
const DURATION_SHAPE = /^\s*\d+\s*[smhd]\s*$/i;
/** Example durations, of which messages show the ones within the variable's range. */
const DURATION_EXAMPLES = ['90s', '20m', '24h', '7d'];

export type Environment = Readonly<Record<string, string | undefined>>;

export class VariableReader {
  readonly problems: ConfigProblem[] = [];
  readonly #env: Environment;

  constructor(env: Environment) {
    this.#env = env;
  }

  /** Returns the trimmed value, or undefined when the variable is unset or only whitespace. */
  raw(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value ? value : undefined;
  }

  isSet(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** Records a problem with the variable's current value, which is hidden for secrets. */
  invalid(name: string, expected: string): void {
    const value = this.raw(name);
    const shown = value === undefined || SECRET_VARIABLES.has(name) ? undefined : shorten(value);
    this.problems.push({ variable: name, value: shown, expected });
  }

  missing(name: string, expected: string): void {
    this.problems.push({ variable: name, value: undefined, expected, missing: true });
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | null {
    return this.raw(name) ?? null;
  }

  /** Reads a value that must match `pattern`; `expected` describes a valid value for the message. */
  matching(name: string, pattern: RegExp, expected: string): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    if (!pattern.test(value)) {
      this.invalid(name, expected);
      return null;
    }
    return value;
  }

  /** Reads a duration such as 20m. A recorded problem states whether the value is malformed, too large or too short. */
  duration(name: string, fallbackMs: number, range: { minMs: number; maxMs: number }): number {
    const value = this.raw(name);
    if (value === undefined) return fallbackMs;
    const ms = parseDuration(value);
    const bounds = `a duration from ${formatDuration(range.minMs)} to ${formatDuration(range.maxMs)}`;
    if (ms === null && !DURATION_SHAPE.test(value)) {
      const examples = joinAlternatives(durationExamples(range));
      this.invalid(name, `${bounds}: a whole number and one unit (s, m, h or d), such as ${examples}`);
      return fallbackMs;
    }
    // parseDuration rejects a well-formed value only when its milliseconds exceed Number.MAX_SAFE_INTEGER.
    if (ms === null || ms > range.maxMs) {
      this.invalid(
        name,
        `${bounds}, but the value is too large: the maximum is ${formatDuration(range.maxMs)}`,
      );
      return fallbackMs;
    }
    if (ms < range.minMs) {
      this.invalid(
        name,
        `${bounds}, but the value is too short: the minimum is ${formatDuration(range.minMs)}`,
      );
      return fallbackMs;
    }
    return ms;
  }

  /** Reads a cron expression of 5 fields, or 6 with seconds first when `allowSeconds` is set. */
  cron(name: string, fallback: string, allowSeconds: boolean): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const fieldCount = value.split(/\s+/).length;
    const shape = allowSeconds
      ? 'a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first'
      : 'a cron expression of 5 fields (minute hour day-of-month month day-of-week)';
    if (fieldCount !== 5 && !(allowSeconds && fieldCount === 6)) {
      this.invalid(name, `${shape}, such as "${fallback}"; got ${fieldCount} fields`);
      return fallback;
    }
    const fieldErrors = describeCronFieldErrors(value);
    if (fieldErrors.length > 0) {
      this.invalid(name, `${shape}, such as "${fallback}"; ${fieldErrors.join('; ')}`);
      return fallback;
    }
    return value;
  }

  /** Reads a decimal number in (min, max] when `minExclusive`, else in [min, max]. */
  number(
    name: string,
    fallback: number,
    range: { min: number; max: number; minExclusive?: boolean },
  ): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const number = /^[+]?(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
    const aboveMin = range.minExclusive ? number > range.min : number >= range.min;
    if (!(aboveMin && number <= range.max)) {
      const lower = range.minExclusive ? `above ${range.min}` : `at least ${range.min}`;
      this.invalid(name, `a number ${lower} and at most ${range.max}, such as ${fallback}`);
      return fallback;
    }
    return number;
  }

  integer(name: string, fallback: number, range: { min: number; max: number }): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(number >= range.min && number <= range.max)) {
      this.invalid(name, `a whole number from ${range.min} to ${range.max}, such as ${fallback}`);
      return fallback;
    }
    return number;
  }

  /** Reads one of `choices`, compared without case when `ignoreCase` is set. */
  oneOf<T extends string>(
    name: string,
    choices: readonly T[],
    fallback: T,
    options: { ignoreCase?: boolean } = {},
  ): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const same = (candidate: string) =>
      options.ignoreCase ? candidate.toLowerCase() === value.toLowerCase() : candidate === value;
    const choice = choices.find(same);
    if (choice === undefined) {
      this.invalid(name, `one of ${choices.join(', ')}`);
      return fallback;
    }
    return choice;
  }

  /** Reads an IANA time zone name that this Node.js build supports, such as UTC or Europe/Berlin. */
  timeZone(name: string, fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return value;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.invalid(name, 'an IANA time zone name, such as UTC, Europe/Berlin or America/New_York');
      return fallback;
    }
  }

  /** Reads a comma-separated list whose items must match `pattern`; the problem names every invalid item. */
  list(name: string, pattern: RegExp, expected: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const items = value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    const bad = items.filter((item) => !pattern.test(item));
    if (bad.length > 0) {
      this.invalid(
        name,
        `a comma-separated list of ${expected}; invalid: ${bad.map((item) => `"${shorten(item)}"`).join(', ')}`,
      );
      return [];
    }
    return [...new Set(items)];
  }

  url(name: string, expected: string): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    const protocol = URL.canParse(value) ? new URL(value).protocol : null;
    if (protocol !== 'http:' && protocol !== 'https:') {
      this.invalid(name, expected);
      return null;
    }
    return value;
  }
}

/** Returns the example durations within `range`, or its minimum when none is. */
function durationExamples(range: { minMs: number; maxMs: number }): string[] {
  const within = DURATION_EXAMPLES.filter((example) => {
    const ms = parseDuration(example)!;
    return ms >= range.minMs && ms <= range.maxMs;
  });
  return within.length > 0 ? within : [formatDuration(range.minMs)];
}

/** Joins `['a', 'b', 'c']` as `a, b or c`. */
function joinAlternatives(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function shorten(value: string): string {
  return value.length > MAX_SHOWN_VALUE_LENGTH ? `${value.slice(0, MAX_SHOWN_VALUE_LENGTH)}...` : value;
}
