/**
 * keyhunt's configuration: one frozen, typed object read once at start from the environment (and `.env`),
 * with an optional YAML file (`KEYHUNT_CONFIG`) for rules that do not fit in variables. `loadConfig` checks
 * everything and reports every problem in one ConfigError.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import dotenv from 'dotenv';
import {
  SLACK_ENDPOINT_VARIABLES,
  SLACK_VARIABLES,
  TEAMS_VARIABLES,
  readSlackConfig,
  readTeamsConfig,
} from './config-chat.js';
import { parseConfigFile } from './config-file.js';
import { VariableReader } from './config-variables.js';
import type { Environment } from './config-variables.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './detect/types.js';
import { formatDuration } from './duration.js';
import { KeyhuntError } from './errors.js';
import { DEFAULT_QUIET_WARNING_MS } from './pipeline/poll.js';
import { emptyRules } from './pipeline/rules.js';
import type { Rules } from './pipeline/rules.js';

export type { Environment } from './config-variables.js';
export type { Rules, RoutingRule, SuppressionRule } from './pipeline/rules.js';

export interface SlackConfig {
  botToken: string;
  signingSecret: string;
  /** Set for Socket Mode; HTTP mode otherwise. */
  appToken: string | null;
  channelId: string;
  /** Override of the Web API base URL, such as a local fake in tests. */
  apiUrl: string | null;
  /** User ids (U...) and user group ids (S...) allowed to triage; empty means every channel member. */
  triagers: string[];
  /** Mention text for escalations, such as `<!subteam^S123>` or `<@U123>`; null for none. */
  escalationMention: string | null;
  escalationChannelId: string | null;
}

export interface TeamsConfig {
  appId: string;
  appPassword: string;
  tenantId: string | null;
  /** MultiTenant, SingleTenant or UserAssignedMSI. */
  appType: string;
  /** Entra object ids allowed to triage; empty means everyone in the conversation. */
  triagers: string[];
}

export interface Config {
  thresholdMs: number;
  deliveryLagMs: number;
  pollCron: string;
  cloudTrailRegion: string;
  /** Time without any key event after which the poller warns that its Region may be wrong. */
  quietWarningMs: number;
  maxRequestsPerSecond: number;
  dbPath: string;
  /** How long resolved findings and seen event ids are kept before pruning. */
  retentionMs: number;
  summaryCron: string;
  timezone: string;
  port: number;
  logLevel: string;
  slack: SlackConfig | null;
  teams: TeamsConfig | null;
  /** Absolute path of the YAML file the rules came from, or null when KEYHUNT_CONFIG is unset. */
  configFile: string | null;
  /** Suppression and routing rules from the config file; empty lists without one. */
  rules: Rules;
}

export const DEFAULT_POLL_CRON = '*/5 * * * *';
export const DEFAULT_SUMMARY_CRON = '0 9 * * *';
export const DEFAULT_DB_PATH = './data/keyhunt.json';
export const DEFAULT_PORT = 3000;
/** LookupEvents allows 2 requests per second per account and Region, shared by every caller. */
export const MAX_LOOKUP_REQUESTS_PER_SECOND = 2;
/** IAM records its events in us-east-1 only (commercial partition). */
export const IAM_EVENTS_REGION = 'us-east-1';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One invalid or missing setting. `value` is undefined for secrets and for missing settings. */
export interface ConfigProblem {
  /** The variable name, or the file and path of a config file entry. */
  variable: string;
  value: string | undefined;
  /** Description of a valid value, such as `a whole number from 0 to 65535`. */
  expected: string;
  missing?: boolean;
}

/** Every problem found in the configuration. The CLI prints the message and exits with code 2. */
export class ConfigError extends KeyhuntError {
  readonly problems: readonly ConfigProblem[];
  /** Exit code the CLI's error handler uses: 2, invalid configuration. */
  readonly exitCode = 2;

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((problem) => `  - ${describeProblem(problem)}`);
    super('CONFIG_INVALID', `Invalid configuration (${count}):\n${lines.join('\n')}`);
    this.problems = problems;
  }
}

