import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parsePolicy } from "../../../src/config/policy";
import { communicationSetupProblems, parseEmailFrom, parseSmtpUrl } from "../../../src/config/smtp";
import type { Audience } from "../../../src/domain/communications";
import { DURATION_HINT } from "../../../src/domain/duration";
import { MILESTONES } from "../../../src/domain/milestones";
import { errorsOf, policyOf } from "../../helpers/policy-result.js";

const H = 3_600_000;

// biome-ignore lint/suspicious/noExplicitAny: the tests break the document in arbitrary, ill-typed ways
type Doc = Record<string, any>;

/** A small valid policy; each test adds its plan. */
function baseDoc(): Doc {
  const sla = (respond: string, update: string, resolve: string) => ({
    respond,
    update_every: update,
    resolve,
    hours: "always",
    repeat: "15m",
  });
  return {
    timezone: "UTC",
    business_hours: { days: ["mon"], start: "09:00", end: "17:00" },
    roles: { team_lead: ["U1"] },
    incident_types: {
      outage: { label: "Outage", escalation: ["team_lead"], stakeholder_channels: ["C0STAKE"] },
      security_breach: { label: "Security breach", escalation: ["team_lead"] },
    },
    sla: {
      P1: sla("15m", "30m", "4h"),
      P2: sla("30m", "1h", "8h"),
      P3: sla("2h", "4h", "2d"),
      P4: sla("4h", "1d", "5d"),
      P5: sla("1d", "2d", "10d"),
    },
  };
}

function parseWith(change: (doc: Doc) => void) {
  const doc = baseDoc();
  change(doc);
  return parsePolicy(stringify(doc));
}

/** The example plan of issue 21 (executives, status page, regulator, stakeholders). */
const EXAMPLE_PLAN = [
  {
    label: "Executives",
    via: "email",
    to: ["ops-exec@example.com", "cfo@example.com"],
    notify: ["logged", "priority_changed", "major_changed", "resolved", "closed"],
    priorities: ["P1", "P2"],
  },
  {
    label: "Status page",
    via: "webhook",
    url: "https://status.example.com/hooks/switchboard",
    secret_env: "STATUS_PAGE_WEBHOOK_SECRET",
  },
  { label: "Regulator", via: "email", to: ["incidents@regulator.example"], update_every: "24h" },
  { label: "Stakeholders", via: "slack", channels: ["C0STAKE01"] },
];

const audience = (over: Partial<Audience>): Audience => ({
  key: "",
  label: "",
  via: "slack",
  channels: [],
  to: [],
  url: null,
  secretEnv: null,
  notify: null,
  priorities: null,
  updateEveryMs: null,
  ...over,
});

describe("a valid communication plan", () => {
  it("reads every key of the example plan, with defaults where it says nothing", () => {
    const policy = policyOf(parseWith((doc) => (doc.communications = EXAMPLE_PLAN)));
    expect(policy.communications).toEqual([
      audience({
        key: "executives",
        label: "Executives",
        via: "email",
        to: ["ops-exec@example.com", "cfo@example.com"],
        notify: ["logged", "priority_changed", "major_changed", "resolved", "closed"],
        priorities: ["P1", "P2"],
      }),
      audience({
        key: "status_page",
        label: "Status page",
        via: "webhook",
        url: "https://status.example.com/hooks/switchboard",
        secretEnv: "STATUS_PAGE_WEBHOOK_SECRET",
      }),
      audience({
        key: "regulator",
        label: "Regulator",
        via: "email",
        to: ["incidents@regulator.example"],
        updateEveryMs: 24 * H,
      }),
      audience({ key: "stakeholders", label: "Stakeholders", via: "slack", channels: ["C0STAKE01"] }),
    ]);
  });

  it("reads a type's own plan, and leaves the other type's unset", () => {
    const policy = policyOf(
      parseWith((doc) => {
        doc.communications = EXAMPLE_PLAN;
        doc.incident_types.security_breach.communications = [
          { label: "Regulator", via: "email", to: ["incidents@regulator.example"], update_every: "24h" },
        ];
      }),
    );
    expect(policy.incidentTypes.security_breach?.communications).toEqual([
      audience({
        key: "regulator",
        label: "Regulator",
        via: "email",
        to: ["incidents@regulator.example"],
        updateEveryMs: 24 * H,
      }),
    ]);
    expect(policy.incidentTypes.outage?.communications).toBeUndefined();
  });

  it("has no plan anywhere when the file names none", () => {
    const policy = policyOf(parseWith(() => {}));
    expect(policy.communications).toBeUndefined();
    expect(policy.incidentTypes.outage?.communications).toBeUndefined();
    expect("communications" in policy).toBe(false);
  });

  it("treats an empty value as unset and an empty list as a plan with nobody", () => {
    const policy = policyOf(
      parseWith((doc) => {
        doc.communications = null;
        doc.incident_types.outage.communications = [];
      }),
    );
    expect(policy.communications).toBeUndefined();
    expect(policy.incidentTypes.outage?.communications).toEqual([]);
  });

  it("keys labels in snake_case, lists each address, channel and milestone once, priorities in order", () => {
    const policy = policyOf(
      parseWith((doc) => {
        doc.communications = [
          {
            label: "  Client A/M's — Floor 2 ",
            via: "email",
            to: ["am@example.com", "AM@example.com", "lead@example.com"],
            notify: ["resolved", "logged", "resolved"],
            priorities: ["P3", "P1", "P3"],
          },
          { label: "Ops room", via: "slack", channels: ["C0OPS", "C0OPS", "G0PRIV"] },
        ];
      }),
    );
    expect(policy.communications?.[0]).toMatchObject({
      key: "client_a_m_s_floor_2",
      label: "Client A/M's — Floor 2",
      to: ["am@example.com", "lead@example.com"],
      notify: ["resolved", "logged"],
      priorities: ["P1", "P3"],
    });
    expect(policy.communications?.[1]).toMatchObject({ key: "ops_room", channels: ["C0OPS", "G0PRIV"] });
  });

  it("accepts an empty notify list (an audience told nothing by itself) and a local http receiver", () => {
    const policy = policyOf(
      parseWith((doc) => {
        doc.communications = [
          {
            label: "IVR",
            via: "webhook",
            url: "http://127.0.0.1:8080/hook",
            secret_env: "ivr_secret",
            notify: [],
          },
        ];
      }),
    );
    expect(policy.communications?.[0]).toMatchObject({
      url: "http://127.0.0.1:8080/hook",
      secretEnv: "ivr_secret",
      notify: [],
    });
  });
});

