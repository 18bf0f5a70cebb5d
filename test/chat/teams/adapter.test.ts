/**
 * Setup checks of the CloudAdapter: authentication is never turned off by an empty app id outside tests,
 * and credentials botbuilder cannot use fail at start with the variable names in the message.
 */
import { TeamsSetupError, createCloudAdapter } from '../../../src/chat/teams/adapter.js';
import { classifyDeliveryError } from '../../../src/chat/teams/delivery.js';
import type { TeamsConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import { TENANT_ID } from './fixtures.js';

const APP_ID = '3b1e4f9a-0000-4000-8000-000000000abc';
const CONFIG: TeamsConfig = {
  appId: APP_ID,
  appPassword: 'not-a-real-secret',
  tenantId: null,
  appType: 'MultiTenant',
  triagers: [],
};

function setupError(
  config: TeamsConfig,
  authentication: 'bot-framework' | 'disabled-for-tests',
): TeamsSetupError {
  try {
    createCloudAdapter(config, authentication, silentLogger());
  } catch (error) {
    if (error instanceof TeamsSetupError) return error;
    throw error;
  }
  throw new Error('createCloudAdapter accepted the configuration.');
}

test('multi-tenant credentials create an adapter', () => {
  expect(createCloudAdapter(CONFIG, 'bot-framework', silentLogger())).toBeDefined();
});

test('empty app id needs the test flag', () => {
  expect(setupError({ ...CONFIG, appId: ' ' }, 'bot-framework').message).toMatch(/^MicrosoftAppId is empty/);
});

test('test flag needs an empty app id', () => {
  expect(setupError(CONFIG, 'disabled-for-tests').message).toContain(
    `needs an empty MicrosoftAppId, got "${APP_ID}"`,
  );
});

test('single tenant without tenant id fails', () => {
  const error = setupError({ ...CONFIG, appType: 'SingleTenant' }, 'bot-framework');

  expect(error.message).toContain('MicrosoftAppType=SingleTenant');
  expect(error.message).toContain('MicrosoftAppTenantId is required for SingleTenant');
  expect(error.message).not.toContain('not-a-real-secret');
});

test('managed identity with a password fails', () => {
  const error = setupError({ ...CONFIG, appType: 'UserAssignedMSI', tenantId: TENANT_ID }, 'bot-framework');

  expect(error.message).toContain('MicrosoftAppPassword must not be set for MSI');
});

test('delivery errors are classified by status', () => {
  const failure = (statusCode: number) =>
    classifyDeliveryError(Object.assign(new Error('x'), { statusCode }));

  expect(failure(403).kind).toBe('removed');
  expect(failure(404).kind).toBe('removed');
  expect(failure(429).kind).toBe('throttled');
  expect(failure(500).kind).toBe('failed');
  expect(classifyDeliveryError(new Error('socket hang up'))).toEqual({
    kind: 'failed',
    status: null,
    reason: 'socket hang up',
  });
});
