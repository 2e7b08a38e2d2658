// Glance API reference v2, "Images" and "Image data".
const enc = encodeURIComponent;
export const imagesUrl = (): string => '/images';
export const imageUrl = (imageId: string): string => `/images/${enc(imageId)}`;
export const imageFileUrl = (imageId: string): string => `/images/${enc(imageId)}/file`;

/**
 * Glance's `next` is a root-relative path (`/v2/images?limit=1&marker=...`, seen on the devcloud).
 * Join it to our versioned base (`<endpoint>/v2`) so a path prefix in the catalog URL survives.
 */
export function resolveGlanceNext(versionedBase: string, next: string): string {
  if (/^https?:\/\//i.test(next)) return next;
  const root = versionedBase.replace(/\/v2$/, '');
  return `${root}${next.startsWith('/') ? '' : '/'}${next}`;
}
