import { UsageError } from "../errors.js";

/** A user's identity: the backend, ":", then the backend's name or id for them ("console:alice", "slack:U123"). */
export const USER_ID = /^[a-z]+:\S+$/;

/**
 * A user named in chat ("alice", "@alice" or "console:alice") → their identity ("console:alice"). A name
 * that is empty, blank or has spaces is refused: it would otherwise become the identity of nobody.
 */
export function qualifyUser(backend: string, name: string): string {
  const bare = name.trim().replace(/^@/, "");
  const id = /^[a-z]+:/.test(bare) ? bare : `${backend}:${bare}`;
  if (!USER_ID.test(id)) {
    throw new UsageError(`"${name}" is not a user name: name one like alice, @alice or ${backend}:alice.`);
  }
  return id;
}
