import { Injectable, Logger } from '@nestjs/common';

/**
 * Which golden image new instances start from when the refresh has a say: after a rollback the
 * old image (so a scale-out does not boot the image just rejected), after `osa refresh start
 * --image ID` completes that image. Unset: the providers resolve the configured name (or pinned
 * `imageId`) per create, as before. A create that names its own image (a refresh's canary and
 * batches) wins over the pin.
 */
@Injectable()
export class GoldenImagePin {
  private readonly logger = new Logger('GoldenImage');
  private pinned: { readonly imageId: string; readonly reason: string } | undefined;

  get imageId(): string | undefined {
    return this.pinned?.imageId;
  }

  get reason(): string | undefined {
    return this.pinned?.reason;
  }

  pin(imageId: string, reason: string): void {
    if (this.pinned?.imageId === imageId) return;
    this.pinned = { imageId, reason };
    this.logger.log(`new instances start from image ${imageId} (pinned: ${reason})`);
  }

  unpin(reason: string): void {
    if (!this.pinned) return;
    this.pinned = undefined;
    this.logger.log(`new instances start from the newest golden image again (${reason})`);
  }
}
