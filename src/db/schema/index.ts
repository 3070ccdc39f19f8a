export * from "./caller-references.js";
export * from "./enums.js";
export * from "./incident-log.js";
export * from "./incidents.js";
export * from "./outbox.js";
