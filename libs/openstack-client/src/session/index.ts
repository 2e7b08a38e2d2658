export { Session } from './session';
export type { SessionOptions, EndpointSelection } from './session';
export type {
  HttpMethod,
  QueryValue,
  ServiceRequest,
  ServiceResponse,
  RetryOptions,
  CallOptions,
  ClientEvent,
  ClientLogger,
} from './session-types';
