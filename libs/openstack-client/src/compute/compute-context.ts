import type { Session } from '../session/session';
import type { Microversion } from './microversion';

/** What compute resource APIs share: the session and the negotiated microversion. */
export interface ComputeContext {
  readonly session: Session;
  /** The negotiated (or pinned) microversion; negotiated once, on first use. */
  microversion(): Promise<Microversion>;
}
