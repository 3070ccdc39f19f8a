/** Slack callback, block and action ids. Changing one breaks modals already open in Slack. */
export const VIEW = {
  logIncident: "log_incident_modal",
  logged: "log_incident_done",
} as const;

export const COMMAND = "/incident";

export const SHORTCUT = { logAsIncident: "log_as_incident" } as const;

/** Block ids of the log-incident modal double as the field names of its parser. */
export const LOG_FIELDS = {
  title: "title",
  description: "description",
  type: "type",
  reportChannel: "report_channel",
  impact: "impact",
  urgency: "urgency",
  affectedService: "affected_service",
  callerReference: "caller_reference",
  reportedAt: "reported_at",
  priorityOverride: "priority_override",
  overrideReason: "override_reason",
} as const;
export type LogField = (typeof LOG_FIELDS)[keyof typeof LOG_FIELDS];

export const ACTION = {
  impact: "log_incident_impact",
  urgency: "log_incident_urgency",
  openChannel: "incident_open_channel",
} as const;

export const PRIORITY_PREVIEW_BLOCK = "priority_preview";
