import type { IncidentRow } from "../db/schema/index.js";
import { formatReference } from "../domain/reference.js";
import { whereWorked } from "./caller-volume.js";
import { mrkdwn } from "./text.js";

/**
 * Posted where the duplicate was worked: which incident it duplicated and where the work
 * continues. No caller details: the reports moved with their own.
 */
export function duplicateMovedPost(
  duplicate: Pick<IncidentRow, "number">,
  master: Pick<IncidentRow, "number"> & Pick<IncidentRow, "channelId" | "workingChannelId">,
  moved: number,
) {
  const callers = moved === 0 ? "" : ` ${moved} caller report${moved === 1 ? "" : "s"} moved there with it.`;
  const body =
    `:link: ${formatReference(duplicate.number)} was a duplicate of ${formatReference(master.number)}: ` +
    `the work continues in ${whereWorked(master)}.${callers} Add new callers to ${formatReference(master.number)}.`;
  return { text: body, blocks: [{ type: "section", text: mrkdwn(body) }] };
}
