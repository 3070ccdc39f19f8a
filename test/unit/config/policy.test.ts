import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  DEFAULT_PERMISSIONS,
  DEFAULT_POLICY_URL,
  incidentTypeFor,
  incidentTypeKeys,
  isoWeekday,
  loadPolicy,
  parsePolicy,
  roleMembers,
  slaFor,
  stakeholderChannelsFor,
  teamLeadsFor,
  teamsOf,
} from "../../../src/config/policy";
import { DURATION_HINT } from "../../../src/domain/duration";
import { PRIORITIES } from "../../../src/domain/incident";
import { DEFAULT_ROOT_CAUSE_CATEGORIES } from "../../../src/domain/policy-types.js";
import { DEFAULT_PRIORITY_MATRIX } from "../../../src/domain/priority-matrix";
import { errorsOf, policyOf } from "../../helpers/policy-result.js";

const H = 3_600_000;
const D = 24 * H;
const DEFAULT_YAML = readFileSync(DEFAULT_POLICY_URL, "utf8");

// biome-ignore lint/suspicious/noExplicitAny: the tests break the document in arbitrary, ill-typed ways
type Doc = Record<string, any>;

/** The default policy with one change applied, parsed. */
function parseWith(change: (doc: Doc) => void) {
  const doc = parse(DEFAULT_YAML) as Doc;
  change(doc);
  return parsePolicy(stringify(doc));
}

const MINIMAL = `
timezone: UTC
business_hours: { days: [mon], start: "09:00", end: "17:00" }
roles: { team_lead: [U1] }
incident_types:
  outage: { label: Outage, escalation: [team_lead] }
sla:
  P1: { respond: 15m, update_every: 30m, resolve: 4h, hours: always, repeat: 15m }
  P2: { respond: 30m, update_every: 1h, resolve: 8h, hours: always, repeat: 30m }
  P3: { respond: 2h, update_every: 4h, resolve: 2d, hours: business, repeat: 1h }
  P4: { respond: 4h, update_every: 1d, resolve: 5d, hours: business, repeat: 4h }
  P5: { respond: 1d, update_every: 2d, resolve: 10d, hours: business, repeat: 1d }
`;

describe("the built-in default policy", () => {
  const policy = policyOf(loadPolicy(undefined));

  it("loads when POLICY_FILE is unset", () => {
    expect(policy.timezone).toBe("Europe/London");
    expect(policy.warnAt).toBe(0.75);
    expect(policy.businessHours).toMatchObject({
      days: ["mon", "tue", "wed", "thu", "fri"],
      start: "08:00",
      end: "18:00",
      startMinute: 8 * 60,
      endMinute: 18 * 60,
    });
    expect(policy.businessHours.holidays).toContain("2026-12-25");
    expect(policy.agentChannels).toEqual(["C0FLOOR"]);
    expect(policy.digestChannel).toBe("C0MANAGERS");
    expect(policy.priorityMatrix).toEqual(DEFAULT_PRIORITY_MATRIX);
    expect(policy.permissions).toEqual(DEFAULT_PERMISSIONS);
  });

  it("has the DESIGN incident types and an SLA for every priority", () => {
    expect(incidentTypeKeys(policy)).toEqual(
      expect.arrayContaining(["service_failure", "security_breach", "complaint"]),
    );
    for (const priority of PRIORITIES) expect(slaFor(policy, priority).respondMs).toBeGreaterThan(0);
    expect(slaFor(policy, "P1")).toEqual({
      respondMs: 15 * 60_000,
      updateEveryMs: 30 * 60_000,
      resolveMs: 4 * H,
      hours: "always",
      repeatMs: 15 * 60_000,
    });
    expect(slaFor(policy, "P3").hours).toBe("business");
  });

  it("has the regulator and final-response clocks", () => {
    expect(incidentTypeFor(policy, "security_breach")?.clocks.regulator_notice).toEqual({
      name: "regulator_notice",
      dueMs: 72 * H,
      warnMs: [24 * H, 48 * H],
      notify: ["dpo"],
      starts: "personal_data",
      stopLabel: "Regulator notified",
    });
    expect(incidentTypeFor(policy, "complaint")?.clocks.final_response).toEqual({
      name: "final_response",
      dueMs: 56 * D,
      warnMs: [28 * D, 49 * D],
      notify: ["team_lead"],
      starts: "logged",
      stopLabel: "Final response sent",
    });
  });

  it("answers the lookup helpers", () => {
    expect(stakeholderChannelsFor(policy, "security_breach")).toEqual(["C0SECURITY"]);
    expect(stakeholderChannelsFor(policy, "no_such_type")).toEqual([]);
    expect(stakeholderChannelsFor(policy, "constructor")).toEqual([]);
    expect(incidentTypeFor(policy, "toString")).toBeUndefined();
    expect(roleMembers(policy, "dpo")).toEqual(["U0DPO"]);
    expect(roleMembers(policy, "nobody")).toEqual([]);
    expect(isoWeekday("mon")).toBe(1);
    expect(isoWeekday("sun")).toBe(7);
  });
});

