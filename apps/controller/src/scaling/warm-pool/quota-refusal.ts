import { QuotaExceededError } from '@osa/openstack-client';

/**
 * A create the cloud refused because the project's quota is used up (Nova 403 "Quota exceeded for
 * instances", older Novas 413 overLimit; the client maps both to QuotaExceededError). Not the
 * cloud API being down, not the image's fault: a refill waits for the quota, it does not retry hard.
 */
export function isQuotaRefusal(error: unknown): error is QuotaExceededError {
  return error instanceof QuotaExceededError;
}
