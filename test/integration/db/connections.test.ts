import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness } from "../../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe("connections to PostgreSQL", () => {
  it("name their process's role, so an operator can tell the receiver's from the jobs'", async () => {
    const names = await eventually("both pools to connect", async () => {
      const rows = (await h.system.deps.db.execute(
        sql`select distinct application_name as name from pg_stat_activity where datname = current_database()`,
      )) as unknown as Array<{ name: string }>;
      const found = new Set(rows.map((r) => r.name));
      return found.has("switchboard-all") && found.has("switchboard-jobs") ? found : undefined;
    });
    expect(names.has("switchboard-all")).toBe(true);
    expect(names.has("switchboard-jobs")).toBe(true);
  });
});
