/**
 * Ctrl-C / SIGTERM during a bake: abort every wait, unwind the cleanup stack (what this run
 * created), print what was removed, and exit 130 / 143. A second signal while cleaning up exits
 * at once and lists what is still left, so the user is never stuck and never uninformed.
 */
import { CleanupReport, CleanupStack } from './cleanup-stack';

export interface InterruptGuardOptions {
  cleanup: CleanupStack;
  abort: AbortController;
  /** Prints one line. */
  say: (line: string) => void;
  /** Called once the cleanup has finished (or immediately on the second signal). */
  exit: (code: number, report?: CleanupReport) => void;
}

export const SIGNAL_EXIT_CODES: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = {
  SIGINT: 130,
  SIGTERM: 143,
};

export function installInterruptGuard(options: InterruptGuardOptions): {
  interruptedBy: () => string | undefined;
  dispose: () => void;
} {
  let interruptedBy: string | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (interruptedBy) {
      const left = options.cleanup.pending();
      options.say(
        `${signal} again: exiting without finishing cleanup; still left: ${left.length ? left.join(', ') : 'nothing registered'}`,
      );
      options.exit(SIGNAL_EXIT_CODES[signal]);
      return;
    }
    interruptedBy = signal;
    options.say(
      `${signal}: stopping; removing what this run created (${signal} again to exit at once)`,
    );
    options.abort.abort(new Error(`interrupted by ${signal}`));
    void options.cleanup.unwind().then((report) => options.exit(SIGNAL_EXIT_CODES[signal], report));
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    interruptedBy: () => interruptedBy,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
