import { DateTime } from "luxon";

/**
 * When an improvement action due on a calendar date becomes overdue: the end of that day
 * where the centre is (the start of the next local day), so "due Friday" means all of Friday.
 * `dueOn` is YYYY-MM-DD; null when it is not a real date.
 */
export function actionDeadline(dueOn: string, timezone: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dueOn)) return null;
  const day = DateTime.fromISO(dueOn, { zone: timezone });
  if (!day.isValid) return null;
  return day.plus({ days: 1 }).startOf("day").toJSDate();
}
