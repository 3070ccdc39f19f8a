import type { ExternalSenders } from "../delivery/deps.js";
import type { Deps } from "./deps.js";
import { lookUpNames } from "./directory.js";

/** How long a webhook receiver has to answer before the call counts as failed for now. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * What sending emails and webhook calls needs at run time: the mailer (null without SMTP_URL),
 * secrets by the name of their environment variable, names for the Slack ids an email
 * mentions, and a link to an incident channel.
 */
export function externalSenders(
  deps: Pick<Deps, "slack" | "clock" | "logger">,
  p: {
    mailer: ExternalSenders["mailer"];
    /** EMAIL_FROM: its domain is the right-hand side of every Message-ID. */
    from: string | null;
    /** auth.test's `url` (https://acme.slack.com/). */
    workspaceUrl: string | null;
    env: Readonly<Record<string, string | undefined>>;
  },
): ExternalSenders {
  return {
    mailer: p.mailer,
    messageIdDomain: messageIdDomain(p.from),
    secret: (name) => p.env[name] || undefined,
    names: (ids) => lookUpNames(deps, ids),
    channelUrl: (id) =>
      p.workspaceUrl ? new URL(`archives/${encodeURIComponent(id)}`, p.workspaceUrl).href : null,
    webhookTimeoutMs: WEBHOOK_TIMEOUT_MS,
  };
}

/** "Ops <ops@acme.example>" → "acme.example"; a sender without a domain → "switchboard.invalid". */
export function messageIdDomain(from: string | null): string {
  const address = from?.match(/<([^>]+)>/)?.[1] ?? from ?? "";
  const domain = address.split("@")[1]?.trim().toLowerCase() ?? "";
  return /^[a-z0-9.-]+$/.test(domain) ? domain : "switchboard.invalid";
}
