import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES } from '../src/config-reference.js';
import { parseDuration } from '../src/duration.js';
import {
  DEFAULT_DB_PATH,
  DEFAULT_POLL_CRON,
  DEFAULT_PORT,
  DEFAULT_SUMMARY_CRON,
  loadConfig,
} from '../src/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const configurationSection = readme.slice(
  readme.indexOf('## Configuration'),
  readme.indexOf('## Running as a service'),
);

/** Returns the README table row of a variable, or undefined when the table has none. */
function readmeRow(name: string): string | undefined {
  return configurationSection.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
}

describe('configuration reference', () => {
  test.each(CONFIG_VARIABLES.map((variable) => [variable.name, variable.defaultValue]))(
    'README lists %s with default %s',
    (name, defaultValue) => {
      const row = readmeRow(name);
      expect(row).toBeDefined();
      const lastCell = row!.split('|').slice(-2, -1)[0]!.trim();
      expect(lastCell).toBe(defaultValue === '-' ? lastCell : `\`${defaultValue}\``);
    },
  );

  test('README lists no variable the help does not', () => {
    const names = configurationSection
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => /^\| `([^`]+)`/.exec(line)![1]);
    expect(names.sort()).toEqual(CONFIG_VARIABLES.map((variable) => variable.name).sort());
  });

  test('help defaults match the loader defaults', () => {
    const config = loadConfig({});
    const byName = new Map(CONFIG_VARIABLES.map((variable) => [variable.name, variable.defaultValue]));
    expect(byName.get('KEYHUNT_POLL_CRON')).toBe(DEFAULT_POLL_CRON);
    expect(byName.get('KEYHUNT_SUMMARY_CRON')).toBe(DEFAULT_SUMMARY_CRON);
    expect(byName.get('KEYHUNT_DB_PATH')).toBe(DEFAULT_DB_PATH);
    expect(byName.get('PORT')).toBe(String(DEFAULT_PORT));
    expect(byName.get('KEYHUNT_MAX_RPS')).toBe(String(config.maxRequestsPerSecond));
    expect(byName.get('KEYHUNT_TIMEZONE')).toBe(config.timezone);
    expect(byName.get('LOG_LEVEL')).toBe(config.logLevel);
    expect(byName.get('KEYHUNT_CLOUDTRAIL_REGION')).toBe(config.cloudTrailRegion);
    expect(parseDuration(byName.get('KEYHUNT_THRESHOLD')!)).toBe(config.thresholdMs);
    expect(parseDuration(byName.get('KEYHUNT_DELIVERY_LAG')!)).toBe(config.deliveryLagMs);
    expect(parseDuration(byName.get('KEYHUNT_RETENTION')!)).toBe(config.retentionMs);
    expect(parseDuration(byName.get('KEYHUNT_QUIET_WARNING')!)).toBe(config.quietWarningMs);
  });
});
