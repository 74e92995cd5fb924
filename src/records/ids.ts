/**
 * Record ids. Most records get a random `urn:uuid:`; a record that must be sent once per fact (an agreement's
 * filing when it is concluded, a negotiation's denial) gets an id derived from that fact, so that sending it again
 * is idempotent. Such ids live in the sending participant's namespace, and the registry takes no other: an id
 * derived from shared facts (the agreement's id is known to both parties) could otherwise be taken first by the
 * counterparty, and the owner's own record would then conflict with it forever.
 */
export const recordIdPrefix = (participantId: string): string => `urn:kouan:record:${participantId}:`;

/** The id of a record derived from a fact, in the participant's namespace. */
export const derivedRecordId = (participantId: string, ...parts: string[]): string => `${recordIdPrefix(participantId)}${parts.join(':')}`;
