export * from "./caller-references.js";
export * from "./enums.js";
export * from "./incident-log.js";
export * from "./incidents.js";
export * from "./outbox.js";
export * from "./processed-requests.js";
export * from "./sla-clocks.js";
export * from "./stakeholder-updates.js";
