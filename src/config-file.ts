/**
 * The optional YAML config file (KEYHUNT_CONFIG) for what does not fit in variables: suppression rules and
 * routing rules. Every problem is reported with its path in the file, such as `suppress[0].until`.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigProblem } from './config.js';
import { SEVERITIES, emptyRules } from './pipeline/rules.js';
import type { Rules, RoutingRule, SuppressionRule } from './pipeline/rules.js';
import type { Severity } from './detect/types.js';

const TOP_LEVEL_KEYS = ['suppress', 'routing'];
const SUPPRESS_KEYS = ['accessKeyId', 'userName', 'creatorArn', 'reason', 'until'];
const ROUTING_KEYS = ['severity', 'accountId', 'slackChannel'];

const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const ACCOUNT_ID = /^\d{12}$/;
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{6,}$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const DAY_MS = 86_400_000;

type Problems = ConfigProblem[];

/** Parses the text of a config file into rules, adding a problem for each invalid part. */
export function parseConfigFile(text: string, file: string, problems: Problems): Rules {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, lineCounter });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const position = lineCounter.linePos(error.pos[0]);
      const where = `line ${position.line}, column ${position.col}`;
      problems.push({
        variable: `${file} (${where})`,
        value: undefined,
        expected: `valid YAML: ${error.message}`,
      });
    }
    return emptyRules();
  }

  const root: unknown = document.toJS();
  if (root === null || root === undefined) return emptyRules();
  const at = (path: string) => `${file}: ${path}`;
  if (!isMapping(root)) {
    problems.push({
      variable: at('top level'),
      value: undefined,
      expected: 'a mapping with the keys suppress and routing',
    });
    return emptyRules();
  }
  checkKeys(root, TOP_LEVEL_KEYS, at(''), problems);

  return {
    suppress: readList(root.suppress, at('suppress'), problems, readSuppressionRule),
    routing: readList(root.routing, at('routing'), problems, readRoutingRule),
  };
}

function readList<T>(
  value: unknown,
  path: string,
  problems: Problems,
  readItem: (item: Record<string, unknown>, path: string, problems: Problems) => T | null,
): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push({
      variable: path,
      value: undefined,
      expected: 'a list of rules (lines starting with "- ")',
    });
    return [];
  }
  const items: T[] = [];
  value.forEach((item: unknown, index) => {
    const itemPath = `${path}[${index}]`;
    if (!isMapping(item)) {
      problems.push({ variable: itemPath, value: undefined, expected: 'a mapping of rule fields' });
      return;
    }
    const rule = readItem(item, itemPath, problems);
    if (rule !== null) items.push(rule);
  });
  return items;
}

function readSuppressionRule(
  item: Record<string, unknown>,
  path: string,
  problems: Problems,
): SuppressionRule | null {
  const before = problems.length;
  checkKeys(item, SUPPRESS_KEYS, path, problems);
  const accessKeyId = readString(
    item,
    'accessKeyId',
    path,
    problems,
    ACCESS_KEY_ID,
    'an access key id such as AKIAIOSFODNN7EXAMPLE',
  );
  const userName = readString(
    item,
    'userName',
    path,
    problems,
    /^\S+$/,
    'an IAM user name; * matches any characters',
  );
  const creatorArn = readString(
    item,
    'creatorArn',
    path,
    problems,
    /^arn:\S+$/,
    'an ARN starting with arn:; * matches any characters',
  );
  const reason = readString(
    item,
    'reason',
    path,
    problems,
    /\S/,
    'a non-empty text saying why the pair is expected',
  );
  const until = readUntil(item.until, `${path}.until`, problems);

  if (
    accessKeyId === null &&
    userName === null &&
    creatorArn === null &&
    !('accessKeyId' in item || 'userName' in item || 'creatorArn' in item)
  ) {
    problems.push({
      variable: path,
      value: undefined,
      expected:
        'at least one of accessKeyId, userName or creatorArn, so the rule does not hide every finding',
    });
  }
  if (reason === null && !('reason' in item)) {
    problems.push({
      variable: `${path}.reason`,
      value: undefined,
      expected: 'a reason, because suppressed findings must say why',
      missing: true,
    });
  }
  if (problems.length > before || reason === null) return null;
  return { accessKeyId, userName, creatorArn, reason, until };
}

function readRoutingRule(
  item: Record<string, unknown>,
  path: string,
  problems: Problems,
): RoutingRule | null {
  const before = problems.length;
  checkKeys(item, ROUTING_KEYS, path, problems);
  const severities = readSeverities(item.severity, `${path}.severity`, problems);
  const accountId = readString(
    item,
    'accountId',
    path,
    problems,
    ACCOUNT_ID,
    'a 12-digit AWS account id in quotes, such as "123456789012"',
  );
  const slackChannel = readString(
    item,
    'slackChannel',
    path,
    problems,
    SLACK_CHANNEL_ID,
    'a Slack channel id such as C0123456789',
  );
  if (slackChannel === null && !('slackChannel' in item)) {
    problems.push({
      variable: `${path}.slackChannel`,
      value: undefined,
      expected: 'the Slack channel id to send matching findings to',
      missing: true,
    });
  }
  if (problems.length > before) return null;
  return { severities, accountId, slackChannel };
}

/** Reads an optional string field; numbers are rejected so that account ids keep their leading zeros. */
function readString(
  item: Record<string, unknown>,
  key: string,
  path: string,
  problems: Problems,
  pattern: RegExp,
  expected: string,
): string | null {
  const value = item[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !pattern.test(value)) {
    problems.push({ variable: `${path}.${key}`, value: String(value), expected });
    return null;
  }
  return value;
}

function readSeverities(value: unknown, path: string, problems: Problems): Severity[] | null {
  if (value === undefined || value === null) return null;
  const values: unknown[] = Array.isArray(value) ? value : [value];
  const severities = values.filter((entry): entry is Severity => SEVERITIES.includes(entry as Severity));
  if (severities.length !== values.length || values.length === 0) {
    problems.push({
      variable: path,
      value: JSON.stringify(value),
      expected: `one of ${SEVERITIES.join(', ')}, or a list of them`,
    });
    return null;
  }
  return [...new Set(severities)];
}

/** Reads `until`: a date-time with a zone, or a date alone, which means until the end of that day in UTC. */
function readUntil(value: unknown, path: string, problems: Problems): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : '';
  const ms = DATE_ONLY.test(text)
    ? Date.parse(`${text}T00:00:00Z`) + DAY_MS - 1
    : DATE_TIME.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (Number.isNaN(ms)) {
    problems.push({
      variable: path,
      value: String(value),
      expected:
        'a date such as 2025-12-31 (through the end of that day, UTC) or a time such as 2025-12-31T18:00:00Z',
    });
    return null;
  }
  return new Date(ms).toISOString();
}

function checkKeys(item: Record<string, unknown>, allowed: string[], path: string, problems: Problems): void {
  for (const key of Object.keys(item)) {
    if (!allowed.includes(key)) {
      const where = path.endsWith(': ') ? `${path}${key}` : `${path}.${key}`;
      problems.push({
        variable: where,
        value: undefined,
        expected: `one of the keys ${allowed.join(', ')}; check the spelling`,
      });
    }
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
