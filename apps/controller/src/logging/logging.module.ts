import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { Logger as PinoInstance } from 'pino';

/** A caller's own request id is kept if it looks like one (never a whole header of junk in our logs). */
const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/**
 * nestjs-pino on the controller's pino instance: `app.useLogger(app.get(Logger))` in main.ts
 * routes every `new Logger(Context)` of ours into it (context as a field), and each admin
 * request's log lines carry its `reqId` (the caller's X-Request-Id, or a new UUID). No line per
 * admin request (dashboards poll): only what our code logs.
 */
@Module({})
export class LoggingModule {
  static forRoot(logger: PinoInstance): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            autoLogging: false,
            quietReqLogger: true,
            genReqId: (request: IncomingMessage) => {
              const given = request.headers['x-request-id'];
              return typeof given === 'string' && REQUEST_ID_PATTERN.test(given)
                ? given
                : randomUUID();
            },
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
