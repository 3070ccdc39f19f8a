import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Audience,
  audienceKey,
  audiencesFor,
  COMMUNICATION_VIAS,
  isEmailAddress,
  missingSecrets,
  type PlanSource,
  type PlanTypeSource,
  planFor,
  usesEmail,
} from "../../../src/domain/communications.js";
import { PRIORITIES } from "../../../src/domain/incident.js";
import { MILESTONES } from "../../../src/domain/milestones.js";

const audience = (over: Partial<Audience> & Pick<Audience, "label" | "via">): Audience => ({
  key: audienceKey(over.label),
  channels: [],
  to: [],
  url: null,
  secretEnv: null,
  notify: null,
  priorities: null,
  updateEveryMs: null,
  ...over,
});

const slack = (label: string, channels: string[], over: Partial<Audience> = {}) =>
  audience({ label, via: "slack", channels, ...over });
const email = (label: string, to: string[], over: Partial<Audience> = {}) =>
  audience({ label, via: "email", to, ...over });
const webhook = (label: string, secretEnv: string) =>
  audience({ label, via: "webhook", url: "https://status.example.com/hook", secretEnv });

const type = (over: Partial<PlanTypeSource> = {}): PlanTypeSource => ({ stakeholderChannels: [], ...over });

const EXECUTIVES = email("Executives", ["ops-exec@example.com", "cfo@example.com"], {
  priorities: ["P1", "P2"],
});
const STATUS_PAGE = webhook("Status page", "STATUS_PAGE_WEBHOOK_SECRET");
const REGULATOR = email("Regulator", ["incidents@regulator.example"], { updateEveryMs: 86_400_000 });

describe("audienceKey", () => {
  it.each([
    ["Status page", "status_page"],
    ["Executives", "executives"],
    ["  Client A/M's — Floor 2 ", "client_a_m_s_floor_2"],
    ["#cc-stakeholders", "cc_stakeholders"],
    ["P1 Execs", "p1_execs"],
    ["—", ""],
  ])("%j → %j", (label, key) => {
    expect(audienceKey(label)).toBe(key);
  });
});

describe("isEmailAddress", () => {
  it.each([
    "cfo@example.com",
    "ops.exec+p1@mail.example.co.uk",
    "incidents@regulator.example",
    "a_b@x-y.example",
  ])("accepts %s", (text) => expect(isEmailAddress(text)).toBe(true));
  it.each([
    "cfo@example",
    "cfo",
    "@example.com",
    "cfo@@example.com",
    "CFO <cfo@example.com>",
    "c fo@example.com",
    "cfo@-x.com",
    "cfo@example.com.",
  ])("refuses %s", (text) => expect(isEmailAddress(text)).toBe(false));
});

