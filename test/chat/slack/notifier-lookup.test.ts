/**
 * Finding ids reach the Slack notifier from chat clicks, so its lookups count own properties only. With a
 * `slack` property on Object.prototype, as a prototype pollution elsewhere in the process would add, an id
 * such as `constructor` must still find nothing. The real WebClient calls the Slack API fake.
 */
import { afterEach, expect, it } from '@jest/globals';
import { startSlackHarness, type SlackHarness } from '../../support/slack-harness.js';

let harness: SlackHarness;

afterEach(async () => {
  await harness.close();
});

it.each(['constructor', 'toString'])('refresh of %s ignores Object.prototype', async (id) => {
  harness = await startSlackHarness({ findings: [] });
  Object.defineProperty(Object.prototype, 'slack', {
    value: { channel: 'C0POLLUTED', ts: '1700000000.000001' },
    configurable: true,
  });
  try {
    await harness.slack.notifier.refresh(id);
  } finally {
    delete (Object.prototype as { slack?: unknown }).slack;
  }

  expect(harness.fake.callsTo('chat.update')).toEqual([]);
});
