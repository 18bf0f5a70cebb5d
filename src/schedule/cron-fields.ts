/**
 * Messages for invalid cron fields. node-cron 4's validateDetailed names the field and the value, but its
 * message reads "61 is a invalid expression for minute". These messages name the field as people write it
 * and the values it takes, with a valid example of each form.
 */
import { validateDetailed } from 'node-cron';

/** The values each field takes, with examples of a list, a range and a step that are valid in that field. */
const FIELD_VALUES: Record<string, { label: string; values: string }> = {
  second: { label: 'second', values: '0-59, a list (0,30), a range (0-29) or a step (*/15)' },
  minute: { label: 'minute', values: '0-59, a list (0,30), a range (0-29) or a step (*/15)' },
  hour: { label: 'hour', values: '0-23, a list (9,17), a range (9-17) or a step (*/2)' },
  dayOfMonth: { label: 'day-of-month', values: '1-31, a list (1,15), a range (1-7) or a step (*/2)' },
  month: { label: 'month', values: '1-12 or jan-dec, a list (1,7), a range (1-6) or a step (*/3)' },
  dayOfWeek: {
    label: 'day-of-week',
    values: '0-7 (0 and 7 are Sunday) or sun-sat, a list (1,3,5), a range (1-5) or a step (*/2)',
  },
};

/**
 * Describes each invalid field of a cron expression, such as `the minute field "61" is invalid: use 0-59, ...`.
 * Returns an empty list when node-cron accepts the expression.
 */
export function describeCronFieldErrors(expression: string): string[] {
  const result = validateDetailed(expression);
  if (result.valid) return [];
  return result.errors.map((error) => {
    const field = FIELD_VALUES[error.field];
    const value = error.value === undefined ? '' : ` "${error.value}"`;
    if (field === undefined) return `the ${error.field} field${value} is invalid`;
    return `the ${field.label} field${value} is invalid: use ${field.values}`;
  });
}
