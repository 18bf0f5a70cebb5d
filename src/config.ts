/**
 * keyhunt's configuration: one frozen, typed object read once at start from the environment (and `.env`),
 * with an optional YAML file (`KEYHUNT_CONFIG`) for rules that do not fit in variables.
 */

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
}
