import { incidentLine } from "./incident-list.js";
import { mrkdwn, plain } from "./text.js";

type Item = Parameters<typeof incidentLine>[0];

/** Home view: a view holds at most 100 blocks, so each list is capped. */
export function homeView(p: { mine: Item[]; open: Item[]; timezone: string }) {
  const section = (text: string) => ({ type: "section", text: mrkdwn(text) });
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: plain("Your open incidents", 150) },
    ...(p.mine.length
      ? p.mine.slice(0, 40).map((i) => section(incidentLine(i, p.timezone)))
      : [section("None. :tada:")]),
    { type: "divider" },
    { type: "header", text: plain("All open incidents", 150) },
    ...(p.open.length
      ? p.open.slice(0, 40).map((i) => section(incidentLine(i, p.timezone)))
      : [section("None.")]),
    {
      type: "context",
      elements: [mrkdwn("Type `/incident` anywhere to log an incident; `/incident help` for more.")],
    },
  ];
  return { type: "home" as const, blocks };
}
