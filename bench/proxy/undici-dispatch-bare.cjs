// Bare undici 7 Pool.dispatch forwarder (undici's lowest-level API: a handler object, raw
// Buffer headers, no Readable/Writable in between) on a raw http server, no hygiene: the floor
// of any undici-based transport behind our attempt engine (see undici-bare.cjs for Pool.stream).
// argv: listenHost listenPort backendHost backendPort
const http = require('node:http');
const { Pool } = require('undici');
const [listenHost, listenPort, backendHost, backendPort] = process.argv.slice(2);
const pool = new Pool(`http://${backendHost}:${backendPort}`, {
  connections: 256,
  keepAliveTimeout: 4000,
  pipelining: 1,
});
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

class Forward {
  constructor(res) {
    this.res = res;
  }
  onConnect() {}
  onHeaders(statusCode, rawHeaders, resume) {
    const headers = [];
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i].toString('latin1');
      if (!HOP.has(name.toLowerCase())) headers.push(name, rawHeaders[i + 1].toString('latin1'));
    }
    this.res.writeHead(statusCode, headers);
    this.res.once('drain', resume);
    return true;
  }
  onData(chunk) {
    return this.res.write(chunk);
  }
  onComplete() {
    this.res.end();
  }
  onError() {
    if (!this.res.headersSent) this.res.writeHead(502);
    this.res.end();
  }
}

http
  .createServer((req, res) => {
    const headers = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2)
      if (!HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
    pool.dispatch(
      {
        path: req.url,
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
      },
      new Forward(res),
    );
  })
  .listen(Number(listenPort), listenHost, () =>
    console.log(`undici-dispatch listening on ${listenHost}:${listenPort}`),
  );
process.on('SIGTERM', () => process.exit(0));
