import { IntegerIn, IpAddress } from './config-rules';

/** The admin listener (Nest's own HTTP server): /healthz and /status, apart from the proxy. */
export class AdminConfig {
  /** Loopback by default: the admin surface is not for the outside world. */
  @IpAddress()
  listenHost = '127.0.0.1';

  /** 0 = an ephemeral port (tests). */
  @IntegerIn(0, 65535)
  listenPort = 8001;
}
