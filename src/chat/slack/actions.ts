/**
 * The triage buttons and the resolve menu on finding messages. Each click is acknowledged at once, then
 * checked against the triager list, applied through the shared triage function and shown by rebuilding the
 * message. A click on a change that was already made gets an ephemeral message that names who made it.
 */
import { getStoredFinding } from '../../pipeline/records.js';
import type { App, BlockAction, BlockElementAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Store, TriageActor } from '../../pipeline/ports.js';
import { applyTriage } from '../../pipeline/triage.js';
import { decodeActionValue } from './blocks.js';
import type { SlackNotifier } from './notifier.js';
import type { TriagerPolicy } from './triagers.js';
import { callSlack, type WebClient } from './web-api.js';

export const TRIAGE_ACTION_PATTERN = /^finding\.(acknowledge|escalate|resolve|reopen)$/;

export interface TriageListenerDeps {
  store: Store;
  notifier: SlackNotifier;
  policy: TriagerPolicy;
  client: WebClient;
  logger: Logger;
  clock: () => Date;
  /** Called after a change was stored, so other platforms can update their copies. */
  onTriageChanged?: (findingId: string) => Promise<void>;
}

export function registerTriageActions(app: App, deps: TriageListenerDeps): void {
  app.action<BlockAction>({ action_id: TRIAGE_ACTION_PATTERN }, async ({ ack, body, action }) => {
    await ack();
    await handleTriageClick(deps, body, action);
  });
}

/** Returns the value a click carries: a button's value or the selected option's value. */
function clickedValue(action: BlockElementAction): string | undefined {
  if (action.type === 'button') return action.value;
  if (action.type === 'static_select') return action.selected_option.value;
  if (action.type === 'overflow') return action.selected_option?.value;
  return undefined;
}

async function handleTriageClick(
  deps: TriageListenerDeps,
  body: BlockAction,
  action: BlockElementAction,
): Promise<void> {
  const userId = body.user.id;
  const value = clickedValue(action);
  const decoded = decodeActionValue(action.action_id, value);
  const logger = deps.logger.child({ component: 'slack-triage', userId, actionId: action.action_id });
  const channel = body.channel?.id ?? null;

  if (!decoded) {
    logger.warn({ value }, 'Ignored a click whose value is not a keyhunt finding id');
    await sendEphemeral(
      deps,
      logger,
      channel,
      userId,
      'This control does not name a keyhunt finding, so nothing was changed.',
    );
    return;
  }
  const { findingId } = decoded;
  const findingLogger = logger.child({ findingId, action: decoded.action });
  const replyChannel = channel ?? getStoredFinding(deps.store.read(), findingId)?.slack?.channel ?? null;

  const decision = await deps.policy.check(userId);
  if (!decision.allowed) {
    findingLogger.info('Rejected a triage click from a user who is not a triager');
    await sendEphemeral(deps, findingLogger, replyChannel, userId, decision.message);
    return;
  }

  const actor: TriageActor = {
    platform: 'slack',
    id: userId,
    name: body.user.name ?? body.user.username ?? userId,
  };
  const outcome = await applyTriage(deps.store, {
    findingId,
    action: decoded.action,
    resolution: decoded.resolution,
    actor,
    now: deps.clock(),
  });
  if (outcome.kind !== 'changed') {
    findingLogger.info({ outcome: outcome.kind }, 'Triage click changed nothing');
    await sendEphemeral(deps, findingLogger, replyChannel, userId, outcome.message);
    return;
  }

  findingLogger.info({ from: outcome.entry.from, to: outcome.entry.to }, 'Triage state changed from Slack');
  try {
    await deps.notifier.refresh(findingId);
  } catch (error) {
    findingLogger.error(
      { err: error },
      'The triage change is stored but the Slack message could not be updated',
    );
    await sendEphemeral(
      deps,
      findingLogger,
      replyChannel,
      userId,
      'Your change is saved, but the message could not be updated. It is updated on the next change.',
    );
  }
  await notifyOtherPlatforms(deps, findingLogger, findingId);
}

async function notifyOtherPlatforms(
  deps: TriageListenerDeps,
  logger: Logger,
  findingId: string,
): Promise<void> {
  if (!deps.onTriageChanged) return;
  try {
    await deps.onTriageChanged(findingId);
  } catch (error) {
    logger.error({ err: error }, 'Updating other chat platforms after a Slack triage change failed');
  }
}

async function sendEphemeral(
  deps: TriageListenerDeps,
  logger: Logger,
  channel: string | null,
  user: string,
  text: string,
): Promise<void> {
  if (!channel) {
    logger.warn({ text }, 'Could not tell the user why nothing changed: the click came without a channel');
    return;
  }
  try {
    await callSlack('chat.postEphemeral', () => deps.client.chat.postEphemeral({ channel, user, text }), {
      logger,
      context: { channel, user },
    });
  } catch (error) {
    logger.error({ err: error, channel }, 'Sending an ephemeral message failed');
  }
}
