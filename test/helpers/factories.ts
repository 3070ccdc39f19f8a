import { eq } from "drizzle-orm";
import { incidents, type NewIncidentRow } from "../../src/db/schema/index.js";
import type { Deps } from "../../src/services/deps.js";
import { type LogIncidentInput, logIncident } from "../../src/services/log-incident.js";
import { eventually } from "./eventually.js";
import { USERS } from "./harness.js";

let counter = 0;

export function incidentInput(overrides: Partial<LogIncidentInput> = {}): LogIncidentInput {
  counter += 1;
  return {
    title: `Test incident ${counter}`,
    description: "Callers cannot complete card payments.",
    type: "service_failure",
    reportChannel: "phone",
    impact: "high",
    urgency: "medium",
    reportedAt: new Date(Date.now() - 60_000),
    callerReference: `ACC-${100000 + counter}`,
    reporterId: USERS.agent,
    ...overrides,
  };
}

/** A minimal incident row, for tests of the database layer that need one to hang rows on. */
export function bareIncident(title: string): NewIncidentRow {
  return {
    title,
    description: "d",
    type: "service_failure",
    reportChannel: "phone",
    impact: "low",
    urgency: "low",
    matrixPriority: "P5",
    priority: "P5",
    reporterId: USERS.agent,
    reportedAt: new Date(),
  };
}

export async function makeIncident(deps: Deps, overrides: Partial<LogIncidentInput> = {}) {
  return logIncident(deps, incidentInput(overrides));
}

export async function loadIncident(deps: Deps, id: string) {
  const [row] = await deps.db.select().from(incidents).where(eq(incidents.id, id));
  if (!row) throw new Error(`incident ${id} not found`);
  return row;
}

export function setupCompleted(deps: Deps, id: string, timeoutMs = 15_000) {
  return eventually(
    "incident setup to complete",
    async () => (await loadIncident(deps, id)).setupCompletedAt,
    { timeoutMs },
  );
}

/** An incident logged and fully set up (channel, card), read back as it is now. */
export async function readyIncident(deps: Deps, overrides: Partial<LogIncidentInput> = {}) {
  const { incident } = await makeIncident(deps, overrides);
  await setupCompleted(deps, incident.id);
  return loadIncident(deps, incident.id);
}
