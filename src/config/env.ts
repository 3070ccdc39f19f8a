import { isIP } from "node:net";
import { z } from "zod";
import { LOG_FORMATS, type LogFormat } from "../lib/logger.js";
import { parseEmailFrom, parseSmtpUrl } from "./smtp.js";

const ROLES = ["web", "worker", "all"] as const;
export const DEFAULT_DATABASE_URL = "postgres://postgres@localhost:5432/switchboard";
export type Role = (typeof ROLES)[number];
export const DEFAULT_SLACK_TIMEOUT_MS = 10_000;
export const DEFAULT_POOL_SIZE = 20;
export const DEFAULT_SOCKET_RECONNECT_DEADLINE_MS = 120_000;

const bool = (fallback: "true" | "false") =>
  z
    .enum(["true", "false", "1", "0"])
    .default(fallback)
    .transform((v) => v === "true" || v === "1");

const port = (fallback: number) =>
  z.coerce
    .number({ error: "must be a port number (0-65535)" })
    .int("must be a port number (0-65535)")
    .min(0, "must be a port number (0-65535)")
    .max(65535, "must be a port number (0-65535)")
    .default(fallback);

export const DEFAULT_METRICS_PORT = 9464;
export const DEFAULT_METRICS_HOST = "127.0.0.1";

const Env = z
  .object({
    SLACK_BOT_TOKEN: z.string().startsWith("xoxb-", "must be a bot token starting with xoxb-"),
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    SLACK_APP_TOKEN: z
      .string()
      .startsWith("xapp-", "must be an app-level token starting with xapp-")
      .optional(),
    SLACK_API_URL: z.url().optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .default(DEFAULT_DATABASE_URL),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// URL")
      .default("redis://localhost:6379"),
    PORT: port(3000),
    /** Where /metrics is served when METRICS_TOKEN is unset (never on PORT without a token). */
    METRICS_PORT: port(DEFAULT_METRICS_PORT),
    METRICS_HOST: z
      .string()
      .refine(
        (v) => isIP(v) !== 0 || z.hostname().safeParse(v).success,
        "must be an IP address or host name to listen on",
      )
      .default(DEFAULT_METRICS_HOST),
    /** When set, /metrics is served on PORT to requests with `Authorization: Bearer <token>`. */
    METRICS_TOKEN: z
      .string()
      .min(16, "must be at least 16 characters")
      .regex(/^[\x21-\x7E]+$/, "must be printable ASCII without spaces")
      .optional(),
    POLICY_FILE: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Unset: readable lines when stdout is a terminal, JSON lines otherwise (see lib/logger.ts). */
    LOG_FORMAT: z.enum(LOG_FORMATS, "must be json or pretty").optional(),
    SWITCHBOARD_ROLE: z.enum(ROLES).default("all"),
    MIGRATE_ON_START: bool("true"),
    /**
     * How long a worker's hold on a running job lasts without renewal: after a crash, the job
     * is picked up again once it lapses.
     */
    JOB_LOCK_MS: z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int()
      .min(1_000, "must be at least 1000")
      .max(600_000, "must be at most 600000")
      .default(30_000),
    /**
     * PostgreSQL connections per pool. A process with the worker has up to 35 jobs and 64
     * escalation posts in flight; a pool much smaller than that makes them queue for one.
     */
    DATABASE_POOL_SIZE: z.coerce
      .number({ error: "must be a whole number" })
      .int()
      .min(2, "must be at least 2")
      .max(200, "must be at most 200")
      .default(DEFAULT_POOL_SIZE),
    /**
     * How long one Slack Web API call may take before the client gives up. At most 10 s: the
     * outbox lease (JOB_LOCK_MS, at least 12 s) must outlast a call.
     */
    SLACK_TIMEOUT_MS: z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int()
      .min(500, "must be at least 500")
      .max(10_000, "must be at most 10000")
      .default(DEFAULT_SLACK_TIMEOUT_MS),
    /**
     * Socket Mode: how long a web process may go without its connection to Slack (at start-up or
     * after losing it) before it exits non-zero, so its supervisor restarts it.
     */
    SOCKET_RECONNECT_DEADLINE_MS: z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int("must be a number of milliseconds")
      .min(5_000, "must be at least 5000")
      .max(3_600_000, "must be at most 3600000")
      .default(DEFAULT_SOCKET_RECONNECT_DEADLINE_MS),
    /**
     * Where emails of the communication plans are sent (smtp://user:pass@host:587, or
     * smtps:// for TLS from the start). Required when any plan has an email audience.
     */
    SMTP_URL: z
      .string()
      .superRefine((v, ctx) => {
        const parsed = parseSmtpUrl(v);
        if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.error });
      })
      .optional(),
    /** The sender of those emails: an address, or `Name <address>`. */
    EMAIL_FROM: z
      .string()
      .refine((v) => parseEmailFrom(v).ok, "must be an email address or Name <address>")
      .optional(),
    /** Key prefix for BullMQ in Redis; lets several deployments (or test runs) share one Redis. */
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only")
      .default("switchboard"),
  })
  .superRefine((env, ctx) => {
    const role = env.SWITCHBOARD_ROLE;
    if (role !== "worker" && !env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["SLACK_SIGNING_SECRET"],
        message: "is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)",
      });
    }
    if (env.SMTP_URL && !env.EMAIL_FROM) {
      ctx.addIssue({ code: "custom", path: ["EMAIL_FROM"], message: "is required when SMTP_URL is set" });
    }
    if (!env.METRICS_TOKEN && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({
        code: "custom",
        path: ["METRICS_PORT"],
        message: "must differ from PORT (or set METRICS_TOKEN to serve /metrics on PORT)",
      });
    }
  });