const MILESTONE_LIST = MILESTONES.join(", ");
const AUDIENCE_KEYS = "label, via, channels, to, url, secret_env, notify, priorities, update_every";

describe("each problem in a plan is a line with its path", () => {
  it.each<[string, (doc: Doc) => void, string[]]>([
    [
      "more audiences than the Post update form can offer",
      (doc) => {
        doc.communications = Array.from({ length: 10 }, (_, i) => ({
          label: `Desk ${i}`,
          via: "email",
          to: [`desk${i}@example.com`],
        }));
      },
      [
        "communications: at most 9 audiences (the Post update form can offer 10, one of them the stakeholder channels)",
      ],
    ],
    [
      "a bad email address",
      (doc) => {
        doc.communications = [{ label: "Executives", via: "email", to: ["ops@example.com", "cfo@example"] }];
      },
      ['communications[0].to[1]: "cfo@example" is not an email address (e.g. cfo@example.com)'],
    ],
    [
      "a name with the address",
      (doc) => {
        doc.communications = [{ label: "Executives", via: "email", to: ["CFO <cfo@example.com>"] }];
      },
      ['communications[0].to[0]: "CFO <cfo@example.com>" is not an email address (e.g. cfo@example.com)'],
    ],
    [
      "an unknown milestone",
      (doc) => {
        doc.communications = [
          { label: "Ops", via: "slack", channels: ["C0OPS"], notify: ["logged", "fixed"] },
        ];
      },
      [`communications[0].notify[1]: "fixed" is not a milestone (${MILESTONE_LIST})`],
    ],
    [
      "an unknown via",
      (doc) => {
        doc.communications = [{ label: "Texts", via: "sms", to: ["ops@example.com"] }];
      },
      ['communications[0].via: expected one of slack, email, webhook, got "sms"'],
    ],
    [
      "no via",
      (doc) => {
        doc.communications = [{ label: "Ops", channels: ["C0OPS"] }];
      },
      ["communications[0].via: required"],
    ],
    [
      "a Slack audience without channels",
      (doc) => {
        doc.communications = [{ label: "Ops", via: "slack" }];
      },
      ["communications[0].channels: required when via is slack"],
    ],
    [
      "an email audience without addresses",
      (doc) => {
        doc.communications = [{ label: "Executives", via: "email" }];
      },
      ["communications[0].to: required when via is email"],
    ],
    [
      "an email audience with an empty list of addresses",
      (doc) => {
        doc.communications = [{ label: "Executives", via: "email", to: [] }];
      },
      ["communications[0].to: must not be empty"],
    ],
    [
      "a webhook without url and secret_env",
      (doc) => {
        doc.communications = [{ label: "Status page", via: "webhook" }];
      },
      [
        "communications[0].url: required when via is webhook",
        "communications[0].secret_env: required when via is webhook",
      ],
    ],
    [
      "a webhook without its secret_env",
      (doc) => {
        doc.communications = [
          { label: "Status page", via: "webhook", url: "https://status.example.com/hook" },
        ];
      },
      ["communications[0].secret_env: required when via is webhook"],
    ],
    [
      "a target key of another via",
      (doc) => {
        doc.communications = [
          { label: "Executives", via: "email", to: ["cfo@example.com"], url: "https://example.com/hook" },
        ];
      },
      ["communications[0].url: not used when via is email (it takes to)"],
    ],
    [
      "channels on a webhook",
      (doc) => {
        doc.communications = [
          {
            label: "Status page",
            via: "webhook",
            url: "https://status.example.com/hook",
            secret_env: "STATUS_SECRET",
            channels: ["C0OPS"],
          },
        ];
      },
      ["communications[0].channels: not used when via is webhook (it takes url and secret_env)"],
    ],
    [
      "a url that is not http(s)",
      (doc) => {
        doc.communications = [
          { label: "Status page", via: "webhook", url: "ftp://status.example.com/hook", secret_env: "S" },
        ];
      },
      ['communications[0].url: "ftp://status.example.com/hook" is not a web link (http:// or https://)'],
    ],
    [
      "two labels with the same key",
      (doc) => {
        doc.communications = [
          { label: "Status page", via: "webhook", url: "https://a.example.com/hook", secret_env: "A" },
          { label: "Ops", via: "slack", channels: ["C0OPS"] },
          { label: "Status-Page", via: "webhook", url: "https://b.example.com/hook", secret_env: "B" },
        ];
      },
      [
        'communications[2].label: "Status-Page" is the same audience as "Status page" (both are status_page): give it another label',
      ],
    ],
    [
      "a label with no letter or digit",
      (doc) => {
        doc.communications = [{ label: "—", via: "slack", channels: ["C0OPS"] }];
      },
      ["communications[0].label: needs at least one letter or digit"],
    ],
    [
      "a secret_env that is not a variable name",
      (doc) => {
        doc.communications = [
          { label: "Status page", via: "webhook", url: "https://s.example.com/h", secret_env: "status-page" },
        ];
      },
      [
        'communications[0].secret_env: "status-page" is not an environment variable name (letters, digits and _, not starting with a digit)',
      ],
    ],
    [
      "an update_every that is not a duration",
      (doc) => {
        doc.communications = [
          { label: "Regulator", via: "email", to: ["r@regulator.example"], update_every: "1 day" },
        ];
      },
      [`communications[0].update_every: "1 day" is not a duration (${DURATION_HINT})`],
    ],
    [
      "an unknown priority",
      (doc) => {
        doc.communications = [{ label: "Ops", via: "slack", channels: ["C0OPS"], priorities: ["P1", "P0"] }];
      },
      ['communications[0].priorities[1]: expected one of P1, P2, P3, P4, P5, got "P0"'],
    ],
    [
      "a channel that is not a channel id",
      (doc) => {
        doc.communications = [{ label: "Ops", via: "slack", channels: ["#ops"] }];
      },
      ['communications[0].channels[0]: "#ops" is not a Slack channel id (C… or G…)'],
    ],
    [
      "an unknown key in an audience",
      (doc) => {
        doc.communications = [{ label: "Ops", via: "slack", channels: ["C0OPS"], channel: "C0OPS" }];
      },
      [`communications[0].channel: unknown key (allowed: ${AUDIENCE_KEYS})`],
    ],
    [
      "a plan that is not a list",
      (doc) => {
        doc.communications = { label: "Ops", via: "slack", channels: ["C0OPS"] };
      },
      ["communications: expected a list, got a mapping"],
    ],
    [
      "a problem in a type's plan",
      (doc) => {
        doc.incident_types.security_breach.communications = [{ label: "Regulator", via: "email" }];
      },
      ["incident_types.security_breach.communications[0].to: required when via is email"],
    ],
    [
      "several problems in one audience",
      (doc) => {
        doc.communications = [
          { label: "Status page", via: "webhook", url: "status.example.com", to: ["ops@example"] },
        ];
      },
      [
        'communications[0].to[0]: "ops@example" is not an email address (e.g. cfo@example.com)',
        'communications[0].url: "status.example.com" is not a web link (http:// or https://)',
        "communications[0].to: not used when via is webhook (it takes url and secret_env)",
        "communications[0].secret_env: required when via is webhook",
      ],
    ],
    [
      "a duplicate label beside another problem",
      (doc) => {
        doc.communications = [
          { label: "Ops", via: "slack", channels: ["ops"] },
          { label: "OPS", via: "slack", channels: ["C0OPS"] },
        ];
      },
      [
        'communications[0].channels[0]: "ops" is not a Slack channel id (C… or G…)',
        'communications[1].label: "OPS" is the same audience as "Ops" (both are ops): give it another label',
      ],
    ],
  ])("%s", (_name, change, lines) => {
    expect(errorsOf(parseWith(change)).sort()).toEqual([...lines].sort());
  });
});

