import { describe, expect, it } from "vitest";
import type { Status } from "../../../src/domain/incident.js";
import { clockChanges } from "../../../src/services/sla-clocks.js";
import { incidentRow } from "../../helpers/fixtures.js";

const move = (from: Status, to: Status) =>
  Object.fromEntries(clockChanges(incidentRow({ status: from }), incidentRow({ status: to })));

describe("what a change does to the clocks", () => {
  it.each([
    ["open", "acknowledged", { respond: "stop" }],
    ["acknowledged", "in_progress", {}],
    ["in_progress", "on_hold", { resolve: "pause" }],
    ["on_hold", "in_progress", { resolve: "resume" }],
    ["open", "resolved", { respond: "stop", resolve: "pause", update_every: "stop" }],
    ["on_hold", "resolved", { resolve: "pause", update_every: "stop" }],
    ["resolved", "in_progress", { resolve: "resume", update_every: "restart", callbacks: "stop" }],
    ["resolved", "closed", { respond: "stop", update_every: "stop", resolve: "stop" }],
  ] as const)("%s → %s", (from, to, expected) => {
    expect(move(from, to)).toEqual(expected);
  });

  it("re-plans the built-in clocks when the priority changes", () => {
    const changes = clockChanges(incidentRow({ priority: "P3" }), incidentRow({ priority: "P1" }));
    expect(Object.fromEntries(changes)).toEqual({
      respond: "replan",
      update_every: "replan",
      resolve: "replan",
    });
  });

  it("restarts the update cadence after a stakeholder update", () => {
    const before = incidentRow({ lastUpdateAt: null });
    const after = incidentRow({ lastUpdateAt: new Date("2026-11-23T11:00:00Z") });
    expect(Object.fromEntries(clockChanges(before, after))).toEqual({ update_every: "restart" });
  });

  it("does nothing for a change that touches no clock", () => {
    expect(clockChanges(incidentRow({ ownerId: null }), incidentRow({ ownerId: "U0LEAD" })).size).toBe(0);
  });
});
