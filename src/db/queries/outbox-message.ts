/** An outbox row to write: what to post, where, and the key that makes it once. */
export interface NewOutboxMessage {
  incidentId: string | null;
  dedupeKey: string;
  purpose: string;
  channel: string;
  message: Record<string, unknown>;
}