export function describeProblem(problem: ConfigProblem): string {
  if (problem.missing) return `${problem.variable} is missing: expected ${problem.expected}`;
  const subject = problem.value === undefined ? problem.variable : `${problem.variable}="${problem.value}"`;
  return `${subject} is invalid: expected ${problem.expected}`;
}

export interface LoadConfigOptions {
  /** Require Slack or Teams settings, as `keyhunt serve` does unless it runs with --dry-run. */
  requireChat?: boolean;
  /** Folder that a relative KEYHUNT_CONFIG is resolved against; the process's working folder by default. */
  cwd?: string;
  /** Reads the config file; tests pass a fake. */
  readFile?: (path: string) => string;
}

/** Reads and checks the whole configuration. Throws ConfigError listing every problem found. */
export function loadConfig(env: Environment, options: LoadConfigOptions = {}): Config {
  const reader = new VariableReader(env);
  const thresholdMs = reader.duration('KEYHUNT_THRESHOLD', DAY_MS, { minMs: MINUTE_MS, maxMs: 90 * DAY_MS });
  const retentionMs = reader.duration('KEYHUNT_RETENTION', 90 * DAY_MS, {
    minMs: DAY_MS,
    maxMs: 3650 * DAY_MS,
  });
  if (retentionMs < thresholdMs && reader.isSet('KEYHUNT_RETENTION')) {
    reader.invalid(
      'KEYHUNT_RETENTION',
      `a duration at least as long as KEYHUNT_THRESHOLD (${formatDuration(thresholdMs)}), so open key pairs are not pruned before they can match`,
    );
  }

  const config: Config = {
    thresholdMs,
    deliveryLagMs: reader.duration('KEYHUNT_DELIVERY_LAG', 20 * MINUTE_MS, { minMs: 0, maxMs: DAY_MS }),
    pollCron: reader.cron('KEYHUNT_POLL_CRON', DEFAULT_POLL_CRON, true),
    cloudTrailRegion: readRegion(reader),
    quietWarningMs: reader.duration('KEYHUNT_QUIET_WARNING', DEFAULT_QUIET_WARNING_MS, {
      minMs: HOUR_MS,
      maxMs: 365 * DAY_MS,
    }),
    maxRequestsPerSecond: reader.number('KEYHUNT_MAX_RPS', MAX_LOOKUP_REQUESTS_PER_SECOND, {
      min: 0,
      max: MAX_LOOKUP_REQUESTS_PER_SECOND,
      minExclusive: true,
    }),
    dbPath: reader.string('KEYHUNT_DB_PATH', DEFAULT_DB_PATH),
    retentionMs,
    summaryCron: reader.cron('KEYHUNT_SUMMARY_CRON', DEFAULT_SUMMARY_CRON, false),
    timezone: reader.timeZone('KEYHUNT_TIMEZONE', 'UTC'),
    port: reader.integer('PORT', DEFAULT_PORT, { min: 0, max: 65_535 }),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info', { ignoreCase: true }),
    slack: readSlackConfig(reader),
    teams: readTeamsConfig(reader),
    configFile: null,
    rules: emptyRules(),
  };

  if (options.requireChat && !config.slack && !config.teams && !hasChatVariables(reader)) {
    reader.missing(
      'SLACK_BOT_TOKEN or MicrosoftAppId',
      'Slack settings (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, KEYHUNT_SLACK_CHANNEL) or Teams settings ' +
        '(MicrosoftAppId, MicrosoftAppPassword), or run `keyhunt serve --dry-run` to print findings instead of posting',
    );
  }

  const file = reader.raw('KEYHUNT_CONFIG');
  if (file !== undefined) {
    config.configFile = resolve(options.cwd ?? process.cwd(), file);
    config.rules = readRules(
      config.configFile,
      options.readFile ?? ((path) => readFileSync(path, 'utf8')),
      reader,
    );
  }

  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return deepFreeze(config);
}

