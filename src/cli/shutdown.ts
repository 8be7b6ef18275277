/**
 * Runs cleanup once on SIGINT/SIGTERM, then exits. A second signal (an impatient Ctrl-C, or a
 * supervisor's second TERM), or a cleanup still running after 10 s, calls `force` — synchronous:
 * kill at once what must not outlive this process, such as a cluster's worker and nats-server
 * children — and exits. (Before, a second signal met no handler and killed the process outright,
 * leaving its children running.)
 */
export function onShutdown(cleanup: () => Promise<void>, force: () => void = () => undefined): void {
  let stopping = false;
  const exitNow = (code: number) => {
    try {
      force();
    } finally {
      process.exit(code);
    }
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return exitNow(signal === 'SIGINT' ? 130 : 1);
    stopping = true;
    process.stderr.write(`stopping (${signal}); send it again to stop at once\n`);
    const timer = setTimeout(() => exitNow(1), 10_000);
    timer.unref();
    cleanup()
      .catch((error: unknown) => process.stderr.write(`error while stopping: ${String(error)}\n`))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
