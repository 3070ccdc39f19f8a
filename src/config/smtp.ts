import { isEmailAddress, missingSecrets, type PlanSource, usesEmail } from "../domain/communications.js";
import { err, ok, type Result } from "../domain/result.js";

/** Where email is handed over, as SMTP_URL says it. */
export interface SmtpServer {
  /** smtps://: TLS from the first byte; smtp://: plain, upgraded with STARTTLS when offered. */
  secure: boolean;
  host: string;
  port: number;
  user: string | null;
  password: string | null;
}

/** The ports nodemailer uses when the URL names none. */
const DEFAULT_PORTS = { smtp: 587, smtps: 465 } as const;

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/**
 * Reads SMTP_URL: `smtp://user:pass@host:587` or `smtps://host`. The error never repeats the
 * value, because it may hold a password.
 */
export function parseSmtpUrl(value: string): Result<SmtpServer, string> {
  const scheme = /^(smtps?):\/\//i.exec(value)?.[1]?.toLowerCase() as keyof typeof DEFAULT_PORTS | undefined;
  if (!scheme) return err("must start with smtp:// or smtps://");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return err("is not a valid URL (write smtp://user:password@host:587; %-encode @ : / in the password)");
  }
  if (url.hostname === "") return err("needs a host (smtp://host:587)");
  const port = url.port === "" ? DEFAULT_PORTS[scheme] : Number(url.port);
  if (port < 1) return err("needs a port from 1 to 65535");
  const user = url.username === "" ? null : decode(url.username);
  const password = url.password === "" ? null : decode(url.password);
  if ((url.username !== "" && user === null) || (url.password !== "" && password === null)) {
    return err("has a user name or password that is not %-encoded correctly");
  }
  if (password !== null && user === null) return err("has a password but no user name");
  return ok({ secure: scheme === "smtps", host: url.hostname, port, user, password });
}

/** The sender of the plans' emails, as EMAIL_FROM says it. */
export interface EmailSender {
  name: string | null;
  address: string;
}

/** Reads EMAIL_FROM: `alerts@example.com`, `Switchboard <alerts@example.com>` or `"Ops, CC" <…>`. */
export function parseEmailFrom(value: string): Result<EmailSender, string> {
  const text = value.trim();
  const named = /^(.*?)\s*<([^<>]*)>$/.exec(text);
  const address = (named ? named[2] : text)?.trim() ?? "";
  if (!isEmailAddress(address)) return err("must be an email address or Name <address>");
  const name =
    named?.[1]
      ?.trim()
      .replace(/^"(.*)"$/, "$1")
      .trim() ?? "";
  return ok({ name: name === "" ? null : name, address });
}

/**
 * What start-up must refuse about the communication plans, one line each: a webhook whose secret
 * is not in the environment, and email audiences without SMTP_URL and EMAIL_FROM (or with
 * malformed ones). Empty when the plans can all be reached.
 */
export function communicationSetupProblems(
  policy: PlanSource,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const lines = missingSecrets(policy, env);
  if (!usesEmail(policy)) return lines;
  const smtpUrl = env.SMTP_URL;
  const from = env.EMAIL_FROM;
  if (!smtpUrl) lines.push("SMTP_URL is not set, but the policy has email audiences");
  else {
    const parsed = parseSmtpUrl(smtpUrl);
    if (!parsed.ok) lines.push(`SMTP_URL ${parsed.error}`);
  }
  if (!from) lines.push("EMAIL_FROM is not set, but the policy has email audiences");
  else {
    const parsed = parseEmailFrom(from);
    if (!parsed.ok) lines.push(`EMAIL_FROM ${parsed.error}`);
  }
  return lines;
}
