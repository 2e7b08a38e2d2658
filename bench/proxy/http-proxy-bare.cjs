// Bare http-proxy 1.18.1 with a keep-alive agent (the fairest setup of the library: no
// hygiene layer at all). argv: listenHost listenPort backendHost backendPort
const http = require('node:http');
const httpProxy = require('http-proxy');
const [listenHost, listenPort, backendHost, backendPort] = process.argv.slice(2);
const agent = new http.Agent({
  keepAlive: true,
  maxSockets: 256,
  maxFreeSockets: 64,
  timeout: 4000,
});
const proxy = httpProxy.createProxyServer({
  target: `http://${backendHost}:${backendPort}`,
  agent,
  xfwd: true,
});
proxy.on('error', (_error, _req, res) => {
  if (res.writeHead && !res.headersSent) res.writeHead(502);
  res.end();
});
http
  .createServer((req, res) => proxy.web(req, res))
  .listen(Number(listenPort), listenHost, () =>
    console.log(`http-proxy listening on ${listenHost}:${listenPort}`),
  );
process.on('SIGTERM', () => process.exit(0));
