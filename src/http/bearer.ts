import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Whether an Authorization header carries `Bearer <token>`. Both sides are hashed first so
 * the comparison takes the same time whatever the length or content of what was sent.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? "");
  const sent = match?.[1] ?? "";
  // Compare even when nothing usable was sent, so a missing header costs the same.
  return timingSafeEqual(digest(sent), digest(token)) && match !== null;
}
