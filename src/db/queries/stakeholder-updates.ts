import type { DbOrTx } from "../client.js";
import {
  type NewStakeholderUpdateRow,
  type StakeholderUpdateRow,
  stakeholderUpdates,
} from "../schema/index.js";

/** Stores an update as written; its posts are keyed by the row's id. */
export async function insertStakeholderUpdate(
  db: DbOrTx,
  values: NewStakeholderUpdateRow,
): Promise<StakeholderUpdateRow> {
  const [row] = await db.insert(stakeholderUpdates).values(values).returning();
  if (!row) throw new Error("stakeholder update not stored");
  return row;
}
