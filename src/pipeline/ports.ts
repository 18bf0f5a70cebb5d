/**
 * Ports: the interfaces the pipeline talks to. Adapters in sources/, store/ and chat/ implement them, and
 * main.ts wires the real ones together. Nothing here imports an SDK.
 */
import type { Finding, KeyEvent, KeyUseEvent } from '../detect/types.js';

/** The source of a triage change: a chat platform, the CLI, or a rule of the config file (`rules`). */
export type Platform = 'slack' | 'teams' | 'cli' | 'rules';

export type TriageState = 'open' | 'acknowledged' | 'escalated' | 'resolved';
export type TriageAction = 'acknowledge' | 'escalate' | 'resolve' | 'reopen';
export type Resolution = 'true-positive' | 'false-positive' | 'expected';

/** The person who made a triage change, as the chat platform identifies them. */
export interface TriageActor {
  platform: Platform;
  /** Slack user id (U...) or Entra object id. */
  id: string;
  /** Display name at the time of the change, for messages and history. */
  name: string;
}

export interface TriageHistoryEntry {
  action: TriageAction;
  from: TriageState;
  to: TriageState;
  resolution: Resolution | null;
  actor: TriageActor;
  /** ISO 8601 UTC. */
  at: string;
  /** The reason a rule gave for the change, such as that of the suppression rule that resolved the finding. */
  reason?: string;
}

export interface SlackPostRef {
  channel: string;
  ts: string;
  postedAt: string;
  /**
   * How many history entries are recorded under the message, by the post itself or by thread replies.
   * Missing is read as all entries, so no old change is replied to again.
   */
  historyPosted?: number;
}

/**
 * A Slack post that started but whose ts is not recorded yet. It is written before chat.postMessage and
 * removed when `slack` is set, so after a crash in between the notifier looks for the message before posting.
 */
export interface SlackPostAttempt {
  channel: string;
  /** ISO time just before chat.postMessage was called. */
  startedAt: string;
  /** How many history entries the attempted message shows, copied to `SlackPostRef.historyPosted`. */
  historyPosted: number;
}

/** The suppression rule that matched a finding when the poller stored it. */
export interface FindingSuppression {
  /** The rule's reason, from the config file. */
  reason: string;
  /** ISO time the rule was matched, which is when the finding was stored. */
  matchedAt: string;
}

export interface TeamsPostRef {
  conversationId: string;
  activityId: string;
  postedAt: string;
}

/** A finding as kept in the store: the detection result plus its triage state and where it was posted. */
export interface StoredFinding {
  finding: Finding;
  state: TriageState;
  resolution: Resolution | null;
  history: TriageHistoryEntry[];
  /** ISO time the poller or scan first stored it. */
  storedAt: string;
  /** ISO time of the last triage change, or storedAt when none. */
  updatedAt: string;
  slack: SlackPostRef | null;
  /** Present only while a Slack post is in progress or was interrupted; see SlackPostAttempt. */
  slackAttempt?: SlackPostAttempt;
  /** One entry per Teams conversation the finding was sent to, keyed by conversation id. */
  teams: Record<string, TeamsPostRef>;
  /**
   * Set when a suppression rule matched as the finding was stored. Such a finding is stored resolved as
   * expected and is never posted to Slack or Teams.
   */
  suppressed?: FindingSuppression;
}

/** Health of the poller, shown by `/keyhunt status`, the daily summary and `/readyz`. */
export interface PollHealth {
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastOutcome: 'complete' | 'incomplete' | null;
  lastError: string | null;
  /** Time of the newest key event ever seen, to warn when a Region returns nothing for long. */
  lastEventSeenAt: string | null;
  throttles: number;
  /** Windows that could not be read fully; each stays covered because the cursor did not move. */
  incompletePolls: number;
  /** Time of the first poll attempt. Until a key event is seen, the quiet-Region warning counts from it. */
  firstAttemptAt?: string | null;
}

export interface PollState {
  /** End of the last fully read window (ISO). The next window starts at cursor minus the delivery lag. */
  cursor: string | null;
  /** Successful creates without a delete yet, by access key id. */
  pendingCreates: Record<string, KeyEvent>;
  /** Successful deletes whose create has not been seen yet (late delivery), by access key id. */
  pendingDeletes: Record<string, KeyEvent>;
  /** Event ids already processed, with their event time in epoch ms, pruned by age. */
  seenEventIds: Record<string, number>;
  /** Recent key events (successful and failed) for the per-user and per-principal counts. */
  recentKeyEvents: KeyEvent[];
  health: PollHealth;
}

