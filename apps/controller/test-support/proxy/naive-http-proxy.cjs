// The "naive" proxy the hygiene tests must fail against: http-proxy 1.18.1 exactly as its
// README's basic example sets it up (no error handler, no xfwd, no agent). Runs as a child
// process so a crash is observable. argv[2]: JSON { target: 'http://host:port', host }.
// IPC protocol identical to our-proxy-child.ts.
const http = require('node:http');
const httpProxy = require('http-proxy');

const send = (message) => {
  if (process.connected) process.send(message);
};
process.on('uncaughtException', (error) => {
  send({ type: 'uncaught', message: String((error && error.stack) || error) });
  process.exitCode = 70;
  setTimeout(() => process.exit(70), 50);
});
process.on('disconnect', () => process.exit(0));

const spec = JSON.parse(process.argv[2]);
const proxy = httpProxy.createProxyServer({});
const server = http.createServer((req, res) => proxy.web(req, res, { target: spec.target }));
server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head, { target: spec.target }));
process.on('message', (message) => {
  if (message === 'stop') {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  }
});
server.listen(0, spec.host, () => {
  const address = server.address();
  send({ type: 'listening', host: address.address, port: address.port });
});
