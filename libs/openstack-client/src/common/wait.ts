/** Options every waiter takes (openstacksdk's wait_for_status, with a failure set and a signal). */
export interface WaitOptions<TResource> {
  /** Give up (WaitTimeoutError) after this long. Required: every long wait has a bound. */
  timeoutMs: number;
  /** First poll interval; polls back off from here to `maxIntervalMs`. Default 500 ms. */
  intervalMs?: number;
  /** Cap for the backed-off poll interval. Default 5000 ms. */
  maxIntervalMs?: number;
  /** Multiplier applied to the interval after each poll. Default 1.5. */
  backoffFactor?: number;
  /** Abort the wait (WaitAbortedError) when this fires. */
  signal?: AbortSignal;
  /** Called after every poll with what was seen. */
  onProgress?: (progress: WaitProgress<TResource>) => void;
}

export interface WaitProgress<TResource> {
  resource: string;
  id: string;
  /** Status seen on this poll (`DELETED` when the resource is gone in a delete wait). */
  status: string;
  attempt: number;
  elapsedMs: number;
  /** The resource as read on this poll (undefined once it is gone). */
  current: TResource | undefined;
}

export interface WaitForStatusOptions<TResource, TStatus extends string> extends WaitOptions<TResource> {
  /** Status to reach, or several acceptable ones. */
  target: TStatus | readonly TStatus[];
  /** Statuses that end the wait at once with a failure. Each resource has a sensible default. */
  failOn?: readonly TStatus[];
}
