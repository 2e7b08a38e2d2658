export { ListenersApi } from './api';
export type {
  CreateListenerOptions,
  ListListenersFilters,
  ListenerProtocol,
  UpdateListenerOptions,
} from './requests';
export type { Listener } from './results';
