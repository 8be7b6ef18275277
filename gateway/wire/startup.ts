/** Pure decisions about a StartupMessage, taken before authentication. */
import { encodeNegotiateProtocolVersion } from './backend.ts';
import type { StartupMessage } from './frontend.ts';

/** The newest 3.x minor version this server speaks. */
export const NEWEST_PROTOCOL_MINOR = 0;

/**
 * NegotiateProtocolVersion for a client that asked for a newer minor version
 * or sent `_pq_.*` protocol options (none of which we recognize), as
 * PostgreSQL 15 sends it; undefined when the client asked for exactly 3.0.
 * The session then continues on 3.0.
 */
export function protocolNegotiation(message: StartupMessage): Buffer | undefined {
  const unrecognized = [...message.params.keys()].filter((key) => key.startsWith('_pq_.'));
  if (message.protocolMinor <= NEWEST_PROTOCOL_MINOR && unrecognized.length === 0) return undefined;
  return encodeNegotiateProtocolVersion(NEWEST_PROTOCOL_MINOR, unrecognized);
}
