// Bare undici 7 Pool + pool.stream() forwarder on a raw http server (no hygiene layer beyond
// what undici forces: it refuses hop-by-hop request headers, so those are dropped).
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
http
  .createServer((req, res) => {
    const headers = {};
    for (const [name, value] of Object.entries(req.headers))
      if (!HOP.has(name)) headers[name] = value;
    pool.stream(
      {
        path: req.url,
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
      },
      ({ statusCode, headers: upstreamHeaders }) => {
        for (const name of Object.keys(upstreamHeaders))
          if (HOP.has(name)) delete upstreamHeaders[name];
        res.writeHead(statusCode, upstreamHeaders);
        return res;
      },
      (error) => {
        if (error && !res.headersSent) {
          res.writeHead(502);
          res.end();
        }
      },
    );
  })
  .listen(Number(listenPort), listenHost, () =>
    console.log(`undici listening on ${listenHost}:${listenPort}`),
  );
process.on('SIGTERM', () => process.exit(0));
