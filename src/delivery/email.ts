import nodemailer from "nodemailer";
import type { SMTPPoolSentMessageInfo } from "nodemailer/lib/smtp-pool";
import { clip } from "../messages/text.js";
import type { SendOutcome } from "./external-outcome.js";

/**
 * Email through SMTP (nodemailer). One attempt per call: the delivery job owns retries and
 * backoff, so the transport only says what happened and whether trying again can help.
 */

export interface MailerOptions {
  /** `smtp://user:pass@host:587` or `smtps://…:465`. */
  smtpUrl: string;
  /** The From header: `Switchboard <switchboard@example.com>`. */
  from: string;
  /** For connecting, the server's greeting and an idle socket; 15 s unless given. */
  timeoutMs?: number;
}

export interface OutgoingMail {
  /** `<6f1c…@switchboard>`: the same on every attempt, so a resend after an unknown outcome can be recognised. */
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SendOutcome>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export function createMailer({ smtpUrl, from, timeoutMs = DEFAULT_TIMEOUT_MS }: MailerOptions): Mailer {
  // nodemailer reads host, port, TLS and login from the URL and keeps the options beside it.
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 2,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // The mails are built from our own text: nothing may make nodemailer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(mail) {
      if (mail.to.length === 0) return { ok: false, permanent: true, error: "no recipients" };
      try {
        const info = await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
        });
        return { ok: true, detail: acceptedDetail(info) };
      } catch (err) {
        return failureOutcome(err);
      }
    },
    close() {
      transport.close();
    },
  };
}

function acceptedDetail(info: SMTPPoolSentMessageInfo): string {
  const reply = clip(oneLine(String(info.response ?? "")), 200);
  const accepted = info.accepted?.length ?? 0;
  const rejected = info.rejected?.length ?? 0;
  // Some recipients refused while others took it: the mail is out, and sending again would
  // double it for the others, so it counts as delivered with the refusals noted.
  const refused = rejected > 0 ? `; ${rejected} of ${accepted + rejected} recipients refused` : "";
  return `accepted for ${accepted} recipient${accepted === 1 ? "" : "s"}${refused}${reply ? `: ${reply}` : ""}`;
}

/** The fields nodemailer puts on its errors that say what went wrong (its type is not exported). */
interface SmtpError {
  code?: string;
  originalCode?: string;
  message?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
}

/** Mistakes in what we asked for or how we are set up: sending again cannot fix them. */
const SETUP_ERRORS = new Set([
  "EENVELOPE",
  "ECONFIG",
  "ENOAUTH",
  "EFILEACCESS",
  "EURLACCESS",
  "EMAXRECIPIENTS",
]);

/**
 * An SMTP reply decides by its class: 4xx may pass, 5xx will not (nodemailer sets `permanent`
 * from it, and when every recipient was refused it reports a 4xx refusal if there was one).
 * Without a reply, connection trouble (refused, reset, timed out, DNS) may pass; a mistake in
 * the mail or the set-up will not. The error names the reply code and text, never the content.
 */
export function failureOutcome(err: unknown): SendOutcome {
  const e = (typeof err === "object" && err !== null ? err : {}) as SmtpError;
  const code = typeof e.responseCode === "number" ? e.responseCode : null;
  if (code !== null) {
    const permanent = typeof e.permanent === "boolean" ? e.permanent : code >= 500 && code !== 503;
    const reply = oneLine(e.response ?? "");
    const text = reply.startsWith(String(code)) ? reply : `${code} ${reply || oneLine(e.message ?? "")}`;
    return { ok: false, permanent, error: clip(`SMTP ${text}`, 300) };
  }
  const name = e.originalCode ? `${e.code} (${e.originalCode})` : (e.code ?? "error");
  return {
    ok: false,
    permanent: e.code !== undefined && SETUP_ERRORS.has(e.code),
    error: clip(`${name}: ${oneLine(e.message ?? String(err))}`, 300),
  };
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