describe("defaults for optional keys", () => {
  const policy = policyOf(parsePolicy(MINIMAL));

  it("fills in warn_at, channels, matrix, permissions and clocks", () => {
    expect(policy.warnAt).toBe(0.75);
    expect(policy.agentChannels).toEqual([]);
    expect(policy.digestChannel).toBeNull();
    expect(policy.businessHours.holidays).toEqual([]);
    expect(policy.priorityMatrix).toEqual(DEFAULT_PRIORITY_MATRIX);
    // Default permissions may name roles this policy lacks; only user-given ones are checked.
    expect(policy.permissions).toEqual(DEFAULT_PERMISSIONS);
    expect(policy.incidentTypes.outage).toEqual({
      key: "outage",
      label: "Outage",
      guidance: null,
      stakeholderChannels: [],
      escalation: ["team_lead"],
      clocks: {},
      playbook: [],
      supportChannel: null,
    });
  });

  it("fills in the review, improvement-action, retention, digest and team defaults", () => {
    expect(policy.review).toEqual({
      requiredForClose: false,
      rootCauseCategories: DEFAULT_ROOT_CAUSE_CATEGORIES,
    });
    expect(policy.improvementActions).toEqual({ remindBeforeMs: D, escalateAfterMs: 2 * D });
    expect(policy.retention).toEqual({ callerReferenceMs: 90 * D });
    expect(policy.digestSchedule).toEqual({ day: "mon", time: "08:00" });
    expect(policy.supportChannel).toBeNull();
    // Without `teams`, the team leads of the roles make one team.
    expect(policy.teams).toEqual([
      { key: "floor", label: "Floor", leads: ["U1"], members: [], supportChannel: null },
    ]);
  });

  it("creates incident channels public unless the policy says private", () => {
    expect(policy.incidentChannels).toBe("public");
    expect(policyOf(parsePolicy(`${MINIMAL}\nincident_channels: private\n`)).incidentChannels).toBe(
      "private",
    );
  });

  it("treats an empty optional list as empty", () => {
    const result = parsePolicy(`${MINIMAL}\nagent_channels:\n`);
    expect(policyOf(result).agentChannels).toEqual([]);
  });

  it("normalises days to week order, holidays sorted and de-duplicated, warnings ascending", () => {
    const parsed = policyOf(
      parseWith((doc) => {
        doc.business_hours.days = ["fri", "mon", "wed"];
        doc.business_hours.holidays = ["2026-12-28", "2026-12-25", "2026-12-28"];
        doc.incident_types.security_breach.clocks.regulator_notice.warn = ["48h", "24h"];
      }),
    );
    expect(parsed.businessHours.days).toEqual(["mon", "wed", "fri"]);
    expect(parsed.businessHours.holidays).toEqual(["2026-12-25", "2026-12-28"]);
    expect(parsed.incidentTypes.security_breach?.clocks.regulator_notice?.warnMs).toEqual([24 * H, 48 * H]);
  });

  it("accepts 24:00 as the end of the day and user-given permissions", () => {
    const parsed = policyOf(
      parseWith((doc) => {
        doc.business_hours.end = "24:00";
        doc.permissions = { close: ["head_of_operations"] };
      }),
    );
    expect(parsed.businessHours.endMinute).toBe(24 * 60);
    expect(parsed.permissions.close).toEqual(["head_of_operations"]);
    expect(parsed.permissions.resolve).toEqual(DEFAULT_PERMISSIONS.resolve);
  });

  it("reads who may write reviews, run reports and manage actions from permissions", () => {
    const parsed = policyOf(
      parseWith((doc) => {
        doc.permissions = { review: ["dpo"], report: ["duty_manager"], manage_actions: ["team_lead"] };
      }),
    );
    expect(parsed.permissions).toMatchObject({
      review: ["dpo"],
      report: ["duty_manager"],
      manageActions: ["team_lead"],
      close: DEFAULT_PERMISSIONS.close,
    });
  });
});

