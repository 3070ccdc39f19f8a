import { randomUUID } from "node:crypto";
import type { Config } from "../../src/config/env.js";
import { type Policy, parsePolicy } from "../../src/config/policy.js";
import { type FakeSlack, startFakeSlack } from "../../src/emulator/server.js";
import { createLogger, type Logger } from "../../src/lib/logger.js";
import { type RunningSystem, type SystemOptions, startSystem } from "../../src/system.js";
import { createTestDatabase, TEST_DATABASE_URL, TEST_REDIS_URL } from "./services.js";
import { slashCommand } from "./slack-payloads.js";
import { formBody, payloadBody, SIGNING_SECRET, type SignedPostOptions, signedPost } from "./slack-sign.js";

export const USERS = {
  agent: "U0AGENT",
  lead: "U0LEAD",
  duty: "U0DUTY",
  head: "U0HEAD",
  other: "U0OTHER",
} as const;

export interface Channels {
  floor: string;
  stake: string;
  telephony: string;
  security: string;
  complaints: string;
}

/** A small policy whose stakeholder channels exist in the fake workspace. */
export function testPolicyYaml(c: Channels): string {
  return `
timezone: Europe/London
business_hours: { days: [mon, tue, wed, thu, fri], start: "08:00", end: "18:00", holidays: [2026-12-25] }
agent_channels: [${c.floor}]
roles:
  team_lead: [${USERS.lead}]
  duty_manager: [${USERS.duty}]
  head_of_operations: [${USERS.head}]
incident_types:
  service_failure:
    label: Service failure
    stakeholder_channels: [${c.stake}, ${c.telephony}]
    escalation: [team_lead, duty_manager, head_of_operations]
  security_breach:
    label: Security breach
    stakeholder_channels: [${c.security}]
    escalation: [duty_manager, head_of_operations]
  complaint:
    label: Complaint
    stakeholder_channels: [${c.complaints}]
    escalation: [team_lead, duty_manager]
  major_outage:
    label: Major outage
    stakeholder_channels: [${c.stake}, ${c.telephony}, ${c.security}, ${c.complaints}, ${c.floor}]
    escalation: [duty_manager, head_of_operations]
sla:
  P1: { respond: 15m, update_every: 30m, resolve: 4h, hours: always, repeat: 15m }
  P2: { respond: 30m, update_every: 1h, resolve: 8h, hours: always, repeat: 30m }
  P3: { respond: 2h, update_every: 4h, resolve: 2d, hours: business, repeat: 1h }
  P4: { respond: 4h, update_every: 1d, resolve: 5d, hours: business, repeat: 4h }
  P5: { respond: 1d, update_every: 2d, resolve: 10d, hours: business, repeat: 1d }
`;
}

export function testConfig(slack: FakeSlack, overrides: Partial<Config> = {}): Config {
  return {
    slack: { botToken: slack.botToken, signingSecret: SIGNING_SECRET, apiUrl: slack.url },
    databaseUrl: TEST_DATABASE_URL,
    redisUrl: TEST_REDIS_URL,
    port: 0,
    // /metrics on a free loopback port of its own, so test files running at once never collide.
    metrics: { host: "127.0.0.1", port: 0 },
    logLevel: "silent",
    role: "all",
    migrateOnStart: false,
    queuePrefix: `test-${randomUUID()}`,
    jobLockMs: 30_000,
    // Two test files run at once, each with a web and a jobs pool: together they stay well
    // inside PostgreSQL's default 100 connections.
    databasePoolSize: 10,
    ...overrides,
  };
}

