import { describe, expect, it } from "vitest";
import type { Priority } from "../../../src/domain/incident.js";
import {
  type AuthorizableAction,
  authorize,
  isDowngradeOfMajor,
  mayTakeCallbacks,
  type PermissionPolicy,
  roleLabel,
  rolesAllowedTo,
  rolesOf,
} from "../../../src/domain/permissions.js";
import { DEFAULT_PERMISSIONS } from "../../../src/domain/policy-types.js";

const OWNER = "U0OWNER";
const REPORTER = "U0REPORTER";
const AGENT = "U0AGENT";
const LEAD = "U0LEAD";
const DUTY = "U0DUTY";
const HEAD = "U0HEAD";
const SEC = "U0SEC";
const MULTI = "U0MULTI";
const STRANGER = "U0NOBODY";

const policy: PermissionPolicy = {
  roles: {
    team_lead: [LEAD, MULTI],
    duty_manager: [DUTY],
    head_of_operations: [HEAD],
    security_lead: [SEC, MULTI],
    dpo: [MULTI],
  },
  permissions: { ...DEFAULT_PERMISSIONS },
};

function check(userId: string, action: AuthorizableAction, ownerId: string | null = OWNER) {
  return authorize(policy, { userId, action, ownerId, reporterId: REPORTER });
}

describe("rolesOf", () => {
  it.each<[string, string[]]>([
    [LEAD, ["team_lead"]],
    [MULTI, ["team_lead", "security_lead", "dpo"]],
    [AGENT, []],
    [STRANGER, []],
  ])("%s holds %j", (userId, roles) => {
    expect(rolesOf(policy, userId)).toEqual(roles);
  });
});

describe("authorize: open to everyone", () => {
  const open: AuthorizableAction[] = [
    "acknowledge",
    "start",
    "hold",
    "resume",
    "note",
    "update",
    "take_ownership",
    "recategorise",
  ];
  it.each(open)("lets any agent %s, owned or not", (action) => {
    expect(check(STRANGER, action).ok).toBe(true);
    expect(check(STRANGER, action, null).ok).toBe(true);
  });
});

describe("authorize: guarded actions", () => {
  it.each<[string, AuthorizableAction, string | null, boolean]>([
    // resolve: owner or a resolve role
    [OWNER, "resolve", OWNER, true],
    [LEAD, "resolve", OWNER, true],
    [HEAD, "resolve", OWNER, true],
    [MULTI, "resolve", OWNER, true],
    [AGENT, "resolve", OWNER, false],
    [REPORTER, "resolve", OWNER, false],
    [SEC, "resolve", OWNER, false],
    [STRANGER, "resolve", null, false],
    // reopen (of a resolved incident): owner or a resolve role
    [OWNER, "reopen", OWNER, true],
    [DUTY, "reopen", OWNER, true],
    [AGENT, "reopen", OWNER, false],
    // close: close roles only, not even the owner
    [LEAD, "close", OWNER, true],
    [MULTI, "close", OWNER, true],
    [OWNER, "close", OWNER, false],
    [SEC, "close", OWNER, false],
    // downgrade of a major incident: downgradeMajor roles only
    [DUTY, "downgrade_major", OWNER, true],
    [HEAD, "downgrade_major", OWNER, true],
    [LEAD, "downgrade_major", OWNER, false],
    [MULTI, "downgrade_major", OWNER, false],
    [OWNER, "downgrade_major", OWNER, false],
    // assign: anyone while unowned, then the owner or a resolve role
    [STRANGER, "assign", null, true],
    [OWNER, "assign", OWNER, true],
    [LEAD, "assign", OWNER, true],
    [AGENT, "assign", OWNER, false],
    [REPORTER, "assign", OWNER, false],
  ])("%s may %s (owner %s): %s", (userId, action, ownerId, allowed) => {
    expect(check(userId, action, ownerId).ok).toBe(allowed);
  });

  it.each<[AuthorizableAction, string]>([
    ["resolve", "Only the owner or a team lead, duty manager or head of operations can resolve an incident."],
    ["reopen", "Only the owner or a team lead, duty manager or head of operations can reopen an incident."],
    ["close", "Only a team lead, duty manager or head of operations can close an incident."],
    [
      "downgrade_major",
      "Only a duty manager or head of operations can lower the priority of a major incident.",
    ],
    [
      "assign",
      "Only the owner or a team lead, duty manager or head of operations can reassign an incident that already has an owner.",
    ],
  ])("explains who may %s", (action, message) => {
    expect(check(AGENT, action)).toEqual({ ok: false, error: { code: "forbidden", message } });
  });

  it("says nobody may when the policy grants the permission to no role", () => {
    const strict: PermissionPolicy = { ...policy, permissions: { ...DEFAULT_PERMISSIONS, close: [] } };
    const result = authorize(strict, { userId: HEAD, action: "close", ownerId: HEAD, reporterId: REPORTER });
    expect(result).toEqual({
      ok: false,
      error: {
        code: "forbidden",
        message: "Nobody can close an incident: the policy gives no role that permission.",
      },
    });
  });

  it("follows the policy's roles, with the right article", () => {
    const custom: PermissionPolicy = {
      roles: { admin: [AGENT], ops_manager: [DUTY] },
      permissions: { ...DEFAULT_PERMISSIONS, resolve: ["admin", "ops_manager"] },
    };
    expect(authorize(custom, { userId: AGENT, action: "resolve", ownerId: null, reporterId: AGENT }).ok).toBe(
      true,
    );
    const refused = authorize(custom, { userId: LEAD, action: "resolve", ownerId: null, reporterId: LEAD });
    expect(refused.ok ? "" : refused.error.message).toBe(
      "Only the owner or an admin or ops manager can resolve an incident.",
    );
  });

  it("ignores roles the policy names but nobody holds", () => {
    const custom: PermissionPolicy = { roles: {}, permissions: DEFAULT_PERMISSIONS };
    expect(authorize(custom, { userId: LEAD, action: "close", ownerId: null, reporterId: LEAD }).ok).toBe(
      false,
    );
  });
});

