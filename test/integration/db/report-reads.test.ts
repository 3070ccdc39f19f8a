import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { kpiCsvPage } from "../../../src/db/queries/kpi.js";
import {
  asReport,
  REPORT_STATEMENT_TIMEOUT_MS,
  REPORTS_AT_ONCE,
  reportLoad,
  reportStatementTimeout,
} from "../../../src/db/report-reads.js";
import { inOneSnapshot } from "../../../src/db/snapshot.js";
import { useTestDatabase } from "../../helpers/test-database.js";

const database = useTestDatabase(4);

const statementTimeout = async (tx: { execute: typeof database.db.execute }) => {
  const [row] = (await tx.execute(sql`show statement_timeout`)) as unknown as Array<{
    statement_timeout: string;
  }>;
  return row?.statement_timeout;
};

describe("report reads yield to intake", () => {
  it("run at most REPORTS_AT_ONCE at a time, the rest in turn, none lost", async () => {
    let reading = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const report = (n: number) =>
      asReport(async () => {
        reading++;
        most = Math.max(most, reading);
        await new Promise<void>((done) => gates.push(done));
        reading--;
        return n;
      });
    const all = Promise.all([1, 2, 3, 4, 5].map(report));
    // Open the gates one at a time, as each report reaches its read.
    for (let opened = 0; opened < 5; opened++) {
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      expect(reportLoad().running).toBeLessThanOrEqual(REPORTS_AT_ONCE);
      gates.shift()!();
    }
    expect(await all).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(REPORTS_AT_ONCE);
    expect(reportLoad()).toEqual({ running: 0, waiting: 0 });
  });

  it("bounds every statement of a report, on each connection of its snapshot, and only there", async () => {
    const expected = `${REPORT_STATEMENT_TIMEOUT_MS / 1000}s`;
    const seen = await inOneSnapshot(database.db, [statementTimeout, statementTimeout, statementTimeout], {
      first: reportStatementTimeout,
    });
    expect(seen).toEqual([expected, expected, expected]);
    // `set local`: the pool's connections go back without it.
    expect(await statementTimeout(database.db)).toBe("0");
    // The CSV's pages run under it too, and a page still reads.
    const rows = await kpiCsvPage(database.db, { from: new Date(0), to: new Date(), after: null, limit: 10 });
    expect(rows).toEqual([]);
  });
});