describe("each problem is reported with its path", () => {
  it.each<[string, (doc: Doc) => void, string]>([
    [
      "a bad duration",
      (doc) => {
        doc.sla.P2.respond = "15 mins";
      },
      'sla.P2.respond: "15 mins" is not a duration (use 30s, 15m, 4h, 2d)',
    ],
    [
      "a number instead of a duration",
      (doc) => {
        doc.sla.P1.repeat = 15;
      },
      "sla.P1.repeat: 15 is not a duration (use 30s, 15m, 4h, 2d)",
    ],
    [
      "an unknown role in an escalation ladder",
      (doc) => {
        doc.incident_types.complaint.escalation = ["team_lead", "duty_mgr"];
      },
      'incident_types.complaint.escalation[1]: unknown role "duty_mgr" (roles: team_lead, duty_manager, head_of_operations, security_lead, dpo, telephony_engineer)',
    ],
    [
      "an invalid time zone",
      (doc) => {
        doc.timezone = "Europe/Londn";
      },
      'timezone: "Europe/Londn" is not an IANA time zone (e.g. Europe/London)',
    ],
    [
      "a bad HH:MM",
      (doc) => {
        doc.business_hours.start = "8am";
      },
      'business_hours.start: "8am" is not a time (use 24-hour HH:MM, e.g. "08:00")',
    ],
    [
      "an hour past 23",
      (doc) => {
        doc.business_hours.start = "25:00";
      },
      'business_hours.start: "25:00" is not a time (use 24-hour HH:MM, e.g. "08:00")',
    ],
    [
      "start equal to end",
      (doc) => {
        doc.business_hours.end = "08:00";
      },
      "business_hours.end: must be later than start (08:00)",
    ],
    [
      "start after end",
      (doc) => {
        doc.business_hours.start = "19:00";
      },
      "business_hours.end: must be later than start (19:00)",
    ],
    [
      "a date that is not on the calendar",
      (doc) => {
        doc.business_hours.holidays = ["2026-12-25", "2026-02-30"];
      },
      'business_hours.holidays[1]: "2026-02-30" is not a calendar date (use YYYY-MM-DD)',
    ],
    [
      "a holiday in another format",
      (doc) => {
        doc.business_hours.holidays = ["25/12/2026"];
      },
      'business_hours.holidays[0]: "25/12/2026" is not a calendar date (use YYYY-MM-DD)',
    ],
    [
      "an unknown weekday",
      (doc) => {
        doc.business_hours.days = ["mon", "funday"];
      },
      'business_hours.days[1]: expected one of mon, tue, wed, thu, fri, sat, sun, got "funday"',
    ],
    [
      "a repeated weekday",
      (doc) => {
        doc.business_hours.days = ["mon", "tue", "mon"];
      },
      'business_hours.days[2]: "mon" is listed twice',
    ],
    [
      "no business days",
      (doc) => {
        doc.business_hours.days = [];
      },
      "business_hours.days: must not be empty",
    ],
    [
      "a missing priority",
      (doc) => {
        delete doc.sla.P3;
      },
      "sla.P3: required",
    ],
    [
      "an extra priority",
      (doc) => {
        doc.sla.P6 = doc.sla.P5;
      },
      "sla.P6: unknown key (allowed: P1, P2, P3, P4, P5)",
    ],
    [
      "an unknown key in an SLA entry",
      (doc) => {
        doc.sla.P2.respnd = "30m";
      },
      "sla.P2.respnd: unknown key (allowed: respond, update_every, resolve, hours, repeat)",
    ],
    [
      "an unknown hours mode",
      (doc) => {
        doc.sla.P4.hours = "weekdays";
      },
      'sla.P4.hours: expected one of always, business, got "weekdays"',
    ],
    [
      "respond longer than resolve",
      (doc) => {
        doc.sla.P1.respond = "5h";
      },
      "sla.P1.respond: must not be longer than resolve (4h)",
    ],
    [
      "a warning at the due time",
      (doc) => {
        doc.incident_types.security_breach.clocks.regulator_notice.warn = ["24h", "72h"];
      },
      "incident_types.security_breach.clocks.regulator_notice.warn[1]: must be shorter than due (3d)",
    ],
    [
      "a warning after the due time",
      (doc) => {
        doc.incident_types.complaint.clocks.final_response.warn = ["60d"];
      },
      "incident_types.complaint.clocks.final_response.warn[0]: must be shorter than due (56d)",
    ],
    [
      "an unknown role to notify",
      (doc) => {
        doc.incident_types.security_breach.clocks.regulator_notice.notify = ["dpo", "lawyer"];
      },
      'incident_types.security_breach.clocks.regulator_notice.notify[1]: unknown role "lawyer" (roles: team_lead, duty_manager, head_of_operations, security_lead, dpo, telephony_engineer)',
    ],
    [
      "a clock named like a built-in one",
      (doc) => {
        doc.incident_types.complaint.clocks.resolve = { due: "1d", notify: ["team_lead"] };
      },
      'incident_types.complaint.clocks.resolve: invalid name "resolve": "resolve" is a built-in clock (respond, update_every, resolve)',
    ],
    [
      "an empty escalation ladder",
      (doc) => {
        doc.incident_types.complaint.escalation = [];
      },
      "incident_types.complaint.escalation: must not be empty",
    ],
    [
      "a missing label",
      (doc) => {
        delete doc.incident_types.complaint.label;
      },
      "incident_types.complaint.label: required",
    ],
    [
      "an incident type key that is not snake_case",
      (doc) => {
        doc.incident_types["Service-Failure"] = doc.incident_types.service_failure;
      },
      'incident_types.Service-Failure: invalid name "Service-Failure": must be snake_case (lower-case letters, digits and _)',
    ],
    [
      "no incident types",
      (doc) => {
        doc.incident_types = {};
      },
      "incident_types: define at least one incident type",
    ],
    [
      "a bad stakeholder channel id",
      (doc) => {
        doc.incident_types.complaint.stakeholder_channels = ["#complaints"];
      },
      'incident_types.complaint.stakeholder_channels[0]: "#complaints" is not a Slack channel id (C… or G…)',
    ],
    [
      "a bad user id",
      (doc) => {
        doc.roles.dpo = ["@jane"];
      },
      'roles.dpo[0]: "@jane" is not a Slack user id (U… or W…)',
    ],
    [
      "a role nobody holds",
      (doc) => {
        doc.roles.dpo = [];
      },
      "roles.dpo: list at least one Slack user id",
    ],
    [
      "warn_at out of range",
      (doc) => {
        doc.warn_at = 1;
      },
      "warn_at: must be a fraction between 0 and 1 (exclusive), e.g. 0.75",
    ],
    [
      "warn_at as text",
      (doc) => {
        doc.warn_at = "75%";
      },
      'warn_at: expected a number, got "75%"',
    ],
    [
      "an unknown priority in the matrix",
      (doc) => {
        doc.priority_matrix.low.low = "P6";
      },
      'priority_matrix.low.low: expected one of P1, P2, P3, P4, P5, got "P6"',
    ],
    [
      "an unknown role in permissions",
      (doc) => {
        doc.permissions.downgrade_major = ["ceo"];
      },
      'permissions.downgrade_major[0]: unknown role "ceo" (roles: team_lead, duty_manager, head_of_operations, security_lead, dpo, telephony_engineer)',
    ],
    [
      "an unknown milestone in a type's notify list",
      (doc) => {
        doc.incident_types.service_failure.notify = ["resolved", "fixed"];
      },
      'incident_types.service_failure.notify[1]: "fixed" is not a milestone (logged, acknowledged, owner_changed, update, priority_changed, major_changed, on_hold, resumed, resolved, reopened, closed)',
    ],
    [
      "an unknown milestone in the top-level notify list",
      (doc) => {
        doc.notify = ["closing"];
      },
      'notify[0]: "closing" is not a milestone (logged, acknowledged, owner_changed, update, priority_changed, major_changed, on_hold, resumed, resolved, reopened, closed)',
    ],
    [
      "an unknown top-level key",
      (doc) => {
        doc.escalation_policy = {};
      },
      "escalation_policy: unknown key (allowed: timezone, business_hours, agent_channels, digest_channel, digest_schedule, support_channel, roles, teams, review, improvement_actions, retention, incident_types, sla, warn_at, priority_matrix, permissions, notify, manual_escalation_cooldown, incident_channels, communications, caller_volume, incident_channel, working_channel, callback_within, callbacks_required_for_close, practice_scenarios)",
    ],
    [
      "an incident channel kind that is neither public nor private",
      (doc) => {
        doc.incident_channels = "secret";
      },
      'incident_channels: expected one of public, private, got "secret"',
    ],
    [
      "a playbook step without its text",
      (doc) => {
        doc.incident_types.service_failure.playbook = [{ guidance: "Look at the dashboard" }];
      },
      "incident_types.service_failure.playbook[0].step: required",
    ],
    [
      "a knowledge-base link that is not a web link",
      (doc) => {
        doc.incident_types.service_failure.playbook = [{ step: "Check", links: ["kb/123"] }];
      },
      'incident_types.service_failure.playbook[0].links[0]: "kb/123" is not a web link (http:// or https://)',
    ],
    [
      "a team without a lead",
      (doc) => {
        doc.teams = { floor_a: { label: "Floor A", team_lead: [] } };
      },
      "teams.floor_a.team_lead: list at least one Slack user id",
    ],
    [
      "a retention period that is not a duration",
      (doc) => {
        doc.retention = { caller_reference: "three months" };
      },
      `retention.caller_reference: "three months" is not a duration (${DURATION_HINT})`,
    ],
    [
      "an empty list of root-cause categories",
      (doc) => {
        doc.review = { root_cause_categories: {} };
      },
      "review.root_cause_categories: name at least one category",
    ],
    [
      "a missing section",
      (doc) => {
        delete doc.business_hours;
      },
      "business_hours: required",
    ],
    [
      "a section of the wrong shape",
      (doc) => {
        doc.roles = ["team_lead"];
      },
      "roles: expected a mapping, got a list",
    ],
  ])("%s", (_name, change, line) => {
    expect(errorsOf(parseWith(change))).toEqual([line]);
  });
});