describe("permission helpers", () => {
  it("maps reopen of a resolved incident to the resolve roles", () => {
    expect(rolesAllowedTo(policy, "reopen")).toEqual(DEFAULT_PERMISSIONS.resolve);
    expect(rolesAllowedTo(policy, "reopen_closed")).toEqual(DEFAULT_PERMISSIONS.reopenClosed);
  });

  it("turns role keys into words", () => {
    expect(roleLabel("head_of_operations")).toBe("head of operations");
    expect(roleLabel("dpo")).toBe("DPO");
    expect(roleLabel("it_manager")).toBe("IT manager");
  });
});

describe("isDowngradeOfMajor", () => {
  it.each<[Priority, Priority, boolean]>([
    ["P1", "P2", true],
    ["P1", "P5", true],
    ["P2", "P3", true],
    ["P2", "P1", false],
    ["P1", "P1", false],
    ["P2", "P2", false],
    ["P3", "P4", false],
    ["P3", "P1", false],
    ["P5", "P4", false],
  ])("%s → %s: %s", (from, to, expected) => {
    expect(isDowngradeOfMajor(from, to)).toBe(expected);
  });
});

describe("mayTakeCallbacks", () => {
  const policy = {
    roles: { team_lead: ["U0LEAD"], dpo: ["U0DPO"] },
    permissions: { ...DEFAULT_PERMISSIONS },
    teams: [{ key: "a", label: "Floor A", leads: ["U0LEAD"], members: ["U0AGENTA"], supportChannel: null }],
  };
  const who = (userId: string, tookACall = false) =>
    mayTakeCallbacks(policy, { userId, ownerId: "U0OWNER", reporterId: "U0REPORTER", tookACall });

  it("lets the people working the calls take callbacks, and nobody else", () => {
    expect(who("U0AGENTA")).toBe(true);
    expect(who("U0LEAD")).toBe(true);
    expect(who("U0DPO")).toBe(true);
    expect(who("U0OWNER")).toBe(true);
    expect(who("U0REPORTER")).toBe(true);
    expect(who("U0STRANGER", true)).toBe(true);
    expect(who("U0STRANGER")).toBe(false);
  });
});
