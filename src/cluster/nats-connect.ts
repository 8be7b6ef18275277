/** Connecting to NATS with one clear error when it is unreachable; what a failed request says. */
import { connect, ErrorCode, type NatsConnection } from 'nats';

/**
 * Why a NATS request failed: `no responders` (no one subscribes to the subject: NATS' 503,
 * proof that nobody listens), `timeout` (proves nothing), or undefined for anything else.
 */
export function requestFailure(error: unknown): 'no responders' | 'timeout' | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return code === ErrorCode.NoResponders ? 'no responders' : code === ErrorCode.Timeout ? 'timeout' : undefined;
}

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    // noAsyncTraces: otherwise every request builds two Error objects with stacks up front (for a
    // timeout that almost never comes) — measurable per task on the gateway's one thread.
    return await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 5000, noAsyncTraces: true });
  } catch (error) {
    throw new Error(`cannot reach NATS at ${url}: ${(error as Error).message}. Start nats-server or pass --nats URL of a running one.`);
  }
}
