export { ImagesApi } from './api';
export type { WaitForImageStatusOptions } from './api';
export type {
  ListImagesFilters,
  CreateImageOptions,
  UploadImageOptions,
  ImagePropertyUpdates,
} from './requests';
export type { Image, ImageStatus, ImageVisibility } from './results';