describe("planFor", () => {
  it("is empty for a type with no plan and no stakeholder channels, as today", () => {
    expect(planFor({ incidentTypes: { outage: type() } }, "outage")).toEqual([]);
  });

  it("is empty for a type the policy does not know, even one named like an object's own key", () => {
    const policy: PlanSource = { communications: [EXECUTIVES], incidentTypes: {} };
    expect(planFor(policy, "constructor")).toEqual([EXECUTIVES]);
    expect(planFor({ incidentTypes: {} }, "toString")).toEqual([]);
  });

  it("uses the type's plan over the top-level one, and the top-level one when the type has none", () => {
    const policy: PlanSource = {
      communications: [EXECUTIVES, STATUS_PAGE],
      incidentTypes: { outage: type(), security_breach: type({ communications: [REGULATOR] }) },
    };
    expect(planFor(policy, "outage")).toEqual([EXECUTIVES, STATUS_PAGE]);
    expect(planFor(policy, "security_breach")).toEqual([REGULATOR]);
  });

  it("lets a type's empty plan silence the top-level one", () => {
    const policy: PlanSource = {
      communications: [EXECUTIVES],
      incidentTypes: { complaint: type({ communications: [] }) },
    };
    expect(planFor(policy, "complaint")).toEqual([]);
  });

  it("puts the stakeholder channels first, hearing what the notify lists say", () => {
    const policy: PlanSource = {
      communications: [EXECUTIVES],
      notify: ["logged", "resolved"],
      incidentTypes: {
        outage: type({ stakeholderChannels: ["C0STAKE", "C0FLOOR"] }),
        complaint: type({ stakeholderChannels: ["C0COMPLAINTS"], notify: ["closed"] }),
      },
    };
    expect(planFor(policy, "outage")).toEqual([
      slack("Stakeholders", ["C0STAKE", "C0FLOOR"], { notify: ["logged", "resolved"] }),
      EXECUTIVES,
    ]);
    expect(planFor(policy, "complaint")[0]).toEqual(
      slack("Stakeholders", ["C0COMPLAINTS"], { notify: ["closed"] }),
    );
    expect(
      planFor({ incidentTypes: { outage: type({ stakeholderChannels: ["C0STAKE"] }) } }, "outage"),
    ).toEqual([slack("Stakeholders", ["C0STAKE"])]);
  });

  it("adds no stakeholder audience when the plan's Slack audiences already tell every channel", () => {
    const ops = slack("Ops", ["C0STAKE"], { priorities: ["P1"] });
    const floor = slack("Floor", ["C0FLOOR"]);
    const policy: PlanSource = {
      communications: [ops, EXECUTIVES, floor],
      incidentTypes: { outage: type({ stakeholderChannels: ["C0STAKE", "C0FLOOR"] }) },
    };
    expect(planFor(policy, "outage")).toEqual([ops, EXECUTIVES, floor]);
  });

  it("leaves a channel the plan tells to the plan, and adds only the others", () => {
    const ops = slack("Ops", ["C0STAKE"]);
    const policy: PlanSource = {
      communications: [ops],
      incidentTypes: { outage: type({ stakeholderChannels: ["C0STAKE", "C0FLOOR"] }) },
    };
    expect(planFor(policy, "outage")).toEqual([slack("Stakeholders", ["C0FLOOR"]), ops]);
  });

  it("keeps keys unique when the plan has its own Stakeholders audience", () => {
    const own = slack("Stakeholders", ["C0STAKE01"]);
    const policy: PlanSource = {
      communications: [own],
      incidentTypes: { outage: type({ stakeholderChannels: ["C0STAKE"] }) },
    };
    expect(planFor(policy, "outage")).toEqual([slack("Stakeholder channels", ["C0STAKE"]), own]);
  });
});

describe("audiencesFor", () => {
  const plan = [
    slack("Stakeholders", ["C0STAKE"], { notify: ["logged", "update", "resolved"] }),
    EXECUTIVES,
    STATUS_PAGE,
    email("Regulator", ["r@regulator.example"], { notify: ["logged", "closed"], priorities: ["P1"] }),
    slack("Quiet", ["C0QUIET"], { notify: [] }),
  ];
  const keys = (audiences: Audience[]) => audiences.map((a) => a.key);

  it.each<[string, (typeof MILESTONES)[number], (typeof PRIORITIES)[number], string[]]>([
    ["a P1 incident logged", "logged", "P1", ["stakeholders", "executives", "status_page", "regulator"]],
    ["a P3 incident logged", "logged", "P3", ["stakeholders", "status_page"]],
    ["a P2 owner change", "owner_changed", "P2", ["executives", "status_page"]],
    ["a P1 closed", "closed", "P1", ["executives", "status_page", "regulator"]],
    ["a P5 update", "update", "P5", ["stakeholders", "status_page"]],
  ])("%s", (_name, milestone, priority, expected) => {
    expect(keys(audiencesFor(plan, milestone, priority))).toEqual(expected);
  });

  it("is empty for an empty plan", () => {
    expect(audiencesFor([], "logged", "P1")).toEqual([]);
  });
});

describe("missingSecrets", () => {
  const policy: PlanSource = {
    communications: [EXECUTIVES, STATUS_PAGE],
    incidentTypes: {
      outage: type(),
      security_breach: type({
        communications: [webhook("Regulator portal", "REGULATOR_SECRET"), STATUS_PAGE],
      }),
    },
  };

  it("names each webhook audience whose secret is unset or empty, with its path", () => {
    expect(missingSecrets(policy, { REGULATOR_SECRET: "" })).toEqual([
      "communications[1].secret_env: STATUS_PAGE_WEBHOOK_SECRET is not set in the environment",
      "incident_types.security_breach.communications[0].secret_env: REGULATOR_SECRET is not set in the environment",
      "incident_types.security_breach.communications[1].secret_env: STATUS_PAGE_WEBHOOK_SECRET is not set in the environment",
    ]);
  });

  it("is empty when every secret is set, and when no plan has a webhook", () => {
    expect(missingSecrets(policy, { REGULATOR_SECRET: "r", STATUS_PAGE_WEBHOOK_SECRET: "s" })).toEqual([]);
    expect(missingSecrets({ communications: [EXECUTIVES], incidentTypes: {} }, {})).toEqual([]);
  });
});

