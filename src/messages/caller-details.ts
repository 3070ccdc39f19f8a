import type { CallerDetail } from "../db/queries/caller-details.js";
import { CALLBACK_BY } from "../domain/callers.js";
import { ERASED_MARK, REPORT_CHANNEL_LABELS } from "../domain/incident.js";
import { escapeClip, slackDate } from "./text.js";

/**
 * How much of a caller list one answer holds. The button's answer is an ephemeral message and
 * `/incident show` puts it in sections of 3,000 characters under the card: a flood's thousands
 * of callers cannot all fit, so the rest are counted, not shown.
 */
export const CALLER_DETAILS_BUDGET = 12_000;

const FOOTER = "Personal data: keep it out of shared channels. That you viewed it is logged.";

/** One caller as a numbered line: reference · how · when · callback and its contact. */
export function callerDetailLine(d: CallerDetail, n: number, timezone: string): string {
  const how = `${REPORT_CHANNEL_LABELS[d.reportChannel]} · ${slackDate(d.contactedAt, timezone)}`;
  if (d.erased) return `${n}. ${ERASED_MARK} · ${how}`;
  const who = d.callerReference ? escapeClip(d.callerReference, 200) : "_no reference given_";
  const callback =
    d.callback === "no"
      ? ""
      : ` · callback ${CALLBACK_BY[d.callback]}: ${
          d.callbackContact ? escapeClip(d.callbackContact, 200) : "_no contact given_"
        }`;
  return `${n}. ${who} · ${how}${callback}`;
}

/**
 * "Show caller details": every caller of the incident, numbered, with how and when they got
 * in touch and the callback they asked for; as many as `budget` characters hold, then how many
 * more there are. `logged`: the reference given when the incident was logged, when no caller
 * report carries it (incidents logged before caller reports existed).
 */
export function callerDetailsText(p: {
  reference: string;
  details: readonly CallerDetail[];
  logged?: string | null;
  timezone: string;
  budget?: number;
}): string {
  const budget = p.budget ?? CALLER_DETAILS_BUDGET;
  const count = p.details.length;
  const head = `*Caller details for ${p.reference}* (${count === 1 ? "1 caller" : `${count} callers`})`;
  const lines: string[] = [head];
  if (p.logged) lines.push(`Caller reference given when it was logged: ${escapeClip(p.logged, 200)}`);
  let used = lines.join("\n").length + FOOTER.length + 120;
  let shown = 0;
  for (const d of p.details) {
    const line = callerDetailLine(d, shown + 1, p.timezone);
    if (used + line.length + 1 > budget) break;
    lines.push(line);
    used += line.length + 1;
    shown++;
  }
  if (shown < count) {
    lines.push(`…and ${count - shown} more not shown here (a Slack message holds only so much).`);
  }
  lines.push(FOOTER);
  return lines.join("\n");
}
