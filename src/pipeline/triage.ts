/**
 * The one triage function that Slack, Teams and the CLI call. It decides whether an action applies to a
 * finding's current state and records the change with who and when, inside a single store update, so two
 * people clicking at once change the state once.
 */
import type {
  Resolution,
  Store,
  StoredFinding,
  TriageAction,
  TriageActor,
  TriageHistoryEntry,
  TriageState,
} from './ports.js';
import { getStoredFinding } from './records.js';

export interface TriageRequest {
  findingId: string;
  action: TriageAction;
  /** Required for `resolve`, ignored otherwise. */
  resolution?: Resolution | null;
  actor: TriageActor;
  now: Date;
}

export type TriageOutcome =
  | { kind: 'changed'; stored: StoredFinding; entry: TriageHistoryEntry }
  /** The action was valid but the finding was already in the target state, often a double click. */
  | { kind: 'unchanged'; stored: StoredFinding; message: string }
  | { kind: 'not-found'; message: string }
  | { kind: 'invalid'; stored: StoredFinding; message: string };

export const RESOLUTIONS: readonly Resolution[] = ['true-positive', 'false-positive', 'expected'];

export const RESOLUTION_LABELS: Record<Resolution, string> = {
  'true-positive': 'true positive',
  'false-positive': 'false positive',
  expected: 'expected',
};

export const STATE_LABELS: Record<TriageState, string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  escalated: 'Escalated',
  resolved: 'Resolved',
};

/** Lists the actions that still make sense for a state, in the order buttons should show them. */
export function availableActions(state: TriageState): TriageAction[] {
  switch (state) {
    case 'open':
      return ['acknowledge', 'escalate', 'resolve'];
    case 'acknowledged':
      return ['escalate', 'resolve'];
    case 'escalated':
      return ['resolve'];
    case 'resolved':
      return ['reopen'];
  }
}

function targetState(action: TriageAction): TriageState {
  switch (action) {
    case 'acknowledge':
      return 'acknowledged';
    case 'escalate':
      return 'escalated';
    case 'resolve':
      return 'resolved';
    case 'reopen':
      return 'open';
  }
}

function describeLastChange(stored: StoredFinding): string {
  const last = stored.history[stored.history.length - 1];
  if (!last) return `It is already ${STATE_LABELS[stored.state].toLowerCase()}.`;
  return `${last.actor.name} already set it to ${STATE_LABELS[last.to].toLowerCase()} at ${last.at}.`;
}

/** Decides the outcome of a request against the current stored finding without changing anything. */
export function planTriage(
  stored: StoredFinding,
  request: Pick<TriageRequest, 'action' | 'resolution'>,
): { kind: 'apply'; to: TriageState } | { kind: 'unchanged' | 'invalid'; message: string } {
  const to = targetState(request.action);
  if (request.action === 'resolve' && !(request.resolution && RESOLUTIONS.includes(request.resolution))) {
    return {
      kind: 'invalid',
      message: `Resolve needs a reason: one of ${RESOLUTIONS.join(', ')}.`,
    };
  }
  if (stored.state === to) return { kind: 'unchanged', message: describeLastChange(stored) };
  if (!availableActions(stored.state).includes(request.action)) {
    return {
      kind: 'invalid',
      message: `Cannot ${request.action} a finding that is ${STATE_LABELS[stored.state].toLowerCase()}. ${describeLastChange(stored)}`,
    };
  }
  return { kind: 'apply', to };
}

function notFound(findingId: string): TriageOutcome {
  return { kind: 'not-found', message: `No finding with id ${findingId} is stored.` };
}

/** Returns the outcome of a request that needs no write (not found, unchanged or invalid), or null. */
function outcomeWithoutChange(
  stored: StoredFinding | undefined,
  request: TriageRequest,
): TriageOutcome | null {
  if (!stored) return notFound(request.findingId);
  const plan = planTriage(stored, request);
  if (plan.kind === 'apply') return null;
  return { ...plan, stored: structuredClone(stored) };
}

/**
 * Applies a triage action through the store's serialized writer and returns what happened. A request that
 * changes nothing, such as a double click, is decided from a read and costs no write.
 */
export async function applyTriage(store: Store, request: TriageRequest): Promise<TriageOutcome> {
  const early = outcomeWithoutChange(getStoredFinding(store.read(), request.findingId), request);
  if (early) return early;

  // The state may change between the read and the update, so the plan is made again inside it.
  return store.update((data): TriageOutcome => {
    const stored = getStoredFinding(data, request.findingId);
    const late = outcomeWithoutChange(stored, request);
    if (late) return late;
    if (!stored) return notFound(request.findingId);

    const to = targetState(request.action);
    const entry: TriageHistoryEntry = {
      action: request.action,
      from: stored.state,
      to,
      resolution: request.action === 'resolve' ? (request.resolution ?? null) : null,
      actor: request.actor,
      at: request.now.toISOString(),
    };
    stored.state = to;
    stored.resolution = entry.resolution;
    stored.updatedAt = entry.at;
    stored.history.push(entry);
    return { kind: 'changed', stored: structuredClone(stored), entry };
  });
}