/** Every variable parseEnv reads (.env.example lists each; a test keeps the two in step). */
export const ENV_VARIABLES: readonly string[] = Object.keys(Env.shape);

export interface Config {
  slack: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  databaseUrl: string;
  redisUrl: string;
  port: number;
  /** Address the HTTP server (PORT) listens on; unset: every interface. The demo sets 127.0.0.1. */
  host?: string;
  /**
   * /metrics: on PORT for holders of `token` when it is set, otherwise on host:port of its own.
   * Unset: DEFAULT_METRICS_HOST:DEFAULT_METRICS_PORT, no token.
   */
  metrics?: { host: string; port: number; token?: string | undefined };
  policyFile?: string;
  logLevel: z.infer<typeof Env>["LOG_LEVEL"];
  /** LOG_FORMAT; unset lets the logger choose by whether stdout is a terminal. */
  logFormat?: LogFormat;
  role: Role;
  migrateOnStart: boolean;
  queuePrefix: string;
  jobLockMs: number;
  /** Timeout of one Slack Web API call (SLACK_TIMEOUT_MS); DEFAULT_SLACK_TIMEOUT_MS when unset. */
  slackTimeoutMs?: number;
  /** Connections per PostgreSQL pool (DATABASE_POOL_SIZE); DEFAULT_POOL_SIZE when unset. */
  databasePoolSize?: number;
  /** SOCKET_RECONNECT_DEADLINE_MS; DEFAULT_SOCKET_RECONNECT_DEADLINE_MS when unset. */
  socketReconnectDeadlineMs?: number;
  /** SMTP_URL and EMAIL_FROM, when email audiences can be reached. */
  email?: { smtpUrl: string; from: string };
}

/**
 * Parses the environment once. On failure returns one line per bad variable, naming it, so
 * start-up can print them and exit; the values themselves are never echoed (they may be secrets).
 */
export function parseEnv(
  env: NodeJS.ProcessEnv,
): { ok: true; config: Config } | { ok: false; errors: string[] } {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const message = cleaned[name] === undefined && issue.code !== "custom" ? "is required" : issue.message;
      return `${name} ${message}`;
    });
    return { ok: false, errors };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      slack: {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        appToken: e.SLACK_APP_TOKEN,
        apiUrl: e.SLACK_API_URL,
      },
      databaseUrl: e.DATABASE_URL,
      redisUrl: e.REDIS_URL,
      port: e.PORT,
      metrics: { host: e.METRICS_HOST, port: e.METRICS_PORT, token: e.METRICS_TOKEN },
      policyFile: e.POLICY_FILE,
      logLevel: e.LOG_LEVEL,
      logFormat: e.LOG_FORMAT,
      role: e.SWITCHBOARD_ROLE,
      migrateOnStart: e.MIGRATE_ON_START,
      queuePrefix: e.QUEUE_PREFIX,
      jobLockMs: e.JOB_LOCK_MS,
      slackTimeoutMs: e.SLACK_TIMEOUT_MS,
      databasePoolSize: e.DATABASE_POOL_SIZE,
      socketReconnectDeadlineMs: e.SOCKET_RECONNECT_DEADLINE_MS,
      ...(e.SMTP_URL && e.EMAIL_FROM ? { email: { smtpUrl: e.SMTP_URL, from: e.EMAIL_FROM } } : {}),
    },
  };
}
