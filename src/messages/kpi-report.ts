import { contactsKpiLine } from "../domain/caller-figures.js";
import { channelWord } from "../domain/communication-counts.js";
import { REPORT_CHANNEL_LABELS, type ReportChannel } from "../domain/incident.js";
import {
  compliancePercent,
  formatPercent,
  formatSeconds,
  type KpiFigures,
  type PriorityFigures,
  ratePercent,
} from "../domain/kpi.js";
import { clip, escapeMrkdwn, mrkdwn, plain } from "./text.js";

/** Labels the builder needs from the policy, so it stays pure. */
export interface KpiLabels {
  typeLabel(type: string): string;
  rootCauseLabel(category: string): string;
}

type Block = Record<string, unknown>;

const section = (text: string): Block => ({ type: "section", text: mrkdwn(text) });
const list = (items: string[]) => (items.length ? items.join(" · ") : "none");

function slaLine(c: { met: number; missed: number }): string {
  return `${formatPercent(compliancePercent(c))} (${c.met}/${c.met + c.missed})`;
}

/** The per-priority table, monospaced so the columns line up. */
function priorityTable(rows: PriorityFigures[]): string {
  const head = ["", "Incidents", "Respond met", "Resolve met", "MTTA p50 / p90", "MTTR p50 / p90"];
  const body = rows.map((r) => [
    r.priority ?? "All",
    String(r.incidents),
    slaLine(r.respond),
    slaLine(r.resolve),
    `${formatSeconds(r.mttaMedian)} / ${formatSeconds(r.mttaP90)}`,
    `${formatSeconds(r.mttrMedian)} / ${formatSeconds(r.mttrP90)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return ["```", fmt(head), ...body.map(fmt), "```"].join("\n");
}

/** A breached clock in words: an audience's own cadence reads "update to regulator". */
const breachLabel = (clock: string) =>
  clock.startsWith("comms_") ? `update to ${clock.slice(6).replace(/_/g, " ")}` : clock.replace(/_/g, " ");

/** "2.5 per incident (Slack 30, email 8, phone 2)". */
function communicationsLine(items: { key: string; count: number }[], incidents: number): string {
  const total = items.reduce((n, i) => n + i.count, 0);
  if (total === 0) return "none";
  const per = incidents > 0 ? `${(total / incidents).toFixed(1)} per incident` : `${total}`;
  const parts = items.map((i) => `${escapeMrkdwn(channelWord(i.key))} ${i.count}`);
  return `${per} (${parts.join(", ")})`;
}

function escalationLine(f: KpiFigures): string {
  if (f.escalations.length === 0) return "none";
  const part = (manual: boolean) =>
    f.escalations
      .filter((e) => e.manual === manual)
      .map((e) => `level ${e.level}: ${e.sent} (${e.incidents} incident${e.incidents === 1 ? "" : "s"})`);
  const auto = part(false);
  const manual = part(true);
  return [
    auto.length ? `automatic ${auto.join(", ")}` : "",
    manual.length ? `manual ${manual.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");
}

/**
 * The KPI report as a Block Kit message (the ephemeral answer and the weekly digest). Short
 * enough for Slack's limits whatever the data: fixed number of blocks, every text clipped.
 */
export function kpiReportMessage(p: {
  title: string;
  periodLabel: string;
  timezone: string;
  figures: KpiFigures;
  labels: KpiLabels;
  footer: string;
}): { text: string; blocks: Block[] } {
  const f = p.figures;
  const total = f.byPriority.find((r) => r.priority === null);
  const count = total?.incidents ?? 0;
  const count_ = (items: { key: string; count: number }[], label: (k: string) => string) =>
    list(items.map((i) => `${escapeMrkdwn(clip(label(i.key), 60))} ${i.count}`));
  const reopen = total ? ratePercent(total.reopened, total.everResolved) : null;
  const blocks: Block[] = [
    { type: "header", text: plain(p.title, 150) },
    {
      type: "context",
      elements: [mrkdwn(`${p.periodLabel}, ${p.timezone} — incidents logged in the period`)],
    },
    section(
      [
        `*Incidents:* ${count}`,
        `*By priority:* ${list(f.byPriority.filter((r) => r.priority).map((r) => `${r.priority} ${r.incidents}`))}`,
        `*By type:* ${count_(f.byType, p.labels.typeLabel)}`,
        `*By report channel:* ${count_(f.byChannel, (k) => REPORT_CHANNEL_LABELS[k as ReportChannel] ?? k)}`,
      ].join("\n"),
    ),
  ];
  if (count > 0) blocks.push(section(clip(`*SLA and response times*\n${priorityTable(f.byPriority)}`, 3000)));
  blocks.push(
    section(
      [
        `*Breaches:* ${count_(f.breaches, breachLabel)}`,
        `*Escalations:* ${escalationLine(f)}`,
        `*Reopen rate:* ${formatPercent(reopen)} (${total?.reopened ?? 0} of ${total?.everResolved ?? 0} resolved)`,
      ].join("\n"),
    ),
    section(
      [
        `*Top root causes:* ${count_(f.rootCauses, p.labels.rootCauseLabel)}`,
        `*Most affected services:* ${count_(f.services, (k) => k)}`,
        `*Improvement actions:* ${f.actions.open} open, ${f.actions.overdue} overdue`,
        ...(f.communications ? [`*Communications:* ${communicationsLine(f.communications, count)}`] : []),
        ...(f.callers ? [`*Contacts per incident:* ${contactsKpiLine(f.callers)}`] : []),
      ].join("\n"),
    ),
    { type: "context", elements: [mrkdwn(p.footer)] },
  );
  const text = `${p.title}: ${count} incident${count === 1 ? "" : "s"}, ${p.periodLabel}`;
  return { text: clip(text, 3000), blocks };
}
