// Bare node:http forwarder: http.request on a keep-alive agent + pipe both ways, no hygiene at
// all. The floor for our own data path, which uses the same transport: what we spend above it is
// the hygiene layer and our bookkeeping. argv: listenHost listenPort backendHost backendPort
const http = require('node:http');
const [listenHost, listenPort, backendHost, backendPort] = process.argv.slice(2);
const agent = new http.Agent({
  keepAlive: true,
  maxSockets: 256,
  maxFreeSockets: 64,
  timeout: 4000,
  scheduling: 'lifo',
});
http
  .createServer((req, res) => {
    const upstreamReq = http.request(
      {
        agent,
        host: backendHost,
        port: Number(backendPort),
        method: req.method,
        path: req.url,
        headers: req.rawHeaders,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode, upstreamRes.rawHeaders);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstreamReq);
  })
  .listen(Number(listenPort), listenHost, () =>
    console.log(`node-http listening on ${listenHost}:${listenPort}`),
  );
process.on('SIGTERM', () => process.exit(0));
