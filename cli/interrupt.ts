/** Ctrl-C and SIGTERM during a command that runs a workflow: the workflow is terminated, then everything closes. */
/**
 * Ctrl-C (or SIGTERM): the run is terminated on the server, so it does not resume by surprise on
 * the next start of the local dev server; the SDK's own handlers stop the in-process workers, the
 * pending run promise then settles, and the command (`train`, `score`) closes everything once, in order.
 */
export function onInterrupt(terminate: () => Promise<unknown> | undefined): { happened(): boolean; stop(): void } {
  let happened = false;
  const handler = () => {
    if (happened) return;
    happened = true;
    console.error('\ninterrupted: terminating the run and shutting down the local workers and server');
    void Promise.resolve(terminate()).catch(() => undefined);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    happened: () => happened,
    stop: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** The user stopped the command; reported without a stack and with exit status 130. */
export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
  }
}