/** A Teams conversation the bot was installed in or messaged, as a serialized ConversationReference. */
export interface TeamsConversation {
  id: string;
  /** botbuilder's ConversationReference, stored as plain JSON. */
  reference: Record<string, unknown>;
  name: string | null;
  active: boolean;
  /** The reason the conversation was marked inactive, such as a 403 after the app was removed. */
  inactiveReason: string | null;
  addedAt: string;
  updatedAt: string;
}

/** `sending` was written before the send, `sent` after it, `failed` when the send raised an error. */
export type SummaryDeliveryState = 'sending' | 'sent' | 'failed';

export interface StoreData {
  version: 1;
  findings: Record<string, StoredFinding>;
  poll: PollState;
  /** Local dates (YYYY-MM-DD in the configured timezone) on which the daily summary was sent. */
  summaries: {
    sentDates: string[];
    /**
     * Per local date and platform, whether the summary send started or finished. A restart resends only to
     * the platforms that did not finish, and marks a resend after an interrupted send.
     */
    deliveries?: Record<string, Record<string, SummaryDeliveryState>>;
    /** Poller counters when the last summary was sent, so the next one reports the increase. */
    pollCountersAtLastSummary?: { incompletePolls: number; throttles: number; at: string };
  };
  teams: { conversations: Record<string, TeamsConversation> };
}

/**
 * The triage store. One process owns it. Every change goes through `update`, which runs mutations one at a
 * time and writes the file atomically before resolving.
 */
export interface Store {
  /** The current state. Treat it as read-only: change it only inside `update`. */
  read(): Readonly<StoreData>;
  /**
   * Run `mutate` on the state and persist the result. Mutations are serialized, so concurrent callers never
   * lose an update. A mutation must validate before it changes anything, because a throw after a partial
   * change is not rolled back in memory.
   */
  update<T>(mutate: (data: StoreData) => T): Promise<T>;
  close(): Promise<void>;
}

/** One event as CloudTrail LookupEvents returns it, before its `CloudTrailEvent` string is parsed. */
export interface LookedUpEvent {
  eventId: string | null;
  eventName: string | null;
  /** Epoch milliseconds, or null when the response had none. */
  eventTime: number | null;
  /** The full CloudTrail record as a JSON string, or null when the response had none. */
  cloudTrailEvent: string | null;
}

/** The reason a LookupEvents read stopped early. `code` is stable, and `message` names the cause and the fix. */
export interface LookupFailure {
  code: string;
  message: string;
}

/** Request counts of one read, for poll health and logs. */
export interface LookupStats {
  requests: number;
  pages: number;
  throttles: number;
  retries: number;
}

/** The result of reading a time range: every event when `complete`, else the events read before `failure`. */
export interface EventRead extends LookupStats {
  events: LookedUpEvent[];
  complete: boolean;
  failure: LookupFailure | null;
}

/** The records made with one access key, or null uses when they could not all be read. */
export interface KeyUseRead extends LookupStats {
  uses: KeyUseEvent[] | null;
  /** Records whose CloudTrailEvent could not be parsed or normalized. */
  skipped: number;
  failure: LookupFailure | null;
}

/**
 * CloudTrail event history. Every implementation shares one rate limit per account and Region, so the poller,
 * chat commands and enrichment all go through the same instance. Reads never throw for AWS errors: they
 * return what they read with `complete` false or `uses` null and the failure. When `signal` aborts, a read
 * stops waiting and retrying at once and returns the same way, with the failure code LOOKUP_ABORTED.
 */
export interface KeyEventSource {
  /** Reads every CreateAccessKey and DeleteAccessKey event with eventTime in [fromMs, toMs], inclusive. */
  readKeyEvents(fromMs: number, toMs: number, signal?: AbortSignal): Promise<EventRead>;
  /** Reads the records made with `accessKeyId` with eventTime in [fromMs, toMs], inclusive. */
  lookupKeyUses(accessKeyId: string, fromMs: number, toMs: number, signal?: AbortSignal): Promise<KeyUseRead>;
}

/** A chat platform that findings are posted to and updated on. */
export interface FindingNotifier {
  readonly platform: 'slack' | 'teams';
  /** Post every stored finding not yet posted on this platform. Failures stay unposted for the next run. */
  postPending(): Promise<void>;
  /** Rebuild the posted message(s) of a finding after a triage change. */
  refresh(findingId: string): Promise<void>;
}

export function emptyStoreData(): StoreData {
  return {
    version: 1,
    findings: {},
    poll: {
      cursor: null,
      pendingCreates: {},
      pendingDeletes: {},
      seenEventIds: {},
      recentKeyEvents: [],
      health: {
        lastAttemptAt: null,
        lastSuccessAt: null,
        lastOutcome: null,
        lastError: null,
        lastEventSeenAt: null,
        throttles: 0,
        incompletePolls: 0,
      },
    },
    summaries: { sentDates: [] },
    teams: { conversations: {} },
  };
}
