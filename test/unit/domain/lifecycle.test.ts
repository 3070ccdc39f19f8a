import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STATUSES, type Status } from "../../../src/domain/incident.js";
import {
  ACTION_LABELS,
  actionTo,
  allowedActions,
  HOLD_REASON_LABELS,
  HOLD_REASONS,
  isOpenStatus,
  joinWithOr,
  LIFECYCLE_ACTIONS,
  type LifecycleAction,
  parseStatusWord,
  targetOf,
  transition,
} from "../../../src/domain/lifecycle.js";

// Written out from DESIGN §1, not derived from the implementation.
const REFUSED = "refused" as const;
const TABLE: [Status, LifecycleAction, Status | typeof REFUSED][] = [
  ["open", "acknowledge", "acknowledged"],
  ["open", "start", REFUSED],
  ["open", "hold", REFUSED],
  ["open", "resume", REFUSED],
  ["open", "resolve", "resolved"],
  ["open", "close", REFUSED],
  ["open", "reopen", REFUSED],
  ["acknowledged", "acknowledge", REFUSED],
  ["acknowledged", "start", "in_progress"],
  ["acknowledged", "hold", REFUSED],
  ["acknowledged", "resume", REFUSED],
  ["acknowledged", "resolve", "resolved"],
  ["acknowledged", "close", REFUSED],
  ["acknowledged", "reopen", REFUSED],
  ["in_progress", "acknowledge", REFUSED],
  ["in_progress", "start", REFUSED],
  ["in_progress", "hold", "on_hold"],
  ["in_progress", "resume", REFUSED],
  ["in_progress", "resolve", "resolved"],
  ["in_progress", "close", REFUSED],
  ["in_progress", "reopen", REFUSED],
  ["on_hold", "acknowledge", REFUSED],
  ["on_hold", "start", REFUSED],
  ["on_hold", "hold", REFUSED],
  ["on_hold", "resume", "in_progress"],
  ["on_hold", "resolve", "resolved"],
  ["on_hold", "close", REFUSED],
  ["on_hold", "reopen", REFUSED],
  ["resolved", "acknowledge", REFUSED],
  ["resolved", "start", REFUSED],
  ["resolved", "hold", REFUSED],
  ["resolved", "resume", REFUSED],
  ["resolved", "resolve", REFUSED],
  ["resolved", "close", "closed"],
  ["resolved", "reopen", "in_progress"],
  ["closed", "acknowledge", REFUSED],
  ["closed", "start", REFUSED],
  ["closed", "hold", REFUSED],
  ["closed", "resume", REFUSED],
  ["closed", "resolve", REFUSED],
  ["closed", "close", REFUSED],
  ["closed", "reopen", "in_progress"],
];

// The diagram's edges, encoded independently of the implementation.
const EDGES = new Set([
  "open>acknowledged",
  "acknowledged>in_progress",
  "in_progress>on_hold",
  "on_hold>in_progress",
  "open>resolved",
  "acknowledged>resolved",
  "in_progress>resolved",
  "on_hold>resolved",
  "resolved>closed",
  "resolved>in_progress",
  "closed>in_progress",
]);

const anyAction = fc.constantFrom(...LIFECYCLE_ACTIONS);
const anyStatus = fc.constantFrom(...STATUSES);
const actionSequence = fc.array(anyAction, { maxLength: 50 });

/** Applies the actions from `start`, skipping refused ones; returns every status visited, in order. */
function walk(start: Status, actions: LifecycleAction[]): Status[] {
  const path: Status[] = [start];
  for (const action of actions) {
    const result = transition(path.at(-1)!, action);
    if (result.ok) path.push(result.value);
  }
  return path;
}

describe("transition", () => {
  it("covers every status × action pair", () => {
    expect(TABLE).toHaveLength(STATUSES.length * LIFECYCLE_ACTIONS.length);
    expect(new Set(TABLE.map(([from, action]) => `${from}+${action}`)).size).toBe(TABLE.length);
  });

  it.each(TABLE)("%s + %s → %s", (from, action, expected) => {
    const result = transition(from, action);
    if (expected === REFUSED) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatchObject({ code: "illegal_transition", from, action });
    } else {
      expect(result).toEqual({ ok: true, value: expected });
    }
  });

  it("explains a refusal with what is allowed from here", () => {
    const result = transition("resolved", "hold");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.allowed).toEqual(["close", "reopen"]);
    expect(result.error.message).toBe(
      "It is *Resolved*, so you can't put it on hold. From Resolved you can: close or reopen.",
    );
    expect(result.error.message).not.toMatch(/INC-/);
  });

  it.each<[Status, LifecycleAction, string]>([
    ["acknowledged", "acknowledge", "It is already acknowledged."],
    ["in_progress", "start", "It is already in progress."],
    ["in_progress", "resume", "It is already in progress."],
    ["on_hold", "hold", "It is already on hold."],
    ["resolved", "resolve", "It is already resolved."],
    ["closed", "close", "It is already closed."],
  ])("says %s is already there when asked to %s again", (from, action, opening) => {
    const result = transition(from, action);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message.startsWith(opening)).toBe(true);
  });

  it("tells the user that a closed incident can only be reopened", () => {
    const result = transition("closed", "resolve");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.allowed).toEqual(["reopen"]);
    expect(result.error.message).toBe(
      "It is *Closed*, so you can't resolve it. From Closed you can: reopen.",
    );
  });
});

