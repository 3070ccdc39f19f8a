import type { AddCallerInput } from "../../src/services/callers.js";
import { USERS } from "./harness.js";

let serial = 0;

/**
 * One caller's report for addCallerReport, as an agent would record it a minute ago: its own
 * view id and caller reference (`ACC-<tag>-00001`, so a test can look for `ACC-<tag>-` anywhere
 * it must not be), no callback unless the test says so.
 */
export function callerInput(
  incidentId: string,
  tag: string,
  over: Partial<AddCallerInput> = {},
): AddCallerInput {
  serial += 1;
  const n = String(serial).padStart(5, "0");
  return {
    incidentId,
    reportChannel: "phone",
    contactedAt: new Date(Date.now() - 60_000),
    said: null,
    callback: "no",
    reportedBy: USERS.agent,
    submissionKey: `V-${tag}-${n}`,
    callerReference: `ACC-${tag}-${n}`,
    callbackContact: null,
    ...over,
  };
}
