/**
 * Structured logging for every pondgate process (pino: fast, JSON lines by
 * default, one line per event so logs can be grepped and shipped).
 * Logs go to stderr so that stdout carries only what a user asked for
 * (the readiness line, connection instructions, command output).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(component: string, level: string = process.env.PONDGATE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: `pondgate-${component}`, level, base: { pid: process.pid } }, pino.destination(2));
}