describe("SMTP_URL", () => {
  it.each([
    [
      "smtp://mail.example.com",
      { secure: false, host: "mail.example.com", port: 587, user: null, password: null },
    ],
    [
      "smtps://mail.example.com",
      { secure: true, host: "mail.example.com", port: 465, user: null, password: null },
    ],
    [
      "smtp://ops:p%40ss%3Aword@127.0.0.1:2525",
      { secure: false, host: "127.0.0.1", port: 2525, user: "ops", password: "p@ss:word" },
    ],
    ["SMTP://relay:25", { secure: false, host: "relay", port: 25, user: null, password: null }],
    [
      "smtp://apikey@mail.example.com:587",
      { secure: false, host: "mail.example.com", port: 587, user: "apikey", password: null },
    ],
  ])("reads %s", (value, server) => {
    expect(parseSmtpUrl(value)).toEqual({ ok: true, value: server });
  });

  it.each([
    ["mail.example.com:587", "must start with smtp:// or smtps://"],
    ["https://mail.example.com", "must start with smtp:// or smtps://"],
    ["smtp://", "needs a host (smtp://host:587)"],
    ["smtp://mail.example.com:0", "needs a port from 1 to 65535"],
    [
      "smtp://mail.example.com:70000",
      "is not a valid URL (write smtp://user:password@host:587; %-encode @ : / in the password)",
    ],
    ["smtp://:secret@mail.example.com", "has a password but no user name"],
    ["smtp://ops:%E0%A4%A@mail.example.com", "has a user name or password that is not %-encoded correctly"],
  ])("refuses %s", (value, error) => {
    const parsed = parseSmtpUrl(value);
    expect(parsed).toEqual({ ok: false, error });
    expect(JSON.stringify(parsed)).not.toContain("secret");
  });
});

