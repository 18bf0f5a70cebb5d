/**
 * The `/keyhunt` slash command. Slack drops a command that is not acknowledged within 3 seconds, so the response
 * goes in the acknowledgement when it is ready in time, and otherwise through `respond()` afterwards.
 */
import type { App, RespondArguments } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Store } from '../../pipeline/ports.js';
import { evaluateQuery, parseQuery } from '../../pipeline/query.js';
import { escapeMrkdwn } from './mrkdwn.js';
import { buildCommandResponse, type CommandResponse } from './query-blocks.js';

export const COMMAND_NAME = '/keyhunt';
/** How long building a response may take before the command is acknowledged without it. Slack allows 3000 ms in all. */
export const ACK_DEADLINE_MS = 2000;

export interface CommandListenerDeps {
  store: Store;
  logger: Logger;
  clock: () => Date;
  pollStaleAfterMs?: number;
  ackDeadlineMs?: number;
}

/** Evaluates the text of one command against the store and renders the response. */
export async function evaluateCommand(deps: CommandListenerDeps, text: string): Promise<CommandResponse> {
  const now = deps.clock();
  const command = parseQuery(text);
  const result = evaluateQuery(command, deps.store.read(), { now, pollStaleAfterMs: deps.pollStaleAfterMs });
  return buildCommandResponse(result, COMMAND_NAME, now);
}

export function registerKeyhuntCommand(app: App, deps: CommandListenerDeps): void {
  app.command(COMMAND_NAME, async ({ command, ack, respond }) => {
    const logger = deps.logger.child({
      component: 'slack-command',
      userId: command.user_id,
      channelId: command.channel_id,
    });
    const response = evaluateCommand(deps, command.text).catch((error: unknown): CommandResponse => {
      logger.error({ err: error, text: command.text }, 'Building the /keyhunt response failed');
      const detail = error instanceof Error ? error.message : String(error);
      const text = `keyhunt could not build a response: ${escapeMrkdwn(detail)}. The error is logged.`;
      return { response_type: 'ephemeral', text, blocks: [] };
    });

    await acknowledgeInTime(response, {
      ack,
      respond,
      logger,
      deadlineMs: deps.ackDeadlineMs ?? ACK_DEADLINE_MS,
    });
  });
}

export interface AcknowledgeOptions {
  ack: (response: RespondArguments) => Promise<void>;
  respond: (response: RespondArguments) => Promise<unknown>;
  logger: Logger;
  deadlineMs: number;
}

/**
 * Acknowledges a command with its response when the response is ready within the deadline. Otherwise it
 * acknowledges with a short note and sends the response through the response URL once it is ready.
 */
export async function acknowledgeInTime(
  response: Promise<CommandResponse>,
  options: AcknowledgeOptions,
): Promise<void> {
  const inTime = await settleWithin(response, options.deadlineMs);
  if (inTime) {
    await options.ack(toResponse(inTime));
    return;
  }
  options.logger.warn(
    { deadlineMs: options.deadlineMs },
    'Building a /keyhunt response took too long for the acknowledgement; sending it with respond()',
  );
  await options.ack({ response_type: 'ephemeral', text: 'Working on it…' });
  await options.respond({ ...toResponse(await response), replace_original: false });
}

function toResponse(response: CommandResponse): RespondArguments {
  if (response.blocks.length === 0) return { response_type: response.response_type, text: response.text };
  return { response_type: response.response_type, text: response.text, blocks: response.blocks };
}

/** Resolves with the promise's value if it settles within `ms`, or with null after `ms`. */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
