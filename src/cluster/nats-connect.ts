/** Connecting to NATS with one clear error when it is unreachable. */
import { connect, type NatsConnection } from 'nats';

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    // noAsyncTraces: otherwise every request builds two Error objects with stacks up front (for a
    // timeout that almost never comes) — measurable per task on the gateway's one thread.
    return await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 5000, noAsyncTraces: true });
  } catch (error) {
    throw new Error(`cannot reach NATS at ${url}: ${(error as Error).message}. Start nats-server or pass --nats URL of a running one.`);
  }
}
