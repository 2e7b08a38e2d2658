import type { Session } from '../session/session';
import { ImagesApi } from './images/api';

export class ImageApi {
  readonly images: ImagesApi;
  constructor(session: Session) {
    this.images = new ImagesApi(session);
  }
}
