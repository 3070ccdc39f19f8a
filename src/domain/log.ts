/** Kinds of incident-log entries. The log is the audit trail: add kinds, never rename them. */
export const LOG_KINDS = [
  "created",
  "priority_overridden",
  "caller_reference_set",
  "channel_created",
  "reporter_invited",
  "summary_posted",
  "summary_pinned",
  "announcement_posted",
  "reporter_notified",
  "delivery_failed",
  "delivery_failure_reported",
  "status_changed",
  "owner_changed",
  "note_added",
  "update_written",
  "update_posted",
  "field_changed",
  "exported",
  "sla_warning",
  "sla_breached",
  "escalation_sent",
  "escalation_acknowledged",
  "clock_stopped",
  // Post-incident review and improvement actions
  "review_requested",
  "review_completed",
  "review_published",
  "action_added",
  "action_reminded",
  "action_overdue",
  "action_escalated",
  "action_done",
  "action_rescheduled",
  // Supporting the floor
  "briefing_posted",
  "briefing_confirmed",
  // The incident came back: each team's confirmation taken back (who had confirmed is kept here)
  "briefing_confirmations_cleared",
  "impact_recorded",
  "playbook_posted",
  "playbook_step_ticked",
  "help_requested",
  "handed_over",
  // Retention: records that the caller reference was erased, never its value
  "caller_reference_erased",
  // Communication: a milestone notice posted to a stakeholder channel, and the floor told an
  // outage is over (or back)
  "milestone_posted",
  "agents_told_resolved",
  "agents_told_reopened",
  // Personal data: who was shown it, and when (never the value)
  "personal_data_viewed",
  // Someone brought into a private incident channel from a request for help they were sent
  "channel_joined",
  // The incident's owner (each new owner, once) brought into its channel, public or private
  "owner_invited",
  // Communication beyond Slack: an email or webhook an audience of the plan was sent (or that
  // failed for good), never with the addresses or the body
  "communication_sent",
  "communication_failed",
  // A communication made outside Switchboard (a phone call, a letter, an email from someone's
  // own mailbox), recorded by hand: with whom, how, which way, when, and what was said
  "communication_logged",
  // Callers: each contact about the incident (how, whether a callback is wanted: never who),
  // reports moved to the master of a duplicate, and the callbacks made once it was resolved
  "caller_report_added",
  "caller_reports_moved",
  "callbacks_listed",
  "callback_claimed",
  "callback_recorded",
  // The callers in the policy's caller_volume window reached its threshold (the raise follows
  // as field changes by the system, when it changes anything)
  "caller_volume_reached",
  // A routine incident worked in a thread given a channel of its own
  "promoted_to_channel",
  // Practice drills: a timed inject posted in the drill's channel, the drill ended with its
  // marking (scores only, never the evidence's words), and the lead's coaching notes added
  "practice_inject_posted",
  "practice_debriefed",
  "practice_coaching_added",
] as const;
export type LogKind = (typeof LOG_KINDS)[number];

export const SYSTEM_ACTOR = "system";