describe("EMAIL_FROM", () => {
  it.each([
    ["alerts@example.com", { name: null, address: "alerts@example.com" }],
    ["Switchboard <alerts@example.com>", { name: "Switchboard", address: "alerts@example.com" }],
    ['"Ops, Contact Centre" <ops@example.com>', { name: "Ops, Contact Centre", address: "ops@example.com" }],
    ["<alerts@example.com>", { name: null, address: "alerts@example.com" }],
  ])("reads %s", (value, sender) => {
    expect(parseEmailFrom(value)).toEqual({ ok: true, value: sender });
  });

  it.each(["alerts", "alerts@localhost", "Switchboard alerts@example.com", "Switchboard <alerts>", ""])(
    "refuses %j",
    (value) => {
      expect(parseEmailFrom(value)).toEqual({
        ok: false,
        error: "must be an email address or Name <address>",
      });
    },
  );
});

describe("what start-up refuses about the plans", () => {
  const policy = policyOf(
    parseWith((doc) => {
      doc.communications = EXAMPLE_PLAN;
    }),
  );

  it("nothing when every secret is set and email is configured", () => {
    const env = {
      STATUS_PAGE_WEBHOOK_SECRET: "s3cret",
      SMTP_URL: "smtp://mail.example.com:587",
      EMAIL_FROM: "Switchboard <alerts@example.com>",
    };
    expect(communicationSetupProblems(policy, env)).toEqual([]);
  });

  it("a missing secret and missing email settings, one line each", () => {
    expect(communicationSetupProblems(policy, { STATUS_PAGE_WEBHOOK_SECRET: "" })).toEqual([
      "communications[1].secret_env: STATUS_PAGE_WEBHOOK_SECRET is not set in the environment",
      "SMTP_URL is not set, but the policy has email audiences",
      "EMAIL_FROM is not set, but the policy has email audiences",
    ]);
  });

  it("malformed email settings", () => {
    const env = { STATUS_PAGE_WEBHOOK_SECRET: "s", SMTP_URL: "mail.example.com", EMAIL_FROM: "alerts" };
    expect(communicationSetupProblems(policy, env)).toEqual([
      "SMTP_URL must start with smtp:// or smtps://",
      "EMAIL_FROM must be an email address or Name <address>",
    ]);
  });

  it("does not ask for SMTP when no plan writes email", () => {
    const slackOnly = policyOf(
      parseWith((doc) => {
        doc.communications = [{ label: "Ops", via: "slack", channels: ["C0OPS"] }];
      }),
    );
    expect(communicationSetupProblems(slackOnly, {})).toEqual([]);
  });
});
