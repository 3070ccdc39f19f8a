/** Slack callback, block and action ids. Changing one breaks modals already open in Slack. */
export const VIEW = {
  logIncident: "log_incident_modal",
  logged: "log_incident_done",
  hold: "incident_hold_modal",
  resolve: "incident_resolve_modal",
  reopen: "incident_reopen_modal",
  update: "incident_update_modal",
  recategorise: "incident_recategorise_modal",
  briefAgents: "incident_brief_agents_modal",
  recordImpact: "incident_record_impact_modal",
  askForHelp: "incident_ask_for_help_modal",
  review: "incident_review_modal",
  reviewNotice: "incident_review_notice",
  actionReschedule: "improvement_action_reschedule_modal",
  /** A communication made outside Switchboard (a phone call, a letter), recorded on the incident. */
  logCommunication: "incident_log_communication_modal",
  /** One more caller about a known incident (private_metadata: the incident id). */
  addCaller: "incident_add_caller_modal",
  /** Shown while a form's save outlives Slack's deadline, then its outcome (no submit). */
  saving: "form_saving",
  /** `/incident practice`: a team lead starts a practice drill for trainees. */
  practiceStart: "practice_start_modal",
} as const;

/** Buttons on the incident card; each carries the incident id as its value. */
export const CARD_ACTION = {
  acknowledge: "incident_acknowledge",
  start: "incident_start",
  takeOwnership: "incident_take_ownership",
  update: "incident_post_update",
  hold: "incident_hold",
  resume: "incident_resume",
  resolve: "incident_resolve",
  close: "incident_close",
  reopen: "incident_reopen",
  recategorise: "incident_recategorise",
  flagPersonalData: "incident_flag_personal_data",
  stopClock: "incident_stop_clock",
  timelineNext: "incident_timeline_next",
  showCallerDetails: "incident_show_caller_details",
  /** On a request for help about a private incident channel: brings the clicker into it. */
  joinChannel: "incident_join_channel",
  /** Opens the form that records a communication made outside Switchboard. */
  logCommunication: "incident_log_communication",
  /** Gives a routine incident worked in a thread a channel of its own. */
  openChannel: "incident_open_channel",
} as const;
export type CardAction = (typeof CARD_ACTION)[keyof typeof CARD_ACTION];

/** Block ids of the Add a caller form double as the field names of its parser. */
export const CALLER_FIELDS = {
  callerReference: "caller_reference",
  reportChannel: "report_channel",
  contactedAt: "contacted_at",
  said: "said",
  callback: "callback",
  callbackContact: "callback_contact",
} as const;

/** Buttons about callers and their callbacks. */
export const CALLER_ACTION = {
  /** "Add this caller" beside a known incident on the Log form (value: the incident id). */
  addThisCaller: "incident_add_this_caller",
  /** Opens the Add a caller form from the card (value: the incident id). */
  addCaller: "incident_add_caller",
  /** The Log form's search of open incidents (external_select; option value: the incident id). */
  searchKnown: "incident_known_search",
} as const;

/** Block ids of the Log form's "Already known?" part (not fields of its parser). */
export const KNOWN_BLOCKS = {
  heading: "known_incidents",
  incident: (n: number) => `known_incident_${n}`,
  search: "known_incident_search",
} as const;

/**
 * The callback list posted when an incident is resolved (buttons carry the incident id) and
 * the claimer's private list of callbacks (outcome options carry `<report id>:<outcome>`).
 */
export const CALLBACK_ACTION = {
  takeOne: "callbacks_take_1",
  takeFive: "callbacks_take_5",
  takeTen: "callbacks_take_10",
  takeAll: "callbacks_take_all",
  mine: "callbacks_mine",
  outcome: "callback_outcome",
  /** On the answer to a close with callbacks still to make. */
  closeAnyway: "incident_close_anyway",
} as const;

/** The claimer's callbacks modal (no submit: each outcome is saved as it is chosen). */
export const CALLBACKS_VIEW = "incident_callbacks_modal";

/** Buttons on the rows of `/incident list` and the App Home besides the card's own. */
export const LIST_ACTION = {
  /** A link to the incident's channel or thread, for a viewer who may not take its next move. */
  open: "incident_list_open",
} as const;

