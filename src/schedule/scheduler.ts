/**
 * Recurring jobs on cron expressions (node-cron 4), for the poller and the daily summary. A job never runs
 * twice at once: when the schedule fires while a run is still going, that firing is skipped and logged. The
 * job receives `now` from an injected clock, and `stop()` waits for a running job to finish.
 */
import cron from 'node-cron';
import type { Logger as CronLogger, ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { KeyhuntError } from '../errors.js';
import { describeCronFieldErrors } from './cron-fields.js';

export interface ScheduleJobOptions {
  /** Name for logs and errors, such as `poll` or `daily-summary`. */
  name: string;
  /** Five fields (minute hour day-of-month month day-of-week), or six with seconds first. */
  cron: string;
  /** IANA time zone the expression is read in, such as `Europe/Berlin`; the process's zone by default. */
  timezone?: string;
  run: (now: Date) => Promise<unknown> | unknown;
  logger: Logger;
  clock?: () => Date;
  /** Name of the setting the expression came from, such as KEYHUNT_POLL_CRON, for error messages. */
  setting?: string;
}

/** Outcome of one firing of the schedule or one `trigger()`. */
export type JobRunOutcome = 'completed' | 'failed' | 'skipped' | 'stopped';

export interface ScheduledJob {
  readonly name: string;
  /** Runs the job now, as a firing of the schedule would, and resolves when that run ends. */
  trigger(): Promise<JobRunOutcome>;
  isRunning(): boolean;
  /** The next time the schedule fires, or null once stopped. */
  nextRun(): Date | null;
  /** Stops the schedule and waits for a running job to finish. Later triggers return 'stopped'. */
  stop(): Promise<void>;
}

/** An invalid cron expression or time zone. The message names the value and the fix. */
export class ScheduleError extends KeyhuntError {
  constructor(message: string) {
    super('SCHEDULE_INVALID', message);
  }
}

const CRON_FORMAT =
  'use 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, such as "*/5 * * * *"';

/** Throws ScheduleError unless `expression` is a cron expression node-cron accepts with 5 or 6 fields. */
export function validateCron(expression: string, setting = 'the cron expression'): void {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new ScheduleError(`${setting} "${expression}" has ${fields.length} fields: ${CRON_FORMAT}.`);
  }
  if (cron.validate(expression)) return;
  const details = describeCronFieldErrors(expression);
  const reason = details.length > 0 ? details.join('; ') : 'node-cron rejected it';
  throw new ScheduleError(`${setting} "${expression}": ${reason}. Cron expressions ${CRON_FORMAT}.`);
}

/** Throws ScheduleError unless `timezone` is an IANA time zone that this runtime supports. */
export function validateTimeZone(timezone: string, setting = 'the time zone'): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ScheduleError(
      `${setting} "${timezone}" is not a known IANA time zone, such as UTC or Europe/Berlin.`,
    );
  }
}

/** Adapts node-cron's logger interface to pino, so its warnings (such as missed runs) reach our logs. */
function cronLogger(logger: Logger): CronLogger {
  return {
    info: (message) => logger.debug(message),
    warn: (message) => logger.warn(message),
    error: (message, error) => logger.error({ err: error ?? message }, String(message)),
    debug: (message, error) => logger.debug({ err: error }, String(message)),
  };
}

/** Validates the options and starts the schedule. Throws ScheduleError for an invalid expression or zone. */
export function scheduleJob(options: ScheduleJobOptions): ScheduledJob {
  const setting = options.setting ?? `the cron expression of job ${options.name}`;
  validateCron(options.cron, setting);
  if (options.timezone !== undefined)
    validateTimeZone(options.timezone, `the time zone of job ${options.name}`);
  return new CronJob(options);
}

class CronJob implements ScheduledJob {
  readonly name: string;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly task: ScheduledTask;
  private running: Promise<JobRunOutcome> | null = null;
  private stopped = false;

  constructor(private readonly options: ScheduleJobOptions) {
    this.name = options.name;
    this.logger = options.logger.child({ job: options.name });
    this.clock = options.clock ?? (() => new Date());
    this.task = cron.schedule(options.cron, () => this.trigger(), {
      name: options.name,
      logger: cronLogger(this.logger),
      ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    });
    this.logger.info(
      { cron: options.cron, timezone: options.timezone ?? null, nextRun: this.task.getNextRun() },
      'Job scheduled',
    );
  }

  trigger(): Promise<JobRunOutcome> {
    if (this.stopped) return Promise.resolve('stopped');
    if (this.running) {
      this.logger.warn('Skipped a run because the previous run is still going');
      return Promise.resolve('skipped');
    }
    const run = this.runOnce(this.clock()).finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  isRunning(): boolean {
    return this.running !== null;
  }

  nextRun(): Date | null {
    return this.stopped ? null : this.task.getNextRun();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.task.destroy();
    if (this.running) {
      this.logger.info('Waiting for the running job to finish before stopping');
      await this.running;
    }
    this.logger.info('Job stopped');
  }

  private async runOnce(now: Date): Promise<JobRunOutcome> {
    const startedAt = performance.now();
    try {
      await this.options.run(now);
      this.logger.debug({ durationMs: Math.round(performance.now() - startedAt) }, 'Job finished');
      return 'completed';
    } catch (error) {
      this.logger.error({ err: error, durationMs: Math.round(performance.now() - startedAt) }, 'Job failed');
      return 'failed';
    }
  }
}