function readRegion(reader: VariableReader): string {
  const region = reader.matching(
    'KEYHUNT_CLOUDTRAIL_REGION',
    /^[a-z]{2}(-[a-z]+)+-\d+$/,
    `an AWS Region code such as ${IAM_EVENTS_REGION}`,
  );
  return region ?? IAM_EVENTS_REGION;
}

/**
 * Returns true when some chat variable other than an endpoint is set; its own problems then name what is
 * missing.
 */
function hasChatVariables(reader: VariableReader): boolean {
  return [...SLACK_VARIABLES, ...TEAMS_VARIABLES].some(
    (name) => reader.isSet(name) && !SLACK_ENDPOINT_VARIABLES.has(name),
  );
}

function readRules(path: string, readFile: (path: string) => string, reader: VariableReader): Rules {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `no file exists at ${path}`
        : `reading ${path} failed: ${String(error)}`;
    reader.invalid('KEYHUNT_CONFIG', `the path of a readable YAML file; ${reason}`);
    return emptyRules();
  }
  return parseConfigFile(text, path, reader.problems);
}

/** Lists settings that are valid but probably wrong, for a warning log at start. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const region = config.cloudTrailRegion;
  if (region !== IAM_EVENTS_REGION && !region.startsWith('us-gov-') && !region.startsWith('cn-')) {
    warnings.push(
      `KEYHUNT_CLOUDTRAIL_REGION is ${region}, but IAM records CreateAccessKey and DeleteAccessKey in ` +
        `${IAM_EVENTS_REGION} only; the poller will find nothing unless this Region is right for your partition.`,
    );
  }
  if (config.deliveryLagMs < 15 * MINUTE_MS) {
    warnings.push(
      `KEYHUNT_DELIVERY_LAG is ${formatDuration(config.deliveryLagMs)}; CloudTrail can deliver events 15 minutes ` +
        'late or more, and events delivered after the window was read are missed.',
    );
  }
  if (config.slack?.appToken && config.slack.apiUrl) {
    warnings.push(
      'SLACK_API_URL is set together with SLACK_APP_TOKEN; Socket Mode also opens its connection through that URL.',
    );
  }
  return warnings;
}

/** Returns the configuration without secrets, for the startup log. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { slack, teams, rules, ...rest } = config;
  return {
    ...rest,
    threshold: formatDuration(config.thresholdMs),
    deliveryLag: formatDuration(config.deliveryLagMs),
    quietWarning: formatDuration(config.quietWarningMs),
    retention: formatDuration(config.retentionMs),
    slack: slack && {
      channelId: slack.channelId,
      socketMode: slack.appToken !== null,
      apiUrl: slack.apiUrl,
      triagers: slack.triagers.length,
      escalationChannelId: slack.escalationChannelId,
    },
    teams: teams && {
      appId: teams.appId,
      appType: teams.appType,
      tenantId: teams.tenantId,
      triagers: teams.triagers.length,
    },
    rules: { suppress: rules.suppress.length, routing: rules.routing.length },
  };
}

export interface EnvironmentFile {
  env: Environment;
  /** Path of the `.env` file that was read, or null when there was none. */
  dotenvPath: string | null;
}

/**
 * Adds the variables of `.env` in `cwd`, when that file exists, to `env`. Variables already set in `env` win,
 * so the real environment always overrides the file. `env` itself is not changed.
 */
export function withDotenv(env: Environment, cwd: string): EnvironmentFile {
  const path = resolve(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { env, dotenvPath: null };
    throw new ConfigError([
      {
        variable: path,
        value: undefined,
        expected: `a readable .env file; reading failed: ${String(error)}`,
      },
    ]);
  }
  const fromFile = dotenv.parse(text);
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) merged[name] = value;
  }
  return { env: merged, dotenvPath: path };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
