import type { Readable } from 'node:stream';
import type { ResourceList } from '../../common/pagination';
import type { WaitForStatusOptions } from '../../common/wait';
import type { Session } from '../../session/session';
import type { DeleteOptions } from '../../compute/servers/requests';
import type { CreateImageOptions, ImagePropertyUpdates, ListImagesFilters, UploadImageOptions } from './requests';
import type { Image, ImageStatus } from './results';

export type WaitForImageStatusOptions = WaitForStatusOptions<Image, ImageStatus>;

export class ImagesApi {
  constructor(protected readonly session: Session) {}
  /** GET /v2/images, lazily following Glance's `next`. */
  list(_filters?: ListImagesFilters): ResourceList<Image> {
    throw new Error('TODO');
  }
  /** The one image with this exact name, undefined if none; AmbiguousNameError (listing ids) if several. */
  findByName(_name: string): Promise<Image | undefined> {
    throw new Error('TODO');
  }
  /** GET /v2/images/{id}. */
  get(_imageId: string): Promise<Image> {
    throw new Error('TODO');
  }
  /** POST /v2/images (status `queued`). Never retried. */
  create(_options: CreateImageOptions): Promise<Image> {
    throw new Error('TODO');
  }
  /** PUT /v2/images/{id}/file (application/octet-stream). */
  upload(_imageId: string, _data: Buffer | Readable, _options?: UploadImageOptions): Promise<void> {
    throw new Error('TODO');
  }
  /** PATCH /v2/images/{id} with a JSON patch: string values set, null removes. */
  updateProperties(_imageId: string, _updates: ImagePropertyUpdates): Promise<Image> {
    throw new Error('TODO');
  }
  /** DELETE /v2/images/{id}; false when already gone (ignoreMissing, default true). */
  delete(_imageId: string, _options?: DeleteOptions): Promise<boolean> {
    throw new Error('TODO');
  }
  /** Poll until the image reaches a target status (default failOn: killed, deleted, deactivated). */
  waitForStatus(_imageId: string, _options: WaitForImageStatusOptions): Promise<Image> {
    throw new Error('TODO');
  }
}