describe("usesEmail", () => {
  it("is true when any plan anywhere has an email audience", () => {
    expect(usesEmail({ communications: [EXECUTIVES], incidentTypes: {} })).toBe(true);
    expect(
      usesEmail({
        communications: [STATUS_PAGE],
        incidentTypes: { outage: type(), security_breach: type({ communications: [REGULATOR] }) },
      }),
    ).toBe(true);
  });

  it("is false without plans, and with only Slack and webhook audiences", () => {
    expect(usesEmail({ incidentTypes: { outage: type({ stakeholderChannels: ["C0STAKE"] }) } })).toBe(false);
    expect(usesEmail({ communications: [STATUS_PAGE, slack("Ops", ["C0OPS"])], incidentTypes: {} })).toBe(
      false,
    );
  });
});

describe("properties", () => {
  const CHANNEL_POOL = ["C0A", "C0B", "C0C", "C0D", "C0E", "G0F"];
  const milestone = fc.constantFrom(...MILESTONES);
  const priority = fc.constantFrom(...PRIORITIES);
  const someOf = <T>(items: readonly T[]) => fc.subarray([...items]);
  const anyAudience = fc.record({
    via: fc.constantFrom(...COMMUNICATION_VIAS),
    notify: fc.option(someOf(MILESTONES), { nil: null }),
    priorities: fc.option(someOf(PRIORITIES), { nil: null }),
    channels: fc.subarray(CHANNEL_POOL, { minLength: 1 }),
  });
  /** A plan whose Slack audiences tell distinct channels, as a plan without repeats does. */
  const anyPlan = fc.array(anyAudience, { maxLength: 6 }).map((raw) => {
    const told = new Set<string>();
    return raw.map((r, i): Audience => {
      const label = `Audience ${i}`;
      if (r.via === "email")
        return email(label, ["a@example.com"], { notify: r.notify, priorities: r.priorities });
      if (r.via === "webhook")
        return { ...webhook(label, "SECRET"), notify: r.notify, priorities: r.priorities };
      const channels = r.channels.filter((c) => !told.has(c));
      for (const c of channels) told.add(c);
      return slack(label, channels, { notify: r.notify, priorities: r.priorities });
    });
  });

  it("audiencesFor returns exactly the audiences whose notify and priorities allow it, in plan order", () => {
    fc.assert(
      fc.property(anyPlan, milestone, priority, (plan, m, p) => {
        const chosen = audiencesFor(plan, m, p);
        const allowed = plan.filter(
          (a) =>
            (a.notify === null || a.notify.includes(m)) &&
            (a.priorities === null || a.priorities.includes(p)),
        );
        expect(chosen).toEqual(allowed);
        // Same objects, same order: a subsequence of the plan.
        let at = 0;
        for (const a of chosen) {
          at = plan.indexOf(a, at) + 1;
          expect(at).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("planFor never lists one Slack channel twice, and tells every stakeholder channel", () => {
    fc.assert(
      fc.property(
        fc.option(anyPlan, { nil: undefined }),
        fc.option(anyPlan, { nil: undefined }),
        fc.subarray(CHANNEL_POOL),
        fc.option(someOf(MILESTONES), { nil: undefined }),
        (topLevel, own, stakeholderChannels, notify) => {
          const policy: PlanSource = {
            ...(topLevel ? { communications: topLevel } : {}),
            incidentTypes: {
              t: {
                stakeholderChannels,
                ...(own ? { communications: own } : {}),
                ...(notify ? { notify } : {}),
              },
            },
          };
          const plan = planFor(policy, "t");
          const channels = plan.filter((a) => a.via === "slack").flatMap((a) => a.channels);
          expect(new Set(channels).size).toBe(channels.length);
          for (const c of stakeholderChannels) expect(channels).toContain(c);
          expect(new Set(plan.map((a) => a.key)).size).toBe(plan.length);
          // The plan itself comes through whole and in order, after at most one added audience.
          const base = own ?? topLevel ?? [];
          expect(plan.slice(plan.length - base.length)).toEqual(base);
          expect(plan.length - base.length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
