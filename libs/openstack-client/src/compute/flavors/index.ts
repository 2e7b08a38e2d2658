export { FlavorsApi } from './api';
export type { Flavor } from './results';
