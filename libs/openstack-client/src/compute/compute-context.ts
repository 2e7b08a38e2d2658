import type { Session } from '../session/session';
import type { Microversion } from './microversion';

/** What compute resource APIs share: the session and the negotiated microversion. */
export interface ComputeContext {
  readonly session: Session;
  /**
   * The negotiated (or pinned) microversion; negotiated once, on first use. The negotiation is
   * shared, so `signal` only stops this caller waiting for it.
   */
  microversion(signal?: AbortSignal): Promise<Microversion>;
}