export interface Harness {
  /** The configuration the system runs with (database, queue prefix), e.g. for a second worker. */
  config: Config;
  /** The policy as YAML, for a worker started as its own process. */
  policyYaml: string;
  slack: FakeSlack;
  channels: Channels;
  policy: Policy;
  system: RunningSystem;
  eventsUrl: string;
  baseUrl: string;
  post(body: string, opts?: SignedPostOptions): Promise<Response>;
  command(text: string, p?: { user?: string; channel?: string; triggerTtlMs?: number }): Promise<Response>;
  action(payload: unknown, opts?: SignedPostOptions): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * How long a command's trigger_id lasts unless the test says (Slack: 3 s). The first command to
 * a freshly started app on a loaded 2-core machine has taken longer than 3 s to reach
 * views.open; tests about that deadline pass `triggerTtlMs` (3 s, or 1 ms for the expired
 * path), and `npm run bench` measures how fast the answer is.
 */
const COMMAND_TRIGGER_TTL_MS = 30_000;

export type HarnessOptions = Parameters<typeof startHarness>[0];

export async function startHarness(
  opts: {
    config?: Partial<Config>;
    sweepIntervalMs?: number;
    /** How often the worker checks that Redis still holds its data (default 2 s). */
    redisWatchMs?: number;
    /** When a click still being handled is told so (default 5 s). */
    clickLateMs?: number;
    logger?: Logger;
    /** Replaces the `sla:` and `warn_at:` part of the test policy (e.g. seconds-long SLAs). */
    sla?: string;
    /** Last say over the policy YAML, e.g. to add a type's extra clocks. */
    editPolicy?: (yaml: string) => string;
    /** A fake Slack started by the caller (e.g. with a fake Socket Mode server attached). */
    fakeSlack?: FakeSlack;
    /** Socket Mode hooks passed to startSystem. */
    system?: Pick<SystemOptions, "onSocketLost" | "socketBackoffMs" | "socketReadyGraceMs" | "env">;
  } = {},
): Promise<Harness> {
  const slack = opts.fakeSlack ?? (await startFakeSlack());
  for (const id of Object.values(USERS)) slack.addUser(id, { name: id.toLowerCase() });
  const channels: Channels = {
    floor: slack.addChannel("contact-floor", { members: [USERS.agent, USERS.lead] }),
    stake: slack.addChannel("incident-stakeholders"),
    telephony: slack.addChannel("telephony-stakeholders"),
    security: slack.addChannel("security-team"),
    complaints: slack.addChannel("complaints"),
  };
  const yaml = opts.sla
    ? testPolicyYaml(channels).replace(/\nsla:[\s\S]*$/, `\n${opts.sla}`)
    : testPolicyYaml(channels);
  const policyYaml = opts.editPolicy ? opts.editPolicy(yaml) : yaml;
  const parsed = parsePolicy(policyYaml, "test policy");
  if (!parsed.ok) throw new Error(`test policy invalid: ${parsed.error.join("; ")}`);
  const database = await createTestDatabase();
  const config = testConfig(slack, { databaseUrl: database.url, ...opts.config });
  const system = await startSystem({
    config,
    policy: parsed.value,
    logger: opts.logger ?? createLogger("silent"),
    sweepIntervalMs: opts.sweepIntervalMs,
    redisWatchMs: opts.redisWatchMs,
    clickLateMs: opts.clickLateMs,
    ...opts.system,
  });
  const baseUrl = `http://127.0.0.1:${system.port}`;
  const eventsUrl = `${baseUrl}/slack/events`;
  const post = (body: string, o?: SignedPostOptions) => signedPost(eventsUrl, body, o);
  return {
    config,
    policyYaml,
    slack,
    channels,
    policy: parsed.value,
    system,
    eventsUrl,
    baseUrl,
    post,
    command: (text, p = {}) =>
      post(
        formBody(
          slashCommand({
            text,
            user: p.user ?? USERS.agent,
            channel: p.channel ?? channels.floor,
            triggerId: slack.issueTrigger({
              user: p.user ?? USERS.agent,
              ttlMs: p.triggerTtlMs ?? COMMAND_TRIGGER_TTL_MS,
            }),
            responseUrl: slack.responseUrl(),
          }),
        ),
      ),
    action: (payload, o) => post(payloadBody(payload), o),
    async stop() {
      await system.stop();
      await slack.close();
      await database.drop();
    },
  };
}
