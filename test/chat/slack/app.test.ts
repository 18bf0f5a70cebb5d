/**
 * The factory's modes and start-up, the Bolt log adapter and the triager policy's group cache.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { createSlackApp } from '../../../src/chat/slack/app.js';
import { createBoltLogger, redactSlackSecrets } from '../../../src/chat/slack/bolt-logger.js';
import { createTriagerPolicy } from '../../../src/chat/slack/triagers.js';
import { silentLogger } from '../../../src/log.js';
import type { Store } from '../../../src/pipeline/ports.js';
import { openStore } from '../../../src/store/index.js';
import { SlackApiFake } from '../../support/slack-api-fake.js';
import { makeTempDir, recordingLogger, testSlackConfig } from '../../support/slack-harness.js';

describe('createSlackApp', () => {
  let fake: SlackApiFake;
  let temp: { dir: string; remove: () => Promise<void> };
  let store: Store;

  beforeAll(async () => {
    fake = new SlackApiFake();
    await fake.start();
    temp = await makeTempDir();
    store = await openStore({ path: join(temp.dir, 'keyhunt.json'), logger: silentLogger() });
  });

  afterAll(async () => {
    await store.close();
    await fake.close();
    await temp.remove();
  });

  it('mounts POST /slack/events in HTTP mode', () => {
    const slack = createSlackApp({ config: testSlackConfig(fake.apiUrl), store, logger: silentLogger() });
    expect(slack.mode).toBe('http');
    expect(slack.routes.map((route) => `${route.method} ${route.path}`)).toEqual(['POST /slack/events']);
  });

  // Socket Mode needs a WebSocket server that speaks Slack's protocol, so only construction is tested offline.
  it('uses Socket Mode without routes when an app token is set', () => {
    const config = testSlackConfig(fake.apiUrl, { appToken: 'xapp-1-test-not-secret' });
    const slack = createSlackApp({ config, store, logger: silentLogger() });
    expect(slack.mode).toBe('socket');
    expect(slack.routes).toEqual([]);
  });

  it('checks the bot token at start through the configured API URL', async () => {
    const slack = createSlackApp({ config: testSlackConfig(fake.apiUrl), store, logger: silentLogger() });
    const before = fake.callsTo('auth.test').length;
    await slack.start();
    await slack.stop();
    expect(fake.callsTo('auth.test')).toHaveLength(before + 1);
  });

  it('names the fix when the bot token is rejected', async () => {
    fake.failNext('auth.test', { body: { ok: false, error: 'invalid_auth' } });
    const slack = createSlackApp({ config: testSlackConfig(fake.apiUrl), store, logger: silentLogger() });
    await expect(slack.start()).rejects.toThrow(
      'Slack auth.test failed with invalid_auth. Check SLACK_BOT_TOKEN: it must be the current xoxb- bot token of the installed app.',
    );
  });
});

describe('createBoltLogger', () => {
  it('writes Bolt lines to pino with tokens masked', () => {
    const { logger, lines } = recordingLogger();
    const bolt = createBoltLogger(logger);
    bolt.warn('http request body:', { token: 'xoxb-123-abc', channel: 'C1' });
    bolt.error('listener failed', new Error('boom'));
    expect(lines[0]!.msg).toBe('http request body: {"token":"[redacted]","channel":"C1"}');
    expect(lines[0]!.level).toBe(40);
    expect(lines[1]!.msg).toBe('listener failed');
    expect((lines[1]!.err as { message: string }).message).toBe('boom');
  });

  it('masks Slack tokens and token fields in text', () => {
    expect(redactSlackSecrets('Bearer xoxb-1-2-abc and xapp-1-A-2-def')).toBe(
      'Bearer [redacted] and [redacted]',
    );
    expect(redactSlackSecrets('token=legacy123&team_id=T1')).toBe('token=[redacted]&team_id=T1');
  });
});

describe('createTriagerPolicy', () => {
  let fake: SlackApiFake;

  beforeAll(async () => {
    fake = new SlackApiFake();
    await fake.start();
  });

  afterAll(async () => {
    await fake.close();
  });

  function client() {
    const slack = createSlackApp({
      config: testSlackConfig(fake.apiUrl),
      store: {
        read: () => {
          throw new Error('unused');
        },
        update: async () => {
          throw new Error('unused');
        },
        close: async () => undefined,
      },
      logger: silentLogger(),
      retryConfig: { retries: 0 },
    });
    return slack.client;
  }

  it('allows everyone when no triagers are set', async () => {
    const policy = createTriagerPolicy({ triagers: [], client: client(), logger: silentLogger() });
    expect(await policy.check('UANYONE')).toEqual({ allowed: true });
  });

  it('caches group members and reads them again after the cache time', async () => {
    fake.userGroups.S0CACHE = ['UCAROL'];
    let nowMs = 0;
    const policy = createTriagerPolicy({
      triagers: ['S0CACHE'],
      client: client(),
      logger: silentLogger(),
      cacheMs: 1000,
      nowMs: () => nowMs,
    });
    const before = fake.callsTo('usergroups.users.list').length;
    expect(await policy.check('UCAROL')).toEqual({ allowed: true });
    expect(await policy.check('UDAVE')).toEqual({
      allowed: false,
      message: 'Only <!subteam^S0CACHE> can triage keyhunt findings. Nothing was changed.',
    });
    expect(fake.callsTo('usergroups.users.list')).toHaveLength(before + 1);

    nowMs = 1500;
    fake.userGroups.S0CACHE = ['UCAROL', 'UDAVE'];
    expect(await policy.check('UDAVE')).toEqual({ allowed: true });
    expect(fake.callsTo('usergroups.users.list')).toHaveLength(before + 2);
  });

  it('keeps the last members when Slack cannot be read', async () => {
    fake.userGroups.S0STALE = ['UCAROL'];
    let nowMs = 0;
    const policy = createTriagerPolicy({
      triagers: ['S0STALE'],
      client: client(),
      logger: silentLogger(),
      cacheMs: 1000,
      nowMs: () => nowMs,
      retry: { attempts: 2, retryDelayMs: 10 },
    });
    expect(await policy.check('UCAROL')).toEqual({ allowed: true });
    nowMs = 5000;
    const before = fake.callsTo('usergroups.users.list').length;
    fake.failNext('usergroups.users.list', { body: { ok: false, error: 'fatal_error' } });
    fake.failNext('usergroups.users.list', { body: { ok: false, error: 'fatal_error' } });
    expect(await policy.check('UCAROL')).toEqual({ allowed: true });
    expect(fake.callsTo('usergroups.users.list')).toHaveLength(before + 2);
  });

  it('says when a group could not be read', async () => {
    const policy = createTriagerPolicy({
      triagers: ['UALICE', 'S0MISSING'],
      client: client(),
      logger: silentLogger(),
    });
    const decision = await policy.check('UCAROL');
    expect(decision).toEqual({
      allowed: false,
      message:
        'Only <@UALICE>, <!subteam^S0MISSING> can triage keyhunt findings. Nothing was changed. The members of ' +
        '<!subteam^S0MISSING> could not be read from Slack just now, so try again in a minute if you are one of them.',
    });
  });
});
