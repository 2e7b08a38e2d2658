import { CloudApiHealth } from './cloud-api-health';
import {
  CreatedInstance,
  CreateInstanceRequest,
  GoldenImageChoice,
  InstanceProvider,
  InstanceSnapshot,
  OriginalInstance,
  StartInstanceRequest,
  StopInstanceRequest,
} from './instance-provider';
import { callWithTimeout } from './provider-call';
import { Leadership, NotLeaderError, SINGLE_CONTROLLER } from '../seams/leadership';

/**
 * The InstanceProvider everyone injects: the configured provider with one deadline on every call
 * (scaling.providerCallTimeoutMs, carried by the signal the call gets) and every call run through
 * CloudApiHealth, so "is the cloud API up" is known from real traffic without a
 * probe of its own. Creates, deletes, stops, starts and metadata writes are refused unless this controller leads (seams/leadership.ts):
 * the last line of defence against two controllers acting at once.
 */
export class MonitoredInstanceProvider implements InstanceProvider {
  constructor(
    private readonly inner: InstanceProvider,
    private readonly health: CloudApiHealth,
    private readonly callTimeoutMs: number,
    private readonly leadership: Leadership = SINGLE_CONTROLLER,
  ) {}

  get kind(): InstanceProvider['kind'] {
    return this.inner.kind;
  }

  get servicePort(): number {
    return this.inner.servicePort;
  }

  provisionOriginal(signal?: AbortSignal): Promise<OriginalInstance> {
    return this.call('find the original', signal, (callSignal) =>
      this.inner.provisionOriginal(callSignal),
    );
  }

  create(request: CreateInstanceRequest): Promise<CreatedInstance> {
    if (!this.leadership.isLeader())
      return Promise.reject(new NotLeaderError(`create ${request.name}`, this.leadership.view()));
    return this.call(`create ${request.name}`, request.signal, (signal) =>
      this.inner.create({ ...request, signal }),
    );
  }

  describe(id: string, signal?: AbortSignal): Promise<InstanceSnapshot> {
    return this.call(`status of ${id}`, signal, (callSignal) =>
      this.inner.describe(id, callSignal),
    );
  }

  delete(id: string, signal?: AbortSignal): Promise<void> {
    if (!this.leadership.isLeader())
      return Promise.reject(new NotLeaderError(`delete ${id}`, this.leadership.view()));
    return this.call(`delete ${id}`, signal, (callSignal) => this.inner.delete(id, callSignal));
  }

  listGroup(signal?: AbortSignal): Promise<InstanceSnapshot[]> {
    return this.call('list the group', signal, (callSignal) => this.inner.listGroup(callSignal));
  }

  resolveGoldenImage(signal?: AbortSignal): Promise<GoldenImageChoice> {
    return this.call('resolve the golden image', signal, (callSignal) =>
      this.inner.resolveGoldenImage(callSignal),
    );
  }

  stop(id: string, request: StopInstanceRequest): Promise<void> {
    if (!this.leadership.isLeader())
      return Promise.reject(
        new NotLeaderError(`${request.shelve ? 'shelve' : 'stop'} ${id}`, this.leadership.view()),
      );
    return this.call(`${request.shelve ? 'shelve' : 'stop'} ${id}`, request.signal, (signal) =>
      this.inner.stop(id, { ...request, signal }),
    );
  }

  start(id: string, request: StartInstanceRequest): Promise<void> {
    if (!this.leadership.isLeader())
      return Promise.reject(
        new NotLeaderError(
          `${request.shelved ? 'unshelve' : 'start'} ${id}`,
          this.leadership.view(),
        ),
      );
    return this.call(`${request.shelved ? 'unshelve' : 'start'} ${id}`, request.signal, (signal) =>
      this.inner.start(id, { ...request, signal }),
    );
  }

  updateMetadata(
    id: string,
    metadata: Readonly<Record<string, string>>,
    signal?: AbortSignal,
  ): Promise<void> {
    if (!this.leadership.isLeader())
      return Promise.reject(new NotLeaderError(`metadata of ${id}`, this.leadership.view()));
    return this.call(`metadata of ${id}`, signal, (callSignal) =>
      this.inner.updateMetadata(id, metadata, callSignal),
    );
  }

  currentImageId(signal?: AbortSignal): Promise<string> {
    return this.call('find the golden image', signal, (callSignal) =>
      this.inner.currentImageId(callSignal),
    );
  }

  /** The deadline (signal included) inside CloudApiHealth: a call that ran out of time counts as the API not answering. */
  private call<T>(
    what: string,
    outer: AbortSignal | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return this.health.call(what, outer, (signal) =>
      callWithTimeout(what, this.callTimeoutMs, signal, run),
    );
  }
}
