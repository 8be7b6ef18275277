// Test-only helpers shared by the wire tests: decoding our backend bytes with
// pg-protocol (an independent client-side codec) and an optional connection to
// a real PostgreSQL used as the oracle for text output.

import { PassThrough } from 'node:stream';
import { parse } from 'pg-protocol';
import pg from 'pg';

/** Messages as pg-protocol's client parser produces them. */
export type ParsedMessage = { name: string; length: number } & Record<string, unknown>;

/** Decode backend bytes with pg-protocol, fed in `chunkSize` pieces. */
export async function parseBackend(bytes: Uint8Array, chunkSize = bytes.length): Promise<ParsedMessage[]> {
  const out: ParsedMessage[] = [];
  const stream = new PassThrough();
  const done = parse(stream, (m) => out.push(m as unknown as ParsedMessage));
  for (let i = 0; i < bytes.length; i += Math.max(1, chunkSize)) stream.write(Buffer.from(bytes.subarray(i, i + Math.max(1, chunkSize))));
  stream.end();
  await done;
  return out;
}

export const PG_URL = process.env.PONDGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Connect to the oracle PostgreSQL, or undefined if it is not reachable (the
 * callers then check against expectations recorded from PostgreSQL 15).
 * Values come back as raw text: no client-side type parsing.
 */
export async function connectOracle(): Promise<pg.Client | undefined> {
  const client = new pg.Client({
    connectionString: PG_URL,
    connectionTimeoutMillis: 2000,
    types: { getTypeParser: () => (v: string) => v },
  });
  try {
    await client.connect();
    return client;
  } catch {
    return undefined;
  }
}
