import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { getIncidentById } from "../../db/queries/incidents.js";
import { parseTimelineButtonValue } from "../../messages/timeline.js";
import type { Deps } from "../../services/deps.js";
import { timelineReply } from "../commands/timeline.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** "Next page" on a timeline: answers with that page (of the same view) in place of the one shown. */
export async function onTimelinePage(deps: Deps, { ack, action, respond }: Args): Promise<void> {
  await ack();
  const value = parseTimelineButtonValue(String((action as { value?: unknown }).value ?? ""));
  const incident = value ? await getIncidentById(deps.db, value.incidentId) : null;
  if (!value || !incident) {
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      text: "That timeline is out of date. Run `/incident timeline` again.",
    });
    return;
  }
  await respond({
    response_type: "ephemeral",
    replace_original: true,
    ...(await timelineReply(deps, incident, value.page, value.all === true)),
  });
}
