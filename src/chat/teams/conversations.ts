/**
 * The Teams conversations keyhunt delivers to, kept in `store.teams.conversations`. Pure helpers over
 * StoreData, meant to run inside `store.update`, so they survive restarts with the rest of the store.
 */
import { getConversation } from '../../pipeline/records.js';
import type { StoreData, TeamsConversation } from '../../pipeline/ports.js';

/** Teams adds `;messageid=...` to a channel conversation id inside a thread; the channel itself has none. */
const THREAD_SUFFIX = /;messageid=.*$/;

/** Returns the id of the conversation itself, without the thread part of a channel reply. */
export function baseConversationId(conversationId: string): string {
  return conversationId.replace(THREAD_SUFFIX, '');
}

export interface ConversationRecord {
  /** The id without the thread part, as returned by `baseConversationId`. */
  id: string;
  /** The serialized ConversationReference, addressed to the conversation rather than to a thread or message. */
  reference: Record<string, unknown>;
  name: string | null;
}

export type RecordOutcome = 'added' | 'reactivated' | 'updated';

/**
 * Records a conversation the bot was installed in or messaged from, and marks it active again when it was
 * inactive. `install` is true for an explicit installation, which also restarts the conversation's
 * `addedAt`, so a re-installed app receives only findings stored from then on instead of everything missed.
 */
export function recordConversation(
  data: StoreData,
  record: ConversationRecord,
  now: Date,
  options: { install: boolean },
): RecordOutcome {
  const at = now.toISOString();
  const existing = getConversation(data, record.id);
  if (!existing) {
    data.teams.conversations[record.id] = {
      id: record.id,
      reference: record.reference,
      name: record.name,
      active: true,
      inactiveReason: null,
      addedAt: at,
      updatedAt: at,
    };
    return 'added';
  }

  const wasInactive = !existing.active;
  existing.reference = record.reference;
  existing.name = record.name ?? existing.name;
  existing.active = true;
  existing.inactiveReason = null;
  existing.updatedAt = at;
  if (wasInactive && options.install) existing.addedAt = at;
  return wasInactive ? 'reactivated' : 'updated';
}

/**
 * Marks a conversation inactive with the reason, such as a 403 after the app was removed. Returns false when
 * the conversation is unknown or already inactive, so callers log each change once.
 */
export function deactivateConversation(
  data: StoreData,
  conversationId: string,
  reason: string,
  now: Date,
): boolean {
  const conversation = getConversation(data, baseConversationId(conversationId));
  if (!conversation || !conversation.active) return false;
  conversation.active = false;
  conversation.inactiveReason = reason;
  conversation.updatedAt = now.toISOString();
  return true;
}

/** Lists the conversations findings and summaries go to, oldest installation first. */
export function listActiveConversations(data: Readonly<StoreData>): TeamsConversation[] {
  return Object.values(data.teams.conversations)
    .filter((conversation) => conversation.active)
    .sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.id.localeCompare(b.id));
}
