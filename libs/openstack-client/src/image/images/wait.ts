import { ResourceFailedError, ResourceGoneError } from '../../common/errors';
import type { PollSpec } from '../../common/wait';
import type { Image, ImageStatus } from './results';

/** `killed`: the upload or import failed; `deleted`/`pending_delete`: it is going away. */
export const DEFAULT_IMAGE_FAIL_STATES: readonly ImageStatus[] = [
  'killed',
  'deleted',
  'pending_delete',
];

const REASONS: Partial<Record<ImageStatus, string>> = {
  killed: 'Glance marked the image killed (its data upload or import failed)',
  deleted: 'the image was deleted',
  pending_delete: 'the image is being deleted',
  deactivated: 'an administrator deactivated the image',
};

export function imageStatusWait(
  imageId: string,
  fetch: (signal: AbortSignal | undefined) => Promise<Image | undefined>,
  targets: readonly ImageStatus[],
  failOn: readonly ImageStatus[],
): PollSpec<Image, Image> {
  return {
    resource: 'image',
    id: imageId,
    targetLabel: targets.join(' or '),
    fetch,
    statusOf: (img) => (img ? img.status : 'deleted'),
    decide: (img) => {
      if (!img) throw new ResourceGoneError('image', imageId, 'deleted (404)');
      if (targets.includes(img.status)) return { done: true, value: img };
      if (failOn.includes(img.status)) {
        throw new ResourceFailedError(
          'image',
          imageId,
          img.status,
          REASONS[img.status] ?? `status ${img.status}`,
        );
      }
      return { done: false };
    },
  };
}