/** Buttons on escalation DMs. */
export const ESCALATION_ACTION = {
  acknowledge: "escalation_acknowledge",
  openChannel: "escalation_open_channel",
} as const;

/** Block ids of the working modals (their parsers key errors by them). */
export const WORK_FIELDS = {
  holdReason: "hold_reason",
  holdNote: "hold_note",
  summary: "resolution_summary",
  closeCode: "close_code",
  rootCause: "root_cause",
  callersNow: "callers_now",
  /** The resolve form's master reference, for close code Duplicate. */
  duplicateOf: "duplicate_of",
  reason: "reason",
  happening: "happening",
  customerImpact: "customer_impact",
  nextUpdate: "next_update",
  audiences: "audiences",
  impact: "impact",
  urgency: "urgency",
  priority: "priority",
  type: "type",
  major: "major",
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

/** The tick control on each step of a playbook checklist; its value says which step and which way. */
export const PLAYBOOK_ACTION = { tick: "playbook_step_tick" } as const;
/** Buttons for supporting the floor: three on the incident card (value: incident id), one on a briefing post. */
export const FLOOR_ACTION = {
  briefAgents: "incident_brief_agents",
  recordImpact: "incident_record_impact",
  askForHelp: "incident_ask_for_help",
  /** On the briefing post in an agents' channel; its value is the briefing id. */
  teamBriefed: "briefing_team_briefed",
} as const;
export type FloorAction = (typeof FLOOR_ACTION)[keyof typeof FLOOR_ACTION];

/** Block ids of the floor-support modals (their parsers key errors by them). */
export const FLOOR_FIELDS = {
  affected: "briefing_affected",
  script: "briefing_script",
  workaround: "briefing_workaround",
  nextUpdate: "briefing_next_update",
  callsQueued: "impact_calls_queued",
  abandonmentRate: "impact_abandonment_rate",
  affectedQueue: "impact_affected_queue",
  helpRequest: "help_request",
} as const;

/** Block ids of the *Log a communication* form (its parser keys errors by them). */
export const COMMS_FIELDS = {
  with: "comms_with",
  other: "comms_other",
  channel: "comms_channel",
  direction: "comms_direction",
  summary: "comms_summary",
  at: "comms_at",
} as const;

/** The "Write the review" button on a review prompt; its value is the incident id. */
export const REVIEW_ACTION = { open: "review_open" } as const;

/** How many preventive actions one review form offers (Slack allows 100 blocks; 5 keeps it readable). */
export const REVIEW_ACTION_ROWS = 5;

/** Block ids of the review modal; its parser keys errors by them. */
export const REVIEW_FIELDS = {
  category: "review_category",
  rootCause: "review_root_cause",
  factors: "review_factors",
  wentWell: "review_went_well",
  wentBadly: "review_went_badly",
  actionText: (i: number) => `review_action_${i}_text`,
  actionOwner: (i: number) => `review_action_${i}_owner`,
  actionDue: (i: number) => `review_action_${i}_due`,
} as const;

/** Buttons on improvement-action DMs; each carries the action id as its value. */
export const IMPROVEMENT_ACTION = {
  markDone: "improvement_action_done",
  proposeDate: "improvement_action_propose_date",
} as const;

/** Block ids of the "propose a new date" modal. */
export const ACTION_FIELDS = {
  dueOn: "action_due_on",
  reason: "action_reschedule_reason",
} as const;

/** Slack's plain_text_input allows 3000 characters; an action is one line someone can act on. */
export const REVIEW_LIMITS = { text: 3000, action: 300 } as const;

/** Block ids of the Start a practice drill form double as the field names of its parser. */
export const PRACTICE_FIELDS = {
  scenario: "practice_scenario",
  trainees: "practice_trainees",
  speed: "practice_speed",
} as const;

/** Buttons on a practice drill's debrief; each carries the practice incident's id as its value. */
export const PRACTICE_ACTION = {
  coachingNotes: "practice_coaching_notes",
} as const;

/** The lead's coaching notes on a drill's debrief: its modal and its one field (block id). */
export const PRACTICE_COACHING = { view: "practice_coaching_modal", notes: "practice_coaching" } as const;
