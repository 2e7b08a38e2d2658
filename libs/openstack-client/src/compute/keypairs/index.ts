export { KeypairsApi } from './api';
export type { CreateKeypairOptions, ImportKeypairOptions } from './requests';
export type { Keypair, GeneratedKeypair } from './results';