describe("every problem at once", () => {
  it("lists three problems as three lines, in document order", () => {
    const errors = errorsOf(
      parseWith((doc) => {
        doc.timezone = "Mars/Olympus";
        doc.incident_types.complaint.escalation = ["team_lead", "duty_mgr"];
        delete doc.sla.P3;
      }),
    );
    expect(errors).toEqual([
      'timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/London)',
      expect.stringMatching(/^incident_types\.complaint\.escalation\[1\]: unknown role "duty_mgr"/),
      "sla.P3: required",
    ]);
  });

  it("reports role references even when other sections are broken", () => {
    const errors = errorsOf(
      parseWith((doc) => {
        doc.business_hours.start = "late";
        doc.roles.team_lead = ["nope"];
        doc.sla.P1.resolve = "forever";
        doc.permissions.close = ["janitor"];
        doc.typo = 1;
      }),
    );
    expect(errors).toHaveLength(5);
    expect(errors.map((line) => line.slice(0, line.indexOf(":")))).toEqual([
      "business_hours.start",
      "roles.team_lead[0]",
      "sla.P1.resolve",
      "permissions.close[0]",
      "typo",
    ]);
  });
});

describe("documents that are not a policy", () => {
  it("reports a YAML syntax error with file, line and column", () => {
    const errors = errorsOf(parsePolicy("timezone: UTC\nroles: [a, b\n", "ops.yaml"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^ops\.yaml:\d+:\d+: /);
  });

  it("reports duplicate keys", () => {
    const errors = errorsOf(parsePolicy("timezone: UTC\ntimezone: Europe/London\n", "ops.yaml"));
    expect(errors[0]).toMatch(/^ops\.yaml:2:1: .*unique/);
  });

  it.each(["", "# only a comment\n", "~\n"])("refuses an empty document %j", (text) => {
    expect(errorsOf(parsePolicy(text, "ops.yaml"))).toEqual(["ops.yaml: the policy is empty"]);
  });

  it("refuses a list at the top level", () => {
    expect(errorsOf(parsePolicy("- timezone: UTC\n"))).toEqual([
      "(top level): expected a mapping, got a list",
    ]);
  });
});

describe("teams", () => {
  const policy = policyOf(
    parsePolicy(
      `${MINIMAL}
roles: { team_lead: [U1, U2], duty_manager: [U9] }
teams:
  floor_a: { label: Floor A, team_lead: [U1], members: [U3, U4] }
  floor_b: { label: Floor B, team_lead: [U2], members: [U4, U5], support_channel: C0HELPB }
`.replace(/^roles: \{ team_lead: \[U1\] \}\n/m, ""),
    ),
  );

  it("keeps the teams in file order with their support channels", () => {
    expect(policy.teams.map((t) => [t.key, t.leads, t.supportChannel])).toEqual([
      ["floor_a", ["U1"], null],
      ["floor_b", ["U2"], "C0HELPB"],
    ]);
    expect(teamsOf(policy, "U4").map((t) => t.key)).toEqual(["floor_a", "floor_b"]);
  });

  it("finds whom someone answers to: their leads, else the team leads, else the duty managers", () => {
    expect(teamLeadsFor(policy, "U3")).toEqual(["U1"]);
    expect(teamLeadsFor(policy, "U4")).toEqual(["U1", "U2"]);
    expect(teamLeadsFor(policy, "U7")).toEqual(["U1", "U2"]);
    expect(teamLeadsFor(policy, "U1")).toEqual(["U2"]);
    const lonely = policyOf(
      parsePolicy(MINIMAL.replace("team_lead: [U1]", "team_lead: [U1], duty_manager: [U9]")),
    );
    expect(teamLeadsFor(lonely, "U1")).toEqual(["U9"]);
  });
});

describe("loadPolicy", () => {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-policy-"));

  it("reads the file named by POLICY_FILE", () => {
    const path = join(dir, "policy.yaml");
    writeFileSync(path, MINIMAL);
    expect(policyOf(loadPolicy(path)).timezone).toBe("UTC");
  });

  it("names the file in YAML errors", () => {
    const path = join(dir, "broken.yaml");
    writeFileSync(path, "timezone: [UTC\n");
    const errors = errorsOf(loadPolicy(path));
    expect(errors[0]?.startsWith(`${path}:`)).toBe(true);
  });

  it("gives one error naming a missing file", () => {
    const path = join(dir, "missing.yaml");
    expect(errorsOf(loadPolicy(path))).toEqual([`${path}: policy file not found`]);
  });

  it("gives one error for a directory", () => {
    expect(errorsOf(loadPolicy(dir))).toEqual([`${dir}: is a directory, not a policy file`]);
  });
});