describe("allowedActions, targetOf and actionTo", () => {
  it.each<[Status, LifecycleAction[]]>([
    ["open", ["acknowledge", "resolve"]],
    ["acknowledged", ["start", "resolve"]],
    ["in_progress", ["hold", "resolve"]],
    ["on_hold", ["resume", "resolve"]],
    ["resolved", ["close", "reopen"]],
    ["closed", ["reopen"]],
  ])("from %s allows %j", (from, actions) => {
    expect(allowedActions(from)).toEqual(actions);
  });

  it.each<[LifecycleAction, Status]>([
    ["acknowledge", "acknowledged"],
    ["start", "in_progress"],
    ["hold", "on_hold"],
    ["resume", "in_progress"],
    ["resolve", "resolved"],
    ["close", "closed"],
    ["reopen", "in_progress"],
  ])("%s leads to %s", (action, status) => {
    expect(targetOf(action)).toBe(status);
  });

  it.each<[Status, Status, LifecycleAction | null]>([
    ["open", "acknowledged", "acknowledge"],
    ["open", "in_progress", null],
    ["on_hold", "in_progress", "resume"],
    ["resolved", "in_progress", "reopen"],
    ["closed", "in_progress", "reopen"],
    ["open", "open", null],
  ])("%s → %s is done by %s", (from, to, action) => {
    expect(actionTo(from, to)).toBe(action);
  });
});

describe("lifecycle properties", () => {
  it("from open, only ever visits statuses and takes edges of the diagram", () => {
    fc.assert(
      fc.property(actionSequence, (actions) => {
        const path = walk("open", actions);
        for (const status of path) expect(STATUSES).toContain(status);
        for (let i = 1; i < path.length; i++) expect(EDGES.has(`${path[i - 1]}>${path[i]}`)).toBe(true);
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("refuses every action once closed but reopening", () => {
    fc.assert(
      fc.property(anyAction, (action) => {
        expect(transition("closed", action).ok).toBe(action === "reopen");
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("never moves on an illegal transition, and reports what is allowed", () => {
    fc.assert(
      fc.property(anyStatus, anyAction, (from, action) => {
        const result = transition(from, action);
        if (result.ok) return;
        expect(result.error.from).toBe(from);
        expect(result.error.action).toBe(action);
        expect(result.error.allowed).toEqual(allowedActions(from));
        expect(result.error.allowed).not.toContain(action);
        expect(walk(from, [action])).toEqual([from]);
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("finds an action exactly for the diagram's edges, and that action gets there", () => {
    fc.assert(
      fc.property(anyStatus, anyStatus, (from, to) => {
        const action = actionTo(from, to);
        expect(action !== null).toBe(EDGES.has(`${from}>${to}`));
        if (action !== null) expect(transition(from, action)).toEqual({ ok: true, value: to });
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("never reaches closed without passing through resolved just before", () => {
    fc.assert(
      fc.property(actionSequence, (actions) => {
        const path = walk("open", actions);
        path.forEach((status, i) => {
          if (status === "closed") expect(path[i - 1]).toBe("resolved");
        });
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

describe("parseStatusWord", () => {
  it.each<[string, Status | null]>([
    ["open", "open"],
    ["  OPEN ", "open"],
    ["acknowledged", "acknowledged"],
    ["Ack", "acknowledged"],
    ["in_progress", "in_progress"],
    ["in progress", "in_progress"],
    ["In-Progress", "in_progress"],
    ["working", "in_progress"],
    ["on_hold", "on_hold"],
    ["on hold", "on_hold"],
    ["hold", "on_hold"],
    ["resolved", "resolved"],
    ["Closed", "closed"],
    ["", null],
    ["done", null],
    ["constructor", null],
    ["toString", null],
  ])("%j → %s", (text, status) => {
    expect(parseStatusWord(text)).toBe(status);
  });
});

describe("vocabulary", () => {
  it("counts open statuses as needing work", () => {
    expect(STATUSES.filter(isOpenStatus)).toEqual(["open", "acknowledged", "in_progress", "on_hold"]);
  });

  it("labels every action and hold reason", () => {
    expect(Object.keys(ACTION_LABELS)).toEqual([...LIFECYCLE_ACTIONS]);
    expect(ACTION_LABELS.start).toBe("Start work");
    expect(Object.keys(HOLD_REASON_LABELS)).toEqual([...HOLD_REASONS]);
  });

  it.each<[string[], string]>([
    [[], ""],
    [["a"], "a"],
    [["a", "b"], "a or b"],
    [["a", "b", "c"], "a, b or c"],
  ])("joins %j as %j", (items, text) => {
    expect(joinWithOr(items)).toBe(text);
  });
});
